// A synchronous WebSocket client over TLS for relay tests and benchmarks: any path, any
// Authorization header, binary frames in and out, every wait bounded.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace lifeline::testing {

class WsTestClient {
public:
    WsTestClient(std::uint16_t port, const std::string& ca_file);
    ~WsTestClient();

    // Opens wss://127.0.0.1:PORT{target}. Answers the HTTP status of a refused upgrade (0 when the
    // relay answered nothing), or 101 when open.
    unsigned connect(const std::string& target, const std::string& authorization, const std::string& origin = {});
    void send(const std::string& bytes, bool binary = true);
    // Waits up to `timeout` for a frame; throws std::runtime_error on timeout and
    // boost::system::system_error when the connection closed.
    std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // True when the relay closed the connection within `timeout` (frames before that are dropped).
    bool closed_by_relay(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The body of the last refused upgrade.
    const std::string& refusal_body() const { return refusal_body_; }
    // The TCP receive buffer, for backpressure tests: set before connect().
    void set_receive_buffer(int bytes) { receive_buffer_ = bytes; }
    void close();

private:
    using Stream = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    std::uint16_t port_;
    int receive_buffer_ = 0;
    std::string refusal_body_;
    std::unique_ptr<Stream> ws_;
};

}  // namespace lifeline::testing
