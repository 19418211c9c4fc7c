// `lifeline-agent run`: the daemon that ties the relay link, the on-disk help queue and the local
// socket together. It opens tickets for the user (now, or from the queue once the relay is back),
// uploads their screenshots, answers status questions, carries the user's chat both ways, forwards
// the tray's helpdesk requests (a ticket's replies, a reply, a rating, categories, suggestions) and
// pushes every change of its status and of the machine's tickets to the local watchers.
//
// Threads: one I/O thread runs everything on `io`; system info, screenshots and HTTPS uploads run
// on a small pool and come back to it.
#pragma once

#include "agent/core/config.hpp"
#include "agent/core/help_queue.hpp"
#include "agent/local/local_server.hpp"
#include "agent/relay_link/relay_link.hpp"
#include "agent/session/session_desk.hpp"
#include "agent_local.pb.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace lifeline::agent {

// What the daemon needs from the machine; blocking calls, run off the I/O thread.
struct MachineServices {
    std::function<v1::SystemInfo()> system_info;
    std::function<core::Result<std::string>()> screenshot_png;
};

struct DaemonOptions {
    AgentConfig config;
    MachineServices machine;
    std::chrono::milliseconds backoff_cap{60'000};
    std::chrono::milliseconds help_wait{15'000};   // how long `help` waits for the ticket number
    std::chrono::milliseconds status_wait{5'000};  // how long `status` waits for the ticket list
    // A ticket list read from the relay serves `status` this long: the tray asks every second, and a fleet of
    // machines must not turn that into a request per machine per second at the relay.
    std::chrono::milliseconds tickets_max_age{10'000};
    std::string display;  // the X display remote sessions share; empty = $DISPLAY
    std::chrono::seconds consent_window = kConsentWindow;
};

class Daemon {
public:
    Daemon(boost::asio::io_context& io, DaemonOptions options);
    ~Daemon();

    // Opens the queue and the local socket, then starts connecting. Errors: another daemon runs,
    // the state dir is unusable.
    core::Result<void> start();
    void stop();

private:
    struct Waiter;
    boost::asio::awaitable<v1::LocalResponse> handle(const v1::LocalRequest& request);
    boost::asio::awaitable<v1::LocalResponse> help(const v1::HelpRequest& request);
    boost::asio::awaitable<v1::LocalResponse> status();
    boost::asio::awaitable<v1::LocalResponse> chat(const v1::LocalRequest& request);
    // user_requests.cpp: the tray's helpdesk requests.
    boost::asio::awaitable<v1::LocalResponse> ticket_detail(const v1::TicketDetailRequest& request);
    boost::asio::awaitable<v1::LocalResponse> reply(const v1::UserReply& request);
    boost::asio::awaitable<v1::LocalResponse> rate(const v1::RateTicket& request);
    boost::asio::awaitable<v1::LocalResponse> catalog();
    boost::asio::awaitable<v1::LocalResponse> kb_suggest(const v1::KbHintRequest& request);
    boost::asio::awaitable<v1::LocalResponse> kb_helped(const v1::KbHelped& request);
    // Sends `ask` (whose request_id is `id`) and waits for the relay's answer. nullopt with `refusal`
    // set when there is none to give: not connected, no answer in time, or the relay's ProtocolError.
    boost::asio::awaitable<std::optional<v1::RelayToAgent>> round_trip(const v1::AgentToRelay& ask, std::int64_t id,
                                                                       v1::LocalResponse& refusal);
    boost::asio::awaitable<v1::AgentHello> hello();
    boost::asio::awaitable<void> upload_screenshots();
    // Waits up to `timeout` for the relay's answer filed under `key`.
    boost::asio::awaitable<std::optional<v1::RelayToAgent>> wait_for(const std::string& key,
                                                                     std::chrono::milliseconds timeout);

    void on_connected();
    void on_message(const v1::RelayToAgent& message);
    // What `status` answers from what the daemon knows now, without asking the relay.
    v1::AgentStatus current_status() const;
    // Reads the machine's tickets from the relay; pushes the status when they changed.
    boost::asio::awaitable<void> refresh_tickets();
    // Tells the watchers the status, unless it is what they were told last.
    void push_status();
    void on_ticket_update(const v1::TicketSummary& update);
    void answer(const std::string& key, const v1::RelayToAgent& message);
    void send_open_ticket(const v1::QueuedHelp& entry);

    boost::asio::io_context& io_;
    DaemonOptions options_;
    RelayAddress address_;
    boost::asio::thread_pool pool_{2};
    std::optional<HelpQueue> queue_;
    std::unique_ptr<LocalServer> local_;
    std::unique_ptr<RelayLink> link_;
    std::unique_ptr<SessionDesk> sessions_;
    std::map<std::string, std::shared_ptr<Waiter>> waiters_;
    std::int64_t next_request_id_ = 1;
    std::optional<std::chrono::steady_clock::time_point> tickets_read_at_;  // unset: read them on the next status
    google::protobuf::RepeatedPtrField<v1::TicketSummary> tickets_;
    std::string pushed_status_;  // the last status told to the watchers, serialized
    bool uploading_ = false;
};

}  // namespace lifeline::agent
