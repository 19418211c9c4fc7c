// Synchronous WebSocket client over TLS speaking the agent control protocol.
#include "tests/support/agent_channel_client.hpp"

#include "shared/net/tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <stdexcept>

namespace lifeline::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

AgentChannelClient::AgentChannelClient(std::uint16_t port, const std::string& ca_file)
    : tls_(net::make_client_tls_context({ca_file, "", ""})), port_(port) {}

unsigned AgentChannelClient::connect(const std::string& device_id, const std::string& secret,
                                     const std::string& origin) {
    ws_ = std::make_unique<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>(io_, tls_);
    auto& tcp = beast::get_lowest_layer(*ws_);
    tcp.expires_after(std::chrono::seconds(10));
    tcp.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));
    net::set_verify_host(ws_->next_layer().native_handle(), "127.0.0.1");
    ws_->next_layer().handshake(asio::ssl::stream_base::client);
    ws_->set_option(websocket::stream_base::decorator([&](websocket::request_type& request) {
        request.set(beast::http::field::authorization, "Bearer " + device_id + "." + secret);
        if (!origin.empty()) request.set(beast::http::field::origin, origin);
    }));
    websocket::response_type response;
    beast::error_code ec;
    ws_->handshake(response, "127.0.0.1", "/v1/agent", ec);
    tcp.expires_never();
    if (ec) return response.result_int() ? response.result_int() : 0;
    ws_->binary(true);
    return 101;
}

void AgentChannelClient::send(const v1::AgentToRelay& message) { send_raw(message.SerializeAsString(), true); }

void AgentChannelClient::send_raw(const std::string& bytes, bool binary) {
    ws_->binary(binary);
    ws_->write(asio::buffer(bytes));
    ws_->binary(true);
}

v1::RelayToAgent AgentChannelClient::receive(std::chrono::milliseconds timeout) {
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
    v1::RelayToAgent message;
    if (!message.ParseFromArray(buffer.data().data(), static_cast<int>(buffer.size()))) {
        throw std::runtime_error("the relay sent a frame that is not a RelayToAgent");
    }
    return message;
}

bool AgentChannelClient::closed_by_relay(std::chrono::milliseconds timeout) {
    try {
        for (;;)
            receive(timeout);
    } catch (const beast::system_error&) {
        return true;
    } catch (const std::runtime_error&) {
        return false;  // timed out: still open
    }
}

void AgentChannelClient::close() {
    if (!ws_) return;
    beast::error_code ignored;
    ws_->close(websocket::close_code::normal, ignored);
    ws_.reset();
}

}  // namespace lifeline::testing
