// Consent round trips and the lifetime of the one live session.
#include "agent/session/session_desk.hpp"

#include "shared/net/tls.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lifeline::agent {

namespace asio = boost::asio;

namespace {

v1::LocalResponse done(std::string message) {
    v1::LocalResponse response;
    response.mutable_done()->set_message(std::move(message));
    return response;
}

v1::LocalResponse refused(core::Errc code, std::string message) {
    v1::LocalResponse response;
    response.mutable_error()->set_code(std::string(core::errc_name(code)));
    response.mutable_error()->set_message(std::move(message));
    return response;
}

}  // namespace

SessionDesk::SessionDesk(asio::any_io_executor executor, asio::thread_pool& pool, SessionDeskOptions options,
                         std::function<bool(const v1::AgentToRelay&)> send)
    : executor_(std::move(executor)),
      pool_(pool),
      options_(std::move(options)),
      send_(std::move(send)),
      address_(parse_relay_url(options_.config.relay_url).value()),
      tls_(net::make_client_tls_context({"", "", options_.config.ca_fingerprint})) {}

SessionDesk::~SessionDesk() { shutdown(); }

void SessionDesk::answer(const v1::SessionRequest& request, bool allow, const std::string& reason) {
    v1::AgentToRelay message;
    auto* answer = message.mutable_session_answer();
    answer->set_session_id(request.session_id());
    answer->set_allow(allow);
    answer->set_reason(reason);
    if (!send_(message)) spdlog::warn("agent: could not answer session {}: not connected", request.session_id());
    spdlog::warn("agent: session {} {}: {}", request.session_id(), allow ? "ALLOWED" : "denied",
                 reason.empty() ? "the user answered" : reason);
}

void SessionDesk::on_request(const v1::SessionRequest& request) {
    if (request.session_id().empty()) return;
    if (request.upgrade() && (!live_ || live_->id() != request.session_id())) {
        answer(request, false, "no such session on this machine");
        return;
    }
    if (!request.upgrade() && live_) {
        answer(request, false, "another session is active on this machine");
        return;
    }
    if (pending_) {
        answer(request, false, "another request is waiting for the user's answer");
        return;
    }
    auto decision = decide_consent(options_.config.consent, request);
    switch (decision.kind) {
        case ConsentDecision::Kind::deny: answer(request, false, decision.reason); break;
        case ConsentDecision::Kind::allow:
            answer(request, true, decision.reason);
            grant(request);
            break;
        case ConsentDecision::Kind::ask_user: ask_user(request); break;
    }
}

void SessionDesk::ask_user(const v1::SessionRequest& request) {
    auto timer = std::make_shared<asio::steady_timer>(executor_, options_.consent_window);
    pending_ = Pending{request, std::chrono::steady_clock::now() + options_.consent_window, timer};
    spdlog::warn(
        "agent: {}. Answer within {} s with `lifeline-agent consent allow` or `lifeline-agent consent deny`; "
        "no answer means no.",
        describe_request(request), options_.consent_window.count());
    changed();
    timer->async_wait([this, timer, id = request.session_id()](const boost::system::error_code& ec) {
        if (ec || !pending_ || pending_->request.session_id() != id) return;
        auto expired = pending_->request;
        pending_.reset();
        answer(expired, false,
               "no answer from the user within " + std::to_string(options_.consent_window.count()) + " s");
        changed();
    });
}

void SessionDesk::grant(const v1::SessionRequest& request) {
    if (request.upgrade()) {
        if (live_) live_->grant_control();
        changed();
        return;
    }
    RemoteSessionOptions options;
    options.address = address_;
    options.authorization = "Bearer " + options_.config.device_id + "." + options_.config.device_secret;
    options.display = options_.display;
    options.on_clipboard = [this, id = request.session_id()](bool to_machine, std::uint64_t bytes) {
        v1::AgentToRelay message;
        auto* transfer = message.mutable_clipboard_transfer();
        transfer->set_session_id(id);
        transfer->set_to_machine(to_machine);
        transfer->set_bytes(static_cast<std::int64_t>(bytes));
        if (!send_(message)) spdlog::warn("agent: session {}: clipboard transfer not reported: not connected", id);
    };
    live_ = RemoteSession::start(executor_, pool_, tls_, std::move(options), request,
                                 [this, id = request.session_id()](const std::string&) {
                                     if (live_ && live_->id() == id) {
                                         live_.reset();
                                         changed();
                                     }
                                 });
    changed();
}

v1::LocalResponse SessionDesk::consent(const v1::ConsentAnswer& user) {
    if (!pending_) return refused(core::Errc::not_found, "no session request is waiting for an answer");
    if (!user.session_id().empty() && user.session_id() != pending_->request.session_id()) {
        return refused(core::Errc::conflict,
                       "that request is no longer waiting; the pending one is " + pending_->request.session_id());
    }
    auto request = pending_->request;
    pending_->timer->cancel();
    pending_.reset();
    answer(request, user.allow(), user.allow() ? "the user allowed it" : "the user denied the request");
    if (!user.allow()) {
        changed();
        return done("Denied. Nobody sees your screen.");
    }
    grant(request);
    return done(request.technician_name() +
                (request.mode() == v1::CONTROL || request.upgrade() ? " can now see and control your screen."
                                                                    : " can now see your screen.") +
                " Stop it at any time with `lifeline-agent session end`.");
}

v1::LocalResponse SessionDesk::stop_sharing() {
    if (live_) {
        v1::AgentToRelay message;
        message.mutable_session_ended()->set_session_id(live_->id());
        message.mutable_session_ended()->set_reason("the user stopped sharing");
        message.mutable_session_ended()->set_ended_by("user");
        send_(message);
        auto session = live_;
        session->stop("the user stopped sharing", "user: the user stopped sharing");
        return done("Stopped. Nobody sees your screen now.");
    }
    if (pending_) {
        auto request = pending_->request;
        pending_->timer->cancel();
        pending_.reset();
        answer(request, false, "the user denied the request");
        changed();
        return done("Denied the waiting request. Nobody sees your screen.");
    }
    return refused(core::Errc::not_found, "no session is active");
}

void SessionDesk::on_ended(const v1::SessionEnded& ended) {
    std::string why = ended.reason().empty() ? "ended" : ended.reason();
    if (!ended.ended_by().empty()) why += " (" + ended.ended_by() + ")";
    if (pending_ && pending_->request.session_id() == ended.session_id()) {
        pending_->timer->cancel();
        pending_.reset();
        spdlog::warn("agent: session request {} withdrawn: {}", ended.session_id(), why);
        changed();
    }
    if (live_ && live_->id() == ended.session_id()) {
        auto session = live_;
        session->stop("the relay ended the session: " + why);
    }
}

void SessionDesk::link_lost() {
    if (pending_) {
        pending_->timer->cancel();
        pending_.reset();
        changed();
    }
    if (live_) {
        auto session = live_;
        session->stop("the connection to the relay dropped", "agent: the connection to the relay dropped");
    }
}

void SessionDesk::fill_status(v1::AgentStatus& status) const {
    if (pending_) {
        *status.mutable_pending_request() = pending_->request;
        auto left =
            std::chrono::duration_cast<std::chrono::seconds>(pending_->deadline - std::chrono::steady_clock::now());
        status.set_pending_seconds_left(static_cast<std::int32_t>(std::max<std::int64_t>(0, left.count())));
    }
    if (live_) *status.mutable_session() = live_->info();
}

void SessionDesk::shutdown() {
    if (pending_) {
        pending_->timer->cancel();
        pending_.reset();
    }
    if (live_) {
        auto session = live_;
        session->stop("the agent is stopping");
    }
}

}  // namespace lifeline::agent
