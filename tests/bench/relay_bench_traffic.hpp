// The traffic side of `lifeline-bench relay`: WebSocket senders and receivers on two io threads (bulk or
// paced), a TCP sink for a peer relay's far side, CPU and memory of a process tree, and websockify as the peer.
#pragma once

#include "shared/net/ws_client.hpp"

#include <sys/types.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace lifeline::bench {

using Clock = std::chrono::steady_clock;

// Byte counters shared by the io threads and the sampling (main) thread.
struct TrafficCounters {
    std::atomic<std::uint64_t> received{0}, sent{0};
    std::atomic<int> errors{0};    // reads and writes that failed before stop()
    std::atomic<int> running{0};   // coroutines not yet finished
    std::atomic<int> accepted{0};  // TCP sink connections
    std::atomic<bool> stopping{false};
    void failed() {
        if (!stopping) ++errors;
    }
};

// The clients of one relay under test. Senders (the machine's side) run on one io thread, receivers (the
// viewer's side, or the TCP far side of a peer) on another. Call order, all from one (main) thread:
// listen_tcp() and connect_*() first, then one start_*(), sampling of counters(), then stop() (or the destructor).
class Traffic {
public:
    // Client streams frame their writes as the product's tunnels do (net::configure_tunnel_stream: one frame, one
    // write per message); `write_buffer_bytes` > 0 then replaces the write buffer that a client masks a message
    // through, each piece its own write and TLS record. 0 keeps the product's.
    explicit Traffic(const std::string& ca_file, std::size_t write_buffer_bytes = 0);
    ~Traffic();
    Traffic(const Traffic&) = delete;
    Traffic& operator=(const Traffic&) = delete;

    // Opens WebSocket senders, all at once; answers one error text per target ("" when open).
    std::vector<std::string> connect_senders(const std::vector<net::WsTarget>& targets);
    // Opens WebSocket receivers, which count from then on; one error text per target.
    std::vector<std::string> connect_ws_receivers(const std::vector<net::WsTarget>& targets);
    // Listens on 127.0.0.1 and answers the port: up to `max_connections` accepted connections are receivers.
    std::uint16_t listen_tcp(int max_connections);

    // Every sender writes `frame_bytes` frames back to back until stop() or `until`.
    void start_bulk(std::size_t frame_bytes, Clock::time_point until);
    // Every sender writes `bytes_per_tick` every 100 ms (in frames of at most `frame_bytes`) until `until`;
    // the senders' ticks are spread over the first 100 ms.
    void start_paced(std::size_t bytes_per_tick, std::size_t frame_bytes, Clock::time_point until);
    // Closes every socket and joins the io threads (waits at most 5 s for the coroutines to finish).
    void stop();

    const TrafficCounters& counters() const { return counters_; }
    std::size_t senders() const { return senders_.size(); }
    // "TLSv1.3 TLS_AES_256_GCM_SHA384" of the first sender, once connected.
    std::string tls_description() const;

private:
    std::vector<std::string> connect(boost::asio::io_context& io, std::vector<std::unique_ptr<net::WsStream>>& into,
                                     const std::vector<net::WsTarget>& targets, bool receive);

    using Work = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    boost::asio::io_context send_io_{1};
    boost::asio::io_context receive_io_{1};
    std::optional<Work> send_work_;
    std::optional<Work> receive_work_;
    boost::asio::ssl::context tls_;
    TrafficCounters counters_;
    std::string payload_;
    std::vector<std::unique_ptr<net::WsStream>> senders_;                       // send thread, once started
    std::vector<std::unique_ptr<net::WsStream>> ws_receivers_;                  // receive thread, once connected
    std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> tcp_receivers_;  // receive thread only
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
    std::thread send_thread_;
    std::thread receive_thread_;
    std::size_t write_buffer_bytes_ = 0;
    bool stopped_ = false;
};

// CPU and memory of a process and all its descendants, from /proc.
struct TreeUsage {
    std::map<pid_t, double> cpu_seconds;  // utime + stime per process
    double rss_mib = 0;                   // summed: forked children count their shared pages again
    double pss_mib = 0;                   // proportional set size, summed: shared pages counted once
    int processes = 0;
};
TreeUsage tree_usage(pid_t root);
// CPU seconds the tree used between two readings (processes that started in between count from zero).
double cpu_seconds_between(const TreeUsage& before, const TreeUsage& after);

// websockify (Debian package, python3) as the peer relay, TLS only, in its default process model: one forked
// process per WebSocket connection (its --libserver thread mode ignores --cert, so it cannot serve TLS).
class Websockify {
public:
    // The program on PATH, or "" when not installed.
    static std::string find();
    // Starts `program --ssl-only --cert CERT --key KEY 127.0.0.1:PORT 127.0.0.1:TARGET` and waits until it
    // listens; throws std::runtime_error (with its log) when it does not within 20 s.
    Websockify(const std::string& program, const std::string& cert, const std::string& key, const std::string& log_path,
               std::uint16_t target_port);
    ~Websockify();  // SIGTERM, then SIGKILL for whatever of its tree is left after 5 s
    Websockify(const Websockify&) = delete;
    Websockify& operator=(const Websockify&) = delete;

    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }
    std::string version() const { return version_; }

private:
    std::string log_path_;
    std::string version_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace lifeline::bench
