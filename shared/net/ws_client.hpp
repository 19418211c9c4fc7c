// Opening a WebSocket to the relay over TLS: resolve, connect, handshake with the caller's trust
// (a pinned CA for agents and viewers), upgrade with an Authorization header. Shared by the
// agent's control channel, its session socket and the viewer's session socket.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include "shared/net/tls_socket_stream.hpp"

#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace lifeline::net {

using WsStream = boost::beast::websocket::stream<TlsSocketStream>;

struct WsTarget {
    std::string host;  // a DNS name or an IP literal (no brackets)
    std::uint16_t port = 0;
    std::string path;           // "/v1/agent"
    std::string authorization;  // the whole header value, e.g. "Bearer ..."
    std::string user_agent;
    std::chrono::seconds timeout{15};  // for each of connect, TLS and upgrade
};

struct WsConnectError {
    enum class Kind { network, certificate, refused };
    Kind kind = Kind::network;
    unsigned http_status = 0;  // for `refused`: the relay's answer to the upgrade
    std::string message;       // says what failed and where, ready for a log or a user
};

// Connects, secures and upgrades `ws` (fresh, created with the caller's TLS context, which carries
// the trust); afterwards the stream is in binary mode with no timeouts of its own. nullopt on
// success. Closing ws's socket from the same executor aborts a connection in progress.
boost::asio::awaitable<std::optional<WsConnectError>> connect_websocket(WsStream& ws, WsTarget target);

// "host:port", with brackets around an IPv6 literal: the Host header and log text.
std::string host_and_port(const std::string& host, std::uint16_t port);

}  // namespace lifeline::net
