// wss://RELAY/v1/events: pushes StaffEvents (tickets, chat, sessions, devices) to signed-in staff,
// so the viewer's queue is live without polling. Each stream holds a bounded queue on the event
// bus; a client too slow to keep up is closed ("too slow") and re-reads over REST. The token is
// checked again every `recheck` interval: signing out or disabling the user ends the stream.
// A user with a stream open is online (StaffPresence); the first stream opening and the last one
// closing are published as StaffEventExtra.presence.
//
// Threads: accept() runs on the connection's strand; shutdown() from any thread.
#pragma once

#include "relay/events/event_bus.hpp"
#include "relay/http/api.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

namespace lifeline::relay::ws {

struct EventStreamOptions {
    std::size_t queue_frames = 1024;  // per client; more pending than this drops the client
    std::chrono::seconds handshake_timeout{30};
    std::chrono::seconds idle_timeout{60};  // WebSocket pings at half of it
    std::chrono::seconds recheck{30};       // the token is looked up again this often
    std::vector<std::string> allowed_origins;
};

class EventStream final : public http::StaffPresence {
public:
    EventStream(http::ApiContext& api, events::EventBus& bus, EventStreamOptions options);
    ~EventStream();

    boost::asio::awaitable<void> accept(boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                                        http::Request request, std::string remote_address);
    void shutdown();
    bool online(const std::string& username) override;

private:
    struct Client;
    boost::asio::awaitable<void> serve(std::shared_ptr<Client> client);
    boost::asio::awaitable<void> read_loop(std::shared_ptr<Client> client);
    bool online_locked(const std::string& username) const;
    void publish_presence(const std::string& username, bool online);
    void leave(Client& client);

    http::ApiContext& api_;
    events::EventBus& bus_;
    EventStreamOptions options_;
    std::mutex mutex_;
    std::vector<std::weak_ptr<Client>> clients_;
    bool stopping_ = false;
};

}  // namespace lifeline::relay::ws
