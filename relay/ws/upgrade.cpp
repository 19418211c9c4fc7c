// Upgrade-request checks shared by the agent channel and the session sockets.
#include "relay/ws/upgrade.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>

namespace lifeline::relay::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::optional<std::string_view> bearer(const http::Request& request) {
    auto it = request.find(beast::http::field::authorization);
    if (it == request.end()) return std::nullopt;
    std::string_view value = it->value();
    constexpr std::string_view kScheme = "Bearer ";
    if (!value.starts_with(kScheme) || value.size() > 512) return std::nullopt;
    value.remove_prefix(kScheme.size());
    if (value.empty()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> device_credential(const http::Request& request) {
    auto value = bearer(request);
    if (!value || value->size() > 256) return std::nullopt;
    auto dot = value->find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == value->size()) return std::nullopt;
    return std::make_pair(std::string(value->substr(0, dot)), std::string(value->substr(dot + 1)));
}

std::optional<std::string> bearer_token(const http::Request& request) {
    auto value = bearer(request);
    if (!value) return std::nullopt;
    return std::string(*value);
}

bool foreign_origin(const http::Request& request, const std::vector<std::string>& allowed_origins) {
    auto origin = request.find(beast::http::field::origin);
    if (origin == request.end()) return false;
    return std::find(allowed_origins.begin(), allowed_origins.end(), std::string(origin->value())) ==
           allowed_origins.end();
}

asio::awaitable<void> refuse_upgrade(beast::ssl_stream<beast::tcp_stream>& stream, beast::http::status status,
                                     std::string_view code, std::string_view message, std::chrono::seconds timeout) {
    auto response = http::error_response(status, code, message);
    response.keep_alive(false);
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await beast::http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
}

}  // namespace lifeline::relay::ws
