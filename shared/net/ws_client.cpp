// WebSocket client connect over TLS with error classification.
#include "shared/net/ws_client.hpp"

#include "shared/net/awaitable.hpp"
#include "shared/net/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include <memory>

namespace lifeline::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

std::string host_and_port(const std::string& host, std::uint16_t port) {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

asio::awaitable<std::optional<WsConnectError>> connect_websocket(WsStream& stream, WsTarget target) {
    using Kind = WsConnectError::Kind;
    const std::string where = host_and_port(target.host, target.port);
    auto fail = [](Kind kind, std::string message, unsigned status = 0) {
        return WsConnectError{kind, status, std::move(message)};
    };

    auto* ws = &stream;
    asio::ip::tcp::resolver resolver(stream.get_executor());
    auto [resolve_error, endpoints] = co_await resolver.async_resolve(target.host, std::to_string(target.port), kTuple);
    if (resolve_error) co_return fail(Kind::network, "cannot resolve " + target.host + ": " + resolve_error.message());

    // The socket closes when a step outlasts its timeout, which ends that step with an error. `due` says which step
    // is running: a wait that fired as its step finished finds it moved on (max: none) and leaves the socket alone.
    auto& socket = ws->next_layer().next_layer();
    asio::steady_timer deadline(stream.get_executor());
    auto due = std::make_shared<asio::steady_timer::time_point>();
    const auto arm = [&] {
        *due = asio::steady_timer::clock_type::now() + target.timeout;
        deadline.expires_at(*due);
        deadline.async_wait([&socket, due](const beast::error_code& error) {
            beast::error_code ignored;
            if (!error && asio::steady_timer::clock_type::now() >= *due) socket.close(ignored);
        });
    };
    const auto disarm = [&] {
        *due = asio::steady_timer::time_point::max();
        deadline.cancel();
    };
    arm();
    auto [connect_error, endpoint] = co_await asio::async_connect(socket, endpoints, kTuple);
    disarm();
    if (connect_error) co_return fail(Kind::network, "cannot connect to " + where + ": " + connect_error.message());
    socket.set_option(asio::ip::tcp::no_delay(true));

    set_verify_host(ws->next_layer().native_handle(), target.host);
    arm();
    auto [tls_error] = co_await ws->next_layer().async_handshake(kTuple);
    disarm();
    if (tls_error) {
        if (is_certificate_rejection(tls_error)) {
            co_return fail(Kind::certificate, "the relay at " + where +
                                                  " presented a certificate that does not match the pinned CA; "
                                                  "refusing to talk to it (nothing was sent)");
        }
        co_return fail(Kind::network, "TLS handshake with " + where + " failed: " + tls_error.message());
    }

    ws->set_option(websocket::stream_base::timeout{target.timeout, websocket::stream_base::none(), false});
    ws->set_option(websocket::stream_base::decorator(
        [authorization = target.authorization, agent = target.user_agent](websocket::request_type& request) {
            if (!authorization.empty()) request.set(beast::http::field::authorization, authorization);
            if (!agent.empty()) request.set(beast::http::field::user_agent, agent);
        }));
    websocket::response_type response;
    auto [upgrade_error] = co_await ws->async_handshake(response, where, target.path, kTuple);
    if (upgrade_error) {
        if (response.result_int() != 0) {
            co_return fail(Kind::refused,
                           "the relay at " + where + " refused " + target.path + ": " +
                               std::to_string(response.result_int()) + " " + response.body(),
                           response.result_int());
        }
        co_return fail(Kind::network, "WebSocket upgrade at " + where + " failed: " + upgrade_error.message());
    }
    ws->set_option(
        websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
    ws->binary(true);
    co_return std::nullopt;
}

}  // namespace lifeline::net
