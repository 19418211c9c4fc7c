// The agents' control channel, wss://RELAY/v1/agent: authenticates a device before the WebSocket
// handshake, then serves its protobuf frames (hello, heartbeat, open ticket, list tickets, chat, and
// the user's helpdesk requests through AgentRequests) and knows which devices are online.
//
// Threads: accept() runs on the connection's strand (from HttpsServer's upgrade hook); online(),
// disconnect() and shutdown() may be called from any thread.
#pragma once

#include "relay/http/api.hpp"
#include "relay/ws/agent_requests.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace lifeline::relay::ws {

// Who handles the agents' session frames (answers, ends) and hears of devices going offline: the
// session broker. Called on the channel's strand; must not block.
class SessionEvents {
public:
    virtual ~SessionEvents() = default;
    virtual void on_session_message(const std::string& device_id, const v1::AgentToRelay& message) = 0;
    virtual void on_device_offline(const std::string& device_id) = 0;
};

struct AgentHubOptions {
    std::size_t max_frame_bytes = 1 << 20;
    std::chrono::seconds handshake_timeout{30};
    std::chrono::seconds idle_timeout{90};     // a ping goes out at half of it; silence for all of it closes
    std::vector<std::string> allowed_origins;  // agents send no Origin; browsers always do
};

class AgentHub final : public http::DevicePresence {
public:
    // `kb` (may be null) answers the Get-help dialog's suggestions.
    AgentHub(http::ApiContext& api, AgentHubOptions options, store::KbStore* kb = nullptr);
    ~AgentHub() override;

    // Serves one upgraded connection until it closes.
    boost::asio::awaitable<void> accept(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                                        http::Request request, std::string remote_address);

    bool online(const std::string& device_id) override;
    void disconnect(const std::string& device_id) override;
    // Queues a frame for the device's channel; false when it is not connected. Any thread.
    bool send(const std::string& device_id, const v1::RelayToAgent& message) override;
    // Before any agent connects.
    void set_session_events(SessionEvents* events) { session_events_ = events; }
    std::size_t connected_count();
    // Closes every channel and refuses new ones.
    void shutdown();

private:
    struct Session;
    boost::asio::awaitable<void> serve(std::shared_ptr<Session> session);
    boost::asio::awaitable<void> write_loop(std::shared_ptr<Session> session);
    void close_session(const std::shared_ptr<Session>& session);
    void publish_presence(const v1::Device& device, bool online);

    http::ApiContext& api_;
    AgentHubOptions options_;
    AgentRequests requests_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::weak_ptr<Session>> sessions_;
    std::vector<std::weak_ptr<Session>> closing_;  // channels closing after a protocol error
    bool stopping_ = false;
    SessionEvents* session_events_ = nullptr;
};

}  // namespace lifeline::relay::ws
