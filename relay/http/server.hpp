// The HTTPS listener: accepts TLS connections and serves HTTP/1.1 keep-alive requests through the
// router. Each connection runs as a coroutine on its own strand.
//
// Call order: listen() once, then start(); shutdown() from any thread stops accepting, closes idle
// connections at once and busy ones after their current response, so the io_context runs dry.
#pragma once

#include "relay/http/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lifeline::relay::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8443;
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_header_bytes = 16 << 10;
    std::chrono::seconds request_timeout{30};  // handshake, one request's read, one response's write
    std::chrono::seconds idle_timeout{75};     // a kept-alive connection with nothing to say
};

// Takes over a connection whose request asks for a WebSocket upgrade on a registered path. Called
// on the connection's strand; it must start its own work (co_spawn) and return.
using UpgradeHandler = std::function<void(boost::beast::ssl_stream<boost::beast::tcp_stream>&& stream,
                                          Request&& request, std::string remote_address)>;

class HttpsServer {
public:
    HttpsServer(boost::asio::io_context& io, boost::asio::ssl::context& tls, Router& router, ServerOptions options);
    ~HttpsServer();

    // Binds and listens; answers the bound endpoint (port 0 picks a free one). Throws on failure.
    boost::asio::ip::tcp::endpoint listen();
    void start();
    void shutdown();
    // Before start(): upgrades to `path` go to `handler` instead of the router; a path ending in '/'
    // takes every path below it.
    void on_upgrade(std::string path, UpgradeHandler handler);

private:
    struct Connection;
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
    void forget_closed();

    boost::asio::io_context& io_;
    boost::asio::ssl::context& tls_;
    Router& router_;
    ServerOptions options_;
    boost::asio::ip::tcp::acceptor acceptor_;

    std::map<std::string, UpgradeHandler, std::less<>> upgrades_;
    std::mutex connections_mutex_;
    std::vector<std::weak_ptr<Connection>> connections_;
    bool stopping_ = false;
};

}  // namespace lifeline::relay::http
