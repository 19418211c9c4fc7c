// ViewerSession: the session WebSocket on an io thread of its own, tunnelled through a socketpair to an RfbClient.
#include "viewer/core/session_client.hpp"

#include "shared/net/ws_client.hpp"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace lifeline::viewer {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Local = asio::local::stream_protocol::socket;
using core::Errc;

namespace {

// Bounds the WebSocket closing handshake; connect_websocket leaves the stream without timeouts.
constexpr std::chrono::seconds kCloseHandshake{5};
// A relay that answers neither data nor our pings for this long is gone.
constexpr std::chrono::seconds kIdleTimeout{30};
constexpr std::chrono::seconds kConnectStep{15};
// run_tunnel's reason when our own end (the RFB client) finished first.
constexpr std::string_view kLocalEndClosed = "the local end closed";
constexpr std::string_view kClosedByViewer = "closed by the viewer";

// A refused upgrade: the relay's JSON error message (the WebSocket error text ends with "STATUS BODY").
core::Error refused_error(const net::WsConnectError& failure) {
    Errc code = Errc::unavailable;
    switch (failure.http_status) {
        case 401: code = Errc::unauthenticated; break;
        case 403: code = Errc::permission_denied; break;
        case 404: code = Errc::not_found; break;
        case 409: code = Errc::conflict; break;
        case 429: code = Errc::too_many_requests; break;
        default: break;
    }
    std::string relay_message;
    if (auto brace = failure.message.find('{'); brace != std::string::npos) {
        v1::ErrorResponse parsed;
        google::protobuf::util::JsonParseOptions options;
        options.ignore_unknown_fields = true;
        if (google::protobuf::util::JsonStringToMessage(failure.message.substr(brace), &parsed, options).ok()) {
            relay_message = parsed.error().message();
        }
    }
    if (relay_message.empty()) return core::make_error(code, failure.message);
    return core::make_error(
        code, "the relay refused the viewer socket (" + std::to_string(failure.http_status) + "): " + relay_message);
}

asio::awaitable<std::string> tunnel(net::WsStream& ws, Local& local, net::TunnelCounters& counters) {
    ws.set_option(websocket::stream_base::timeout{kCloseHandshake, kIdleTimeout, true});
    co_return co_await net::run_tunnel(ws, local, counters);
}

}  // namespace

struct ViewerSession::Impl {
    explicit Impl(const net::TlsClientOptions& options) : tls(net::make_client_tls_context(options)) {}

    asio::io_context io;
    asio::ssl::context tls;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
    // Used on the io thread only, once it runs; destroyed after it stopped.
    std::unique_ptr<net::WsStream> ws;
    std::unique_ptr<Local> local;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    bool tunnel_running = false;
    bool tunnel_done = false;
    std::string tunnel_reason;
    bool rfb_closed = false;
    std::string rfb_reason;
    bool closed_by_viewer = false;  // close() came before any other end
    bool quiet = false;             // close() or the destructor: on_closed stays silent
    bool notified = false;
    std::function<void(std::string)> on_closed;

    bool all_closed() const { return tunnel_done && rfb_closed; }
    std::string reason() const;  // under `mutex`
    // Waits (holding `lock`) until `done` holds or `timeout` passes.
    template <class Predicate>
    bool wait(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout, Predicate done) const {
        return changed.wait_for(lock, timeout, done);
    }
};

std::string ViewerSession::Impl::reason() const {
    if (closed_by_viewer) return std::string(kClosedByViewer);
    // The RFB client ended it (its server went away or broke the protocol): the tunnel only saw our end close.
    if (tunnel_done && tunnel_reason != kLocalEndClosed) return tunnel_reason;
    if (rfb_closed) return rfb_reason;
    return tunnel_reason;
}

ViewerSession::ViewerSession(std::string session_id) : session_id_(std::move(session_id)) {}

core::Result<std::unique_ptr<ViewerSession>> ViewerSession::open(const RelayEndpoint& relay, const std::string& token,
                                                                 const std::string& session_id,
                                                                 const RfbOptions& options) {
    if (!is_path_token(session_id)) {
        return core::make_error(Errc::invalid_argument, "not a session id: \"" + session_id + "\"");
    }
    std::unique_ptr<ViewerSession> session(new ViewerSession(session_id));
    try {
        session->impl_ = std::make_unique<Impl>(relay.tls);
    } catch (const std::exception& error) {
        return core::make_error(Errc::invalid_argument,
                                std::string("cannot use the relay's trust settings: ") + error.what());
    }
    Impl& impl = *session->impl_;
    impl.ws = std::make_unique<net::WsStream>(impl.io, impl.tls);
    impl.local = std::make_unique<Local>(impl.io);
    impl.work.emplace(impl.io.get_executor());
    impl.thread = std::thread([&io = impl.io] {
        for (;;) {
            try {
                io.run();
                return;
            } catch (const std::exception& error) {
                spdlog::error("viewer.session: the io thread caught: {}", error.what());
            }
        }
    });
    // From here on the destructor stops and joins whatever was started.

    net::WsTarget target;
    target.host = relay.host;
    target.port = relay.port;
    target.path = "/v1/sessions/" + session_id + "/viewer";
    target.authorization = "Bearer " + token;
    target.user_agent = "lifeline-viewer/" LIFELINE_VERSION;
    target.timeout = kConnectStep;
    std::optional<net::WsConnectError> failure;
    try {
        failure = asio::co_spawn(impl.io, net::connect_websocket(*impl.ws, std::move(target)), asio::use_future).get();
    } catch (const std::exception& error) {
        return core::make_error(Errc::unavailable, std::string("cannot open the session socket: ") + error.what());
    }
    if (failure) {
        switch (failure->kind) {
            case net::WsConnectError::Kind::refused: return refused_error(*failure);
            case net::WsConnectError::Kind::certificate:
                return core::make_error(Errc::unauthenticated, failure->message);
            case net::WsConnectError::Kind::network: return core::make_error(Errc::unavailable, failure->message);
        }
    }

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        return core::make_error(Errc::unavailable, "socketpair: " + std::system_category().message(errno));
    }
    boost::system::error_code assign_error;
    impl.local->assign(asio::local::stream_protocol(), pair[0], assign_error);
    if (assign_error) {
        ::close(pair[0]);
        ::close(pair[1]);
        return core::make_error(Errc::unavailable, "cannot use the socketpair: " + assign_error.message());
    }
    {
        std::lock_guard lock(impl.mutex);
        impl.tunnel_running = true;
    }
    ViewerSession* self = session.get();
    asio::co_spawn(impl.io, tunnel(*impl.ws, *impl.local, session->counters_),
                   [self](const std::exception_ptr& error, std::string reason) {
                       if (error) {
                           try {
                               std::rethrow_exception(error);
                           } catch (const std::exception& e) {
                               reason = std::string("the session tunnel failed: ") + e.what();
                           } catch (...) {
                               reason = "the session tunnel failed";
                           }
                       }
                       self->on_tunnel_done(std::move(reason));
                   });

    auto rfb = RfbClient::start(pair[1], options);  // owns pair[1] from here, even on failure
    if (!rfb) {
        std::string message = rfb.error().message;
        // No polite close: a relay still waiting for the machine's socket does not read ours.
        session->drop_connection();
        std::lock_guard lock(impl.mutex);
        if (!impl.tunnel_reason.empty() && impl.tunnel_reason != kLocalEndClosed) {
            message += " (" + impl.tunnel_reason + ")";
        }
        return core::make_error(Errc::unavailable, "no picture from the machine: " + message);
    }
    session->rfb_ = std::move(*rfb);
    session->rfb_->set_on_closed([self](std::string reason) { self->on_rfb_closed(std::move(reason)); });
    spdlog::info("viewer.session: {} open through {}", session_id, net::host_and_port(relay.host, relay.port));
    return session;
}

ViewerSession::~ViewerSession() {
    if (impl_) {
        {
            std::lock_guard lock(impl_->mutex);
            impl_->quiet = true;
        }
        close();
    }
    // The RFB client first: its threads call back into this object until they are joined.
    rfb_.reset();
    if (impl_) {
        impl_->work.reset();
        impl_->io.stop();
        if (impl_->thread.joinable()) impl_->thread.join();
        // The tunnel (if it could not be ended) holds references to these; its frame goes with the io_context.
        impl_->local.reset();
        impl_->ws.reset();
    }
}

void ViewerSession::close() {
    Impl& impl = *impl_;
    {
        std::unique_lock lock(impl.mutex);
        impl.quiet = true;
        if (!impl.tunnel_done && !impl.rfb_closed) impl.closed_by_viewer = true;
        if (!impl.tunnel_running || impl.tunnel_done) return;
    }
    // Our end stops reading: the tunnel sends the relay a WebSocket close (bounded by kCloseHandshake) and
    // closes both sides; the RFB client then sees its server go.
    asio::post(impl.io, [local = impl.local.get()] {
        boost::system::error_code ignored;
        local->shutdown(Local::shutdown_receive, ignored);
    });
    std::unique_lock lock(impl.mutex);
    if (!impl.wait(lock, kCloseHandshake + std::chrono::seconds(1), [&] { return impl.tunnel_done; })) {
        spdlog::warn("viewer.session: {}: the relay did not answer the close; dropping the connection", session_id_);
        lock.unlock();
        drop_connection();
        lock.lock();
    }
    if (rfb_) impl.wait(lock, std::chrono::seconds(2), [&] { return impl.rfb_closed; });
}

void ViewerSession::drop_connection() {
    Impl& impl = *impl_;
    {
        std::lock_guard lock(impl.mutex);
        impl.quiet = true;
        if (!impl.tunnel_running || impl.tunnel_done) return;
    }
    asio::post(impl.io, [ws = impl.ws.get()] {
        boost::system::error_code ignored;
        beast::get_lowest_layer(*ws).close(ignored);
    });
    std::unique_lock lock(impl.mutex);
    impl.wait(lock, std::chrono::seconds(2), [&] { return impl.tunnel_done; });
}

void ViewerSession::on_tunnel_done(std::string reason) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->tunnel_done = true;
        impl_->tunnel_reason = std::move(reason);
        spdlog::info("viewer.session: {}: the session socket closed: {}", session_id_, impl_->tunnel_reason);
    }
    impl_->changed.notify_all();
    notify_if_closed();
}

void ViewerSession::on_rfb_closed(std::string reason) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->rfb_closed = true;
        impl_->rfb_reason = std::move(reason);
    }
    impl_->changed.notify_all();
    notify_if_closed();
}

void ViewerSession::notify_if_closed() {
    std::function<void(std::string)> callback;
    std::string why;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->notified || impl_->quiet || !impl_->all_closed() || !impl_->on_closed) return;
        impl_->notified = true;
        callback = impl_->on_closed;
        why = impl_->reason();
    }
    try {
        callback(std::move(why));
    } catch (const std::exception& error) {
        spdlog::warn("viewer.session: the closed handler threw: {}", error.what());
    } catch (...) {
        spdlog::warn("viewer.session: the closed handler threw");
    }
}

void ViewerSession::set_on_closed(std::function<void(std::string reason)> callback) {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->on_closed = std::move(callback);
    }
    notify_if_closed();
}

bool ViewerSession::closed() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->all_closed();
}

bool ViewerSession::wait_closed(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->wait(lock, timeout, [&] { return impl_->all_closed(); });
}

std::string ViewerSession::close_reason() const {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->tunnel_done && !impl_->rfb_closed) return {};
    return impl_->reason();
}

}  // namespace lifeline::viewer
