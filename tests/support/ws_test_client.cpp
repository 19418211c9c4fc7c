// Synchronous WebSocket client over TLS; reads run on a private io_context for a bounded time.
#include "tests/support/ws_test_client.hpp"

#include "shared/net/tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <stdexcept>

namespace lifeline::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsTestClient::WsTestClient(std::uint16_t port, const std::string& ca_file)
    : tls_(net::make_client_tls_context({ca_file, "", ""})), port_(port) {}

WsTestClient::~WsTestClient() { close(); }

unsigned WsTestClient::connect(const std::string& target, const std::string& authorization, const std::string& origin) {
    ws_ = std::make_unique<Stream>(io_, tls_);
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.socket().open(asio::ip::tcp::v4());
    if (receive_buffer_ > 0) tcp.socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer_));
    tcp.expires_after(std::chrono::seconds(10));
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));
    net::set_verify_host(ws_->next_layer().native_handle(), "127.0.0.1");
    ws_->next_layer().handshake(asio::ssl::stream_base::client);
    ws_->set_option(websocket::stream_base::decorator([&](websocket::request_type& request) {
        if (!authorization.empty()) request.set(beast::http::field::authorization, authorization);
        if (!origin.empty()) request.set(beast::http::field::origin, origin);
    }));
    websocket::response_type response;
    beast::error_code ec;
    ws_->handshake(response, "127.0.0.1", target, ec);
    tcp.expires_never();
    if (ec) {
        refusal_body_ = response.body();
        unsigned status = response.result_int();
        ws_.reset();
        return status;
    }
    ws_->binary(true);
    return 101;
}

void WsTestClient::send(const std::string& bytes, bool binary) {
    ws_->binary(binary);
    ws_->write(asio::buffer(bytes));
    ws_->binary(true);
}

std::string WsTestClient::receive(std::chrono::milliseconds timeout) {
    if (!ws_) throw std::runtime_error("not connected");
    beast::flat_buffer buffer;
    beast::error_code read_error = asio::error::would_block;
    ws_->async_read(buffer, [&](beast::error_code ec, std::size_t) { read_error = ec; });
    io_.restart();
    io_.run_for(timeout);
    if (read_error == asio::error::would_block) {
        beast::get_lowest_layer(*ws_).cancel();
        io_.restart();
        io_.run();
        throw std::runtime_error("no frame from the relay within the timeout");
    }
    if (read_error) throw beast::system_error(read_error);
    return beast::buffers_to_string(buffer.data());
}

bool WsTestClient::closed_by_relay(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    try {
        for (;;) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            receive(left);
        }
    } catch (const beast::system_error&) {
        return true;
    } catch (const std::runtime_error&) {
        return false;  // timed out: still open
    }
}

void WsTestClient::close() {
    if (!ws_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).expires_after(std::chrono::seconds(2));
    ws_->close(websocket::close_code::normal, ignored);
    ws_.reset();
}

}  // namespace lifeline::testing
