// What every WebSocket endpoint checks before its handshake: credentials in the upgrade request,
// no foreign Origin, and a refusal that is an ordinary HTTP error with a JSON body.
#pragma once

#include "relay/http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeline::relay::ws {

// "Bearer <device id>.<secret>" -> (id, secret)
std::optional<std::pair<std::string, std::string>> device_credential(const http::Request& request);
// "Bearer <token>" -> token
std::optional<std::string> bearer_token(const http::Request& request);
// True when the request carries an Origin that is not allowed: a browser page elsewhere must not
// ride a user's network position into the relay (cross-site WebSocket hijacking).
bool foreign_origin(const http::Request& request, const std::vector<std::string>& allowed_origins);

// Answers the upgrade request with an error and closes the connection.
boost::asio::awaitable<void> refuse_upgrade(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                                            boost::beast::http::status status, std::string_view code,
                                            std::string_view message, std::chrono::seconds timeout);

}  // namespace lifeline::relay::ws
