// Remote sessions at the relay: asks the agent for consent, pairs the two session sockets
// (wss://RELAY/v1/sessions/{id}/agent and .../viewer) and forwards bytes between them, and ends
// sessions with a recorded reason.
//
// Threads: accept() runs on the upgraded connection's strand; the other entry points may be
// called from any thread. The two sockets of a session are pumped from the strand of the one that
// connected first, so each socket has one reader and at most one outstanding write.
#pragma once

#include "relay/http/api.hpp"
#include "relay/recording/rfb_filter.hpp"
#include "relay/ws/agent_hub.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lifeline::relay::ws {

struct SessionBrokerOptions {
    std::chrono::seconds answer_timeout{45};  // the agent asks its user for up to 30 s
    std::chrono::seconds pair_timeout{30};    // after consent, for both sockets to connect
    std::chrono::seconds idle_timeout{600};   // no byte either way: the session ends
    std::size_t max_frame_bytes = 1 << 20;
    std::chrono::seconds handshake_timeout{30};
    std::vector<std::string> allowed_origins;
    // Where sessions' recordings are (DATA/recordings); empty: none. New sessions are recorded when enabled.
    std::string recordings_dir;
    bool recording_enabled = true;
    recording::RedactionPolicy recording_policy;
};

class SessionBroker final : public SessionEvents, public http::SessionControl {
public:
    SessionBroker(boost::asio::any_io_executor executor, http::ApiContext& api, store::SessionStore& store,
                  AgentHub& hub, SessionBrokerOptions options);
    ~SessionBroker() override;

    // Sessions left requested or active by an earlier run cannot continue: mark them failed.
    void fail_leftovers();

    // The REST side: the session was stored as requested; ask the agent. False when the agent is
    // offline (the session is then failed).
    boost::asio::awaitable<bool> ask_agent(v1::Session session, std::string ticket_subject, bool unattended_allowed);
    // An active view session was marked upgrade_pending: ask the agent for control. False when the
    // agent is offline (the pending mark is then withdrawn).
    boost::asio::awaitable<bool> ask_upgrade(v1::Session session, std::string ticket_subject);
    // Ends a requested or active session: records who and why, tells the agent, drops the sockets.
    boost::asio::awaitable<core::Result<v1::Session>> end(std::string id, std::string ended_by, std::string reason);

    // An upgrade to /v1/sessions/{id}/agent or /viewer.
    boost::asio::awaitable<void> accept(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                                        http::Request request, std::string remote_address);

    void on_session_message(const std::string& device_id, const v1::AgentToRelay& message) override;
    void on_device_offline(const std::string& device_id) override;
    void ticket_closed(const std::string& number) override;
    // Closes every session socket and stops every timer, so the io_context can run dry.
    void shutdown();
    // After the io_context stopped: whatever is still open ended with the relay.
    void end_open_sessions_at_exit();

    // Any thread: whether the session's recording is still being written (retention leaves it alone).
    bool recording_in_use(const std::string& session_id);
    const std::string& recordings_dir() const { return options_.recordings_dir; }

private:
    struct Live;
    enum class Side { agent, viewer };
    boost::asio::awaitable<void> answer(std::string device_id, v1::SessionAnswer answer);
    boost::asio::awaitable<void> user_ended(std::string device_id, std::string id, std::string reason);
    boost::asio::awaitable<void> clipboard_reported(std::string device_id, v1::ClipboardTransfer transfer);
    boost::asio::awaitable<void> expire_unanswered(std::string id);
    boost::asio::awaitable<void> run_pair(std::shared_ptr<Live> live);
    boost::asio::awaitable<void> pump(std::shared_ptr<Live> live, Side from);
    boost::asio::awaitable<void> watch_idle(std::shared_ptr<Live> live);
    boost::asio::awaitable<void> end_open_sessions(std::string device_id, std::string ticket_number,
                                                   std::string reason);
    // Records the end unless the session already ended (with the bytes `live` forwarded so far); answers the stored
    // session.
    boost::asio::awaitable<core::Result<v1::Session>> record_end(const std::string& id, v1::Session::State state,
                                                                 const std::string& by, const std::string& reason,
                                                                 const Live* live = nullptr);
    // On the pair's strand: records why (unless a reason was already set) and closes both sockets.
    void drop_sockets(const std::shared_ptr<Live>& live, std::string by, std::string reason);
    // Synchronous, for start-up and exit, when no session can be live.
    void finish_all_open(v1::Session::State state, const std::string& reason);

    boost::asio::any_io_executor executor_;
    http::ApiContext& api_;
    store::SessionStore& store_;
    AgentHub& hub_;
    SessionBrokerOptions options_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Live>> live_;
    std::map<std::string, std::shared_ptr<boost::asio::steady_timer>> answer_timers_;
    bool stopping_ = false;
};

}  // namespace lifeline::relay::ws
