// One remote session at the agent, after consent: the screen server on this machine's display,
// the session socket wss://RELAY/v1/sessions/{id}/agent, and the tunnel between them.
//
// Threads: created, called and destroyed on the daemon's I/O executor; the screen server has its
// own loop thread, and starting it (opening the X display) runs on the daemon's pool.
#pragma once

#include "agent/core/config.hpp"
#include "agent/screen/screen_server.hpp"
#include "lifeline.pb.h"
#include "shared/net/ws_tunnel.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lifeline::agent {

struct RemoteSessionOptions {
    RelayAddress address;
    std::string authorization;  // "Bearer <device id>.<device secret>"
    std::string display;        // X display; empty = $DISPLAY
    int connect_attempts = 25;  // the relay may still be recording the consent: 409 is retried
    std::chrono::milliseconds connect_retry{200};
    // Clipboard text crossed (see ScreenServer::set_on_clipboard); called on the I/O executor.
    std::function<void(bool to_machine, std::uint64_t bytes)> on_clipboard;
};

class RemoteSession : public std::enable_shared_from_this<RemoteSession> {
public:
    // Called once, on the I/O executor, when the session is over, with why.
    using Ended = std::function<void(const std::string& reason)>;

    // `tls` (with the relay's pinned CA) and `pool` must outlive the session.
    static std::shared_ptr<RemoteSession> start(boost::asio::any_io_executor executor, boost::asio::thread_pool& pool,
                                                boost::asio::ssl::context& tls, RemoteSessionOptions options,
                                                v1::SessionRequest request, Ended on_ended);

    // The user agreed to control: the screen server accepts input from now on.
    void grant_control();
    // Ends the session: input injection stops before this returns, then the sockets close and
    // on_ended runs with `reason`. `close_reason` goes to the relay in the socket's close frame
    // ("user: ..." when the user ended it).
    void stop(const std::string& reason, const std::string& close_reason = "agent: the session ended at the machine");

    const std::string& id() const { return request_.session_id(); }
    v1::ActiveSession info() const;

private:
    RemoteSession(boost::asio::any_io_executor executor, boost::asio::thread_pool& pool, boost::asio::ssl::context& tls,
                  RemoteSessionOptions options, v1::SessionRequest request, Ended on_ended);
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<std::string> connect();
    void finish(std::string reason);
    void close_sockets();

    boost::asio::any_io_executor executor_;
    boost::asio::thread_pool& pool_;
    boost::asio::ssl::context& tls_;
    RemoteSessionOptions options_;
    v1::SessionRequest request_;
    Ended on_ended_;
    std::unique_ptr<screen::ScreenServer> screen_;
    std::unique_ptr<net::WsStream> ws_;
    std::unique_ptr<boost::asio::local::stream_protocol::socket> local_;
    net::TunnelCounters counters_;
    std::chrono::system_clock::time_point started_at_{};
    bool control_ = false;
    bool stopping_ = false;
    bool finished_ = false;
    std::string stop_reason_;
};

}  // namespace lifeline::agent
