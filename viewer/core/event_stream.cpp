#include "viewer/core/event_stream.hpp"

#include "shared/net/awaitable.hpp"
#include "shared/net/ws_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <thread>

namespace lifeline::viewer {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using net::kTuple;
constexpr std::size_t kMaxEventFrame = 1 << 20;

struct EventStream::Impl {
    RelayEndpoint relay;
    std::string token;
    EventStreamCallbacks callbacks;
    asio::io_context io;
    asio::steady_timer retry{io};
    std::unique_ptr<net::WsStream> ws;  // the live connection, on the io thread
    std::thread thread;
    bool stopping = false;

    asio::awaitable<void> run() {
        auto delay = std::chrono::seconds(1);
        while (!stopping) {
            auto tls = std::make_shared<asio::ssl::context>(net::make_client_tls_context(relay.tls));
            ws = std::make_unique<net::WsStream>(io, *tls);
            net::WsTarget target{relay.host, relay.port, "/v1/events", "Bearer " + token, "lifeline-viewer"};
            auto failed = co_await net::connect_websocket(*ws, target);
            if (failed) {
                const bool final = failed->kind != net::WsConnectError::Kind::network;
                if (!stopping) callbacks.state(false, failed->message, final);
                if (final) break;
            } else {
                delay = std::chrono::seconds(1);
                ws->read_message_max(kMaxEventFrame);
                ws->set_option(
                    websocket::stream_base::timeout{std::chrono::seconds(15), std::chrono::seconds(75), false});
                callbacks.state(true, {}, false);
                boost::beast::flat_buffer buffer;
                std::string why;
                for (;;) {
                    buffer.clear();
                    auto [error, bytes] = co_await ws->async_read(buffer, kTuple);
                    if (error) {
                        const auto& reason = ws->reason().reason;
                        why = reason.empty() ? error.message() : std::string(reason.data(), reason.size());
                        break;
                    }
                    const auto* frame = static_cast<const char*>(buffer.data().data());
                    const int size = static_cast<int>(buffer.size());
                    v1::StaffEvent event;
                    if (!event.ParseFromArray(frame, size)) continue;
                    // No StaffEvent body: a kind added since (helpdesk.proto's StaffEventExtra), or newer still.
                    if (event.body_case() != v1::StaffEvent::BODY_NOT_SET) {
                        callbacks.event(event);
                    } else if (v1::StaffEventExtra extra; callbacks.extra && extra.ParseFromArray(frame, size) &&
                                                          extra.body_case() != v1::StaffEventExtra::BODY_NOT_SET) {
                        callbacks.extra(extra);
                    }
                }
                if (stopping) break;
                callbacks.state(false, "the relay's event stream dropped: " + why, false);
            }
            if (stopping) break;
            retry.expires_after(delay);
            co_await retry.async_wait(kTuple);
            delay = std::min(delay * 2, std::chrono::seconds(30));
        }
        ws.reset();
    }
};

EventStream::EventStream(RelayEndpoint relay, std::string token, EventStreamCallbacks callbacks)
    : impl_(std::make_unique<Impl>()) {
    impl_->relay = std::move(relay);
    impl_->token = std::move(token);
    impl_->callbacks = std::move(callbacks);
}

EventStream::~EventStream() { stop(); }

void EventStream::start() {
    asio::co_spawn(impl_->io, impl_->run(), asio::detached);
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void EventStream::stop() {
    if (!impl_->thread.joinable()) return;
    asio::post(impl_->io, [impl = impl_.get()] {
        impl->stopping = true;
        impl->retry.cancel();
        if (impl->ws) {
            boost::system::error_code ignored;
            boost::beast::get_lowest_layer(*impl->ws).close(ignored);
        }
    });
    impl_->thread.join();
}

}  // namespace lifeline::viewer
