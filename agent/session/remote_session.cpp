// Start the screen, connect the session socket, tunnel until either end stops.
#include "agent/session/remote_session.hpp"

#include "shared/core/offload.hpp"
#include "shared/net/awaitable.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/socket.h>
#include <unistd.h>

namespace lifeline::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
using net::kTuple;

RemoteSession::RemoteSession(asio::any_io_executor executor, asio::thread_pool& pool, asio::ssl::context& tls,
                             RemoteSessionOptions options, v1::SessionRequest request, Ended on_ended)
    : executor_(std::move(executor)),
      pool_(pool),
      tls_(tls),
      options_(std::move(options)),
      request_(std::move(request)),
      on_ended_(std::move(on_ended)),
      control_(request_.mode() == v1::CONTROL) {}

std::shared_ptr<RemoteSession> RemoteSession::start(asio::any_io_executor executor, asio::thread_pool& pool,
                                                    asio::ssl::context& tls, RemoteSessionOptions options,
                                                    v1::SessionRequest request, Ended on_ended) {
    std::shared_ptr<RemoteSession> session(
        new RemoteSession(executor, pool, tls, std::move(options), std::move(request), std::move(on_ended)));
    asio::co_spawn(
        executor, [session]() { return session->run(); }, asio::detached);
    return session;
}

void RemoteSession::grant_control() {
    control_ = true;
    if (screen_) screen_->set_view_only(false);
    spdlog::warn("agent: session {}: {} can now control this screen", id(), request_.technician_name());
}

void RemoteSession::stop(const std::string& reason, const std::string& close_reason) {
    if (stopping_ || finished_) return;
    stopping_ = true;
    stop_reason_ = reason;
    // Input first: whatever happens to the sockets, nothing more reaches X from the viewer.
    if (screen_) screen_->stop_input();
    if (screen_ && local_) {
        // The screen server drops the viewer; the tunnel sees the end and closes the session socket
        // politely with the reason, so the relay records why. The timer is the backstop.
        counters_.close_reason = close_reason;
        screen_.reset();
        auto self = shared_from_this();
        auto backstop = std::make_shared<asio::steady_timer>(executor_, std::chrono::seconds(2));
        backstop->async_wait([self, backstop](const boost::system::error_code&) { self->close_sockets(); });
        return;
    }
    close_sockets();
}

void RemoteSession::close_sockets() {
    beast::error_code ignored;
    if (ws_) beast::get_lowest_layer(*ws_).close(ignored);
    if (local_) local_->close(ignored);
}

v1::ActiveSession RemoteSession::info() const {
    v1::ActiveSession info;
    info.set_session_id(request_.session_id());
    info.set_ticket_number(request_.ticket_number());
    info.set_technician_name(request_.technician_name());
    info.set_mode(control_ ? v1::CONTROL : v1::VIEW);
    if (started_at_.time_since_epoch().count() != 0) {
        *info.mutable_started_at() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
            std::chrono::duration_cast<std::chrono::milliseconds>(started_at_.time_since_epoch()).count());
    }
    info.set_bytes_sent(static_cast<std::int64_t>(counters_.to_remote.load()));
    return info;
}

asio::awaitable<std::string> RemoteSession::connect() {
    net::WsTarget target{options_.address.host, options_.address.port, "/v1/sessions/" + id() + "/agent",
                         options_.authorization, "lifeline-agent/" LIFELINE_VERSION};
    asio::steady_timer retry(executor_);
    for (int attempt = 1;; ++attempt) {
        ws_ = std::make_unique<net::WsStream>(executor_, tls_);
        auto refused = co_await net::connect_websocket(*ws_, target);
        if (stopping_) co_return "stopped";
        if (!refused) co_return "";
        // The relay records the consent while this socket is already on its way.
        if (refused->http_status != 409 || attempt >= options_.connect_attempts) co_return refused->message;
        retry.expires_after(options_.connect_retry);
        co_await retry.async_wait(kTuple);
        if (stopping_) co_return "stopped";
    }
}

asio::awaitable<void> RemoteSession::run() {
    auto self = shared_from_this();
    screen::ScreenOptions screen_options;
    screen_options.display = options_.display;
    screen_options.view_only = !control_;
    if (request_.has_monitor()) screen_options.monitor = request_.monitor();
    auto screen = co_await core::offload(pool_, [&] { return screen::ScreenServer::start(screen_options); });
    if (!screen) co_return finish("the screen cannot be shared: " + screen.error().message);
    screen_ = std::move(*screen);
    if (stopping_) co_return finish(stop_reason_);
    screen_->set_on_clipboard([weak = weak_from_this(), executor = executor_](bool to_machine, std::size_t bytes) {
        asio::post(executor, [weak, to_machine, bytes] {
            auto session = weak.lock();
            if (session && !session->finished_ && session->options_.on_clipboard)
                session->options_.on_clipboard(to_machine, bytes);
        });
    });
    if (control_) screen_->set_view_only(false);

    std::string refused = co_await connect();
    if (stopping_) co_return finish(stop_reason_);
    if (!refused.empty()) co_return finish("the session socket could not be opened: " + refused);

    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) co_return finish("socketpair failed");
    local_ = std::make_unique<asio::local::stream_protocol::socket>(executor_, asio::local::stream_protocol(), fds[1]);
    if (auto served = screen_->serve(fds[0]); !served)
        co_return finish("the screen server refused: " + served.error().message);

    started_at_ = std::chrono::system_clock::now();
    spdlog::warn("agent: SESSION ACTIVE {}: {} can {} this screen (ticket {}). Stop it: lifeline-agent session end",
                 id(), request_.technician_name(), control_ ? "see and control" : "see", request_.ticket_number());
    std::string reason = co_await net::run_tunnel(*ws_, *local_, counters_);
    finish(stopping_ ? stop_reason_ : reason);
}

void RemoteSession::finish(std::string reason) {
    if (finished_) return;
    finished_ = true;
    if (screen_) {
        screen_->stop_input();
        screen_.reset();  // joins the screen's loop thread
    }
    close_sockets();
    spdlog::warn("agent: session {} ended: {} ({} bytes sent)", id(), reason, counters_.to_remote.load());
    if (on_ended_) on_ended_(reason);
}

}  // namespace lifeline::agent
