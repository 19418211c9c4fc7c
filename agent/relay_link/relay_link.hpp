// The agent's end of the control channel, wss://RELAY/v1/agent: connects with the pinned CA and
// the device credential, says hello, keeps the channel alive with heartbeats, and reconnects with
// full-jitter backoff for as long as the daemon runs.
//
// Threads: construct, call and destroy on one executor (the daemon's single I/O thread); the
// callbacks run there too.
#pragma once

#include "agent/core/backoff.hpp"
#include "agent/core/config.hpp"
#include "lifeline.pb.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace lifeline::agent {

struct RelayLinkOptions {
    RelayAddress address;
    std::string ca_fingerprint;
    std::string device_id;
    std::string device_secret;
    std::chrono::milliseconds heartbeat_interval{20'000};
    std::chrono::milliseconds idle_timeout{60'000};  // a ping at half of it; silence for all of it reconnects
    std::chrono::milliseconds backoff_base{1'000};
    std::chrono::milliseconds backoff_cap{60'000};
};

struct RelayLinkCallbacks {
    // The hello for a fresh connection (collects system info); nothing else is sent before it.
    std::function<boost::asio::awaitable<v1::AgentHello>()> hello;
    std::function<void()> connected;  // the hello went out
    std::function<void(const v1::RelayToAgent&)> message;
    std::function<void()> disconnected;
};

class RelayLink {
public:
    RelayLink(boost::asio::any_io_executor executor, RelayLinkOptions options, RelayLinkCallbacks callbacks);
    ~RelayLink();

    void start();
    // Closes the channel politely and stops reconnecting.
    void stop();

    bool connected() const { return connected_; }
    // Why the last attempt failed or the last connection ended; "" while connected.
    const std::string& last_error() const { return last_error_; }
    std::chrono::system_clock::time_point connected_since() const { return connected_since_; }
    // Queues a frame on the live connection; false when there is none (the caller keeps it).
    bool send(const v1::AgentToRelay& message);

private:
    struct Connection;
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> connect_and_serve();
    boost::asio::awaitable<void> write_loop(std::shared_ptr<Connection> connection);
    boost::asio::awaitable<void> heartbeat_loop(std::shared_ptr<Connection> connection);
    boost::asio::awaitable<void> close_politely(std::shared_ptr<Connection> connection);
    void fail(std::string message);

    boost::asio::any_io_executor executor_;
    RelayLinkOptions options_;
    RelayLinkCallbacks callbacks_;
    boost::asio::ssl::context tls_;
    Backoff backoff_;
    boost::asio::steady_timer retry_timer_;
    std::shared_ptr<Connection> current_;
    bool connected_ = false;
    bool stopping_ = false;
    bool credential_refused_ = false;
    std::string last_error_ = "not connected yet";
    std::chrono::system_clock::time_point connected_since_{};
};

}  // namespace lifeline::agent
