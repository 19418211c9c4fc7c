// The agent's side of remote sessions: answers the relay's session requests (by policy, or by
// asking the user and waiting up to 30 s for `lifeline-agent consent allow|deny`), runs the one
// consented session, and ends it when the user, the relay or a lost connection says so.
//
// Threads: everything on the daemon's I/O executor.
#pragma once

#include "agent/core/config.hpp"
#include "agent/session/consent.hpp"
#include "agent/session/remote_session.hpp"
#include "lifeline.pb.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace lifeline::agent {

struct SessionDeskOptions {
    AgentConfig config;
    std::string display;  // X display for the screen server; empty = $DISPLAY
    std::chrono::seconds consent_window = kConsentWindow;
    // Called (on the executor) whenever what fill_status() reports changes: a request is waiting or
    // no longer, a session started, ended or gained control.
    std::function<void()> changed;
};

class SessionDesk {
public:
    // `send` queues a frame on the control channel; false when it is down.
    SessionDesk(boost::asio::any_io_executor executor, boost::asio::thread_pool& pool, SessionDeskOptions options,
                std::function<bool(const v1::AgentToRelay&)> send);
    ~SessionDesk();

    void on_request(const v1::SessionRequest& request);
    void on_ended(const v1::SessionEnded& ended);
    // The control channel dropped: input stops at once and the session ends.
    void link_lost();

    // The local socket's requests.
    v1::LocalResponse consent(const v1::ConsentAnswer& answer);
    v1::LocalResponse stop_sharing();
    void fill_status(v1::AgentStatus& status) const;

    void shutdown();

private:
    struct Pending {
        v1::SessionRequest request;
        std::chrono::steady_clock::time_point deadline;
        std::shared_ptr<boost::asio::steady_timer> timer;
    };
    void answer(const v1::SessionRequest& request, bool allow, const std::string& reason);
    void grant(const v1::SessionRequest& request);
    void ask_user(const v1::SessionRequest& request);
    void changed() const {
        if (options_.changed) options_.changed();
    }

    boost::asio::any_io_executor executor_;
    boost::asio::thread_pool& pool_;
    SessionDeskOptions options_;
    std::function<bool(const v1::AgentToRelay&)> send_;
    RelayAddress address_;
    boost::asio::ssl::context tls_;
    std::optional<Pending> pending_;
    std::shared_ptr<RemoteSession> live_;
};

}  // namespace lifeline::agent
