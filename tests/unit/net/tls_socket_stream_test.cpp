// TlsSocketStream under a WebSocket, as the relay runs session sockets: a real TLS handshake on loopback with
// asio's SSL stream, the HTTP upgrade read through it, then the connection taken over and driven on its socket.
#include "shared/net/tls_socket_stream.hpp"
#include "shared/net/tls.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/support/ws_test_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>

#include <future>
#include <random>
#include <thread>

namespace lifeline::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Answers each binary message with the same bytes, over one connection; what ended its reading is kept.
class EchoServer {
public:
    // `close_after`: after this many echoes the server closes with a reason (0: never).
    explicit EchoServer(const testing::TestPki& pki, int close_after = 0)
        : tls_(make_server_tls_context(pki.chain_file, pki.key_file)),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          close_after_(close_after) {
        asio::co_spawn(io_, serve(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~EchoServer() {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    // What ended the server's reads, once it ended (waits up to 10 s).
    beast::error_code ended() {
        if (ended_future_.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            throw std::runtime_error("the server is still reading");
        }
        return ended_future_.get();
    }

private:
    asio::awaitable<void> serve() {
        auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
        beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls_);
        co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        beast::flat_buffer request_buffer;
        beast::http::request<beast::http::string_body> request;
        co_await beast::http::async_read(stream, request_buffer, request, asio::use_awaitable);
        websocket::stream<TlsSocketStream> ws(TlsSocketStream::adopt(std::move(stream)));
        ws.auto_fragment(false);
        ws.read_message_max(8 << 20);
        co_await ws.async_accept(request, asio::use_awaitable);
        ws.binary(true);
        beast::flat_buffer buffer;
        for (int echoed = 0;; ++echoed) {
            if (close_after_ > 0 && echoed == close_after_) {
                co_await ws.async_close(websocket::close_reason(websocket::close_code::normal, "user: done here"),
                                        kTuple);
                ended_.set_value({});
                co_return;
            }
            buffer.clear();
            auto [read_error, read] = co_await ws.async_read(buffer, kTuple);
            if (read_error) {
                ended_.set_value(read_error);
                co_return;
            }
            auto [write_error, written] = co_await ws.async_write(buffer.data(), kTuple);
            if (write_error) {
                ended_.set_value(write_error);
                co_return;
            }
        }
    }

    asio::io_context io_{1};
    asio::ssl::context tls_;
    tcp::acceptor acceptor_;
    int close_after_;
    std::promise<beast::error_code> ended_;
    std::future<beast::error_code> ended_future_ = ended_.get_future();
    std::thread thread_;
};

std::string random_bytes(std::size_t size, std::mt19937& random) {
    std::string bytes(size, '\0');
    for (auto& c : bytes)
        c = static_cast<char>(random());
    return bytes;
}

TEST(TlsSocketStream, carries_messages_of_every_size_both_ways_intact) {
    testing::TestPki pki;
    EchoServer server(pki);
    testing::WsTestClient client(server.port(), pki.ca_file);
    ASSERT_EQ(client.connect("/echo", ""), 101u);
    std::mt19937 random(7);
    // Around the record size (16 KiB), the receive buffer (66 KiB) and the write limit (128 KiB), and beyond.
    for (std::size_t size : {1u, 125u, 126u, 16383u, 16384u, 16385u, 65536u, 65536u + 7, 67584u, 131072u, 131073u,
                             1048576u + 3, 5000000u}) {
        const std::string sent = random_bytes(size, random);
        client.send(sent);
        const std::string echoed = client.receive();
        ASSERT_EQ(echoed.size(), sent.size());
        EXPECT_TRUE(echoed == sent) << size << " bytes came back changed";
    }
    client.close();
    EXPECT_EQ(server.ended(), websocket::error::closed);
}

TEST(TlsSocketStream, keeps_order_across_many_small_messages_sent_back_to_back) {
    testing::TestPki pki;
    EchoServer server(pki);
    testing::WsTestClient client(server.port(), pki.ca_file);
    ASSERT_EQ(client.connect("/echo", ""), 101u);
    for (int i = 0; i < 300; ++i)
        client.send("message " + std::to_string(i));
    for (int i = 0; i < 300; ++i)
        ASSERT_EQ(client.receive(), "message " + std::to_string(i));
}

TEST(TlsSocketStream, a_close_from_the_server_reaches_the_client_with_its_reason) {
    testing::TestPki pki;
    EchoServer server(pki, 1);
    testing::WsTestClient client(server.port(), pki.ca_file);
    ASSERT_EQ(client.connect("/echo", ""), 101u);
    client.send("one");
    EXPECT_EQ(client.receive(), "one");
    try {
        client.receive();
        ADD_FAILURE() << "a frame after the close";
    } catch (const beast::system_error& e) {
        EXPECT_EQ(e.code(), websocket::error::closed);
    }
    EXPECT_FALSE(server.ended());
}

TEST(TlsSocketStream, a_connection_cut_without_close_notify_ends_the_read_with_an_error) {
    testing::TestPki pki;
    EchoServer server(pki);
    asio::io_context io;
    auto tls = make_client_tls_context({pki.ca_file, "", ""});
    beast::ssl_stream<beast::tcp_stream> stream(io, tls);
    beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
    stream.handshake(asio::ssl::stream_base::client);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>&> ws(stream);
    ws.handshake("127.0.0.1", "/echo");
    ws.binary(true);
    ws.write(asio::buffer(std::string(40000, 'x')));
    beast::flat_buffer buffer;
    ws.read(buffer);
    // Half a record, then the TCP connection ends: no close frame, no close_notify.
    const std::string garbage = std::string("\x17\x03\x03\x3e\x80", 5) + std::string(9000, '\x5a');
    asio::write(beast::get_lowest_layer(stream).socket(), asio::buffer(garbage));
    beast::get_lowest_layer(stream).socket().close();
    const auto ended = server.ended();
    EXPECT_TRUE(ended) << "the read ended cleanly";
    EXPECT_NE(ended, websocket::error::closed);
}

}  // namespace
}  // namespace lifeline::net
