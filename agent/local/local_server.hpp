// The daemon's local socket: same-user processes (the CLI, the tray) send LocalRequests and get
// LocalResponses. The socket file is 0600 and every peer's uid is checked with SO_PEERCRED.
//
// Threads: everything runs on the executor given to the constructor.
#pragma once

#include "agent/local/local_client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lifeline::agent {

class LocalServer {
public:
    // The request stays alive until the returned awaitable completes.
    using Handler = std::function<boost::asio::awaitable<v1::LocalResponse>(const v1::LocalRequest&)>;

    LocalServer(boost::asio::any_io_executor executor, std::string socket_path, Handler handler);
    ~LocalServer();

    // Binds the socket. Refuses when another daemon answers on it; removes a stale socket file.
    core::Result<void> listen();
    // Stops accepting, closes open connections and removes the socket file.
    void close();
    // Sends the event to every connection that asked to Watch.
    void notify(const v1::LocalEvent& event);
    // What a new watcher gets first (the daemon's status), before any later event: nothing can
    // happen between the two.
    void set_watch_greeting(std::function<std::vector<v1::LocalEvent>()> greeting) { greeting_ = std::move(greeting); }

private:
    struct Connection;
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> connection);
    boost::asio::awaitable<void> watch(std::shared_ptr<Connection> connection);

    boost::asio::any_io_executor executor_;
    std::string socket_path_;
    Handler handler_;
    std::function<std::vector<v1::LocalEvent>()> greeting_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::vector<std::weak_ptr<Connection>> connections_;
    bool closed_ = false;
};

}  // namespace lifeline::agent
