// Senders, receivers and the TCP sink of `lifeline-bench relay`, process-tree readings, and the websockify child.
#include "tests/bench/relay_bench_traffic.hpp"

#include "shared/net/tls.hpp"
#include "shared/net/ws_tunnel.hpp"
#include "tests/bench/bench.hpp"
#include "tests/support/relay_process.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <stdexcept>

namespace lifeline::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kTick = std::chrono::milliseconds(100);

namespace {

void close_socket(net::WsStream& ws) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).close(ignored);
}

asio::awaitable<void> receive_ws(net::WsStream& ws, TrafficCounters& counters) {
    beast::flat_buffer buffer;
    for (;;) {
        buffer.clear();
        auto [error, bytes] = co_await ws.async_read(buffer, kTuple);
        if (error) {
            counters.failed();
            break;
        }
        counters.received += bytes;
    }
    --counters.running;
}

asio::awaitable<void> receive_tcp(tcp::socket& socket, TrafficCounters& counters) {
    std::vector<char> buffer(256 * 1024);
    for (;;) {
        auto [error, bytes] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
        if (error) {
            if (error != asio::error::eof) counters.failed();
            break;
        }
        counters.received += bytes;
    }
    --counters.running;
}

asio::awaitable<void> accept_tcp(tcp::acceptor& acceptor, std::vector<std::unique_ptr<tcp::socket>>& sockets,
                                 TrafficCounters& counters, int max_connections) {
    auto executor = co_await asio::this_coro::executor;
    for (int i = 0; i < max_connections && !counters.stopping; ++i) {
        auto [error, socket] = co_await acceptor.async_accept(kTuple);
        if (error) break;
        sockets.push_back(std::make_unique<tcp::socket>(std::move(socket)));
        ++counters.accepted;
        ++counters.running;
        asio::co_spawn(executor, receive_tcp(*sockets.back(), counters), asio::detached);
    }
    --counters.running;
}

asio::awaitable<void> send_bulk(net::WsStream& ws, const std::string& payload, Clock::time_point until,
                                TrafficCounters& counters) {
    while (!counters.stopping && Clock::now() < until) {
        auto [error, written] = co_await ws.async_write(asio::buffer(payload), kTuple);
        if (error) {
            counters.failed();
            break;
        }
        counters.sent += written;
    }
    --counters.running;
}

// A token bucket refilled every tick: `per_tick` bytes, in frames of at most the payload's size.
asio::awaitable<void> send_paced(net::WsStream& ws, const std::string& payload, std::size_t per_tick,
                                 Clock::time_point first, Clock::time_point until, TrafficCounters& counters) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    bool failed = false;
    for (auto next = first; !failed && !counters.stopping && next < until; next += kTick) {
        timer.expires_at(next);
        auto [timer_error] = co_await timer.async_wait(kTuple);
        if (timer_error) break;
        for (std::size_t left = per_tick; left > 0 && !counters.stopping;) {
            std::size_t n = std::min(left, payload.size());
            auto [error, written] = co_await ws.async_write(asio::buffer(payload.data(), n), kTuple);
            if (error) {
                counters.failed();
                failed = true;
                break;
            }
            counters.sent += written;
            left -= n;
        }
    }
    --counters.running;
}

std::string payload_of(std::size_t bytes) {
    // RFB-like bytes: not all one value, so nothing along the way could shortcut them.
    std::string payload(bytes, '\0');
    std::uint32_t x = 2463534242u;
    for (auto& c : payload) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return payload;
}

}  // namespace

Traffic::Traffic(const std::string& ca_file, std::size_t write_buffer_bytes)
    : send_work_(send_io_.get_executor()),
      receive_work_(receive_io_.get_executor()),
      tls_(net::make_client_tls_context({ca_file, "", ""})),
      write_buffer_bytes_(write_buffer_bytes) {
    send_thread_ = std::thread([this] { send_io_.run(); });
    receive_thread_ = std::thread([this] { receive_io_.run(); });
}

Traffic::~Traffic() { stop(); }

std::vector<std::string> Traffic::connect(asio::io_context& io, std::vector<std::unique_ptr<net::WsStream>>& into,
                                          const std::vector<net::WsTarget>& targets, bool receive) {
    std::vector<std::unique_ptr<net::WsStream>> streams;
    std::vector<std::future<std::optional<net::WsConnectError>>> pending;
    for (const auto& target : targets) {
        streams.push_back(std::make_unique<net::WsStream>(io, tls_));
        pending.push_back(asio::co_spawn(io, net::connect_websocket(*streams.back(), target), asio::use_future));
    }
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        std::optional<net::WsConnectError> failure;
        try {
            failure = pending[i].get();
        } catch (const std::exception& e) {
            failure = net::WsConnectError{net::WsConnectError::Kind::network, 0, e.what()};
        }
        errors.push_back(failure ? failure->message : "");
        if (failure) continue;
        auto* ws = streams[i].get();
        net::configure_tunnel_stream(*ws);  // as the agent and viewer tunnels frame their writes
        if (write_buffer_bytes_ > 0) ws->write_buffer_bytes(write_buffer_bytes_);
        into.push_back(std::move(streams[i]));
        if (receive) {
            ++counters_.running;
            asio::co_spawn(io, receive_ws(*ws, counters_), asio::detached);
        }
    }
    // Streams that failed to connect are closed on their thread before they go.
    auto failed = std::make_shared<std::vector<std::unique_ptr<net::WsStream>>>();
    for (auto& s : streams)
        if (s) failed->push_back(std::move(s));
    if (!failed->empty()) {
        asio::post(io, [failed] {
            for (auto& s : *failed)
                close_socket(*s);
            failed->clear();
        });
    }
    return errors;
}

std::vector<std::string> Traffic::connect_senders(const std::vector<net::WsTarget>& targets) {
    return connect(send_io_, senders_, targets, false);
}

std::vector<std::string> Traffic::connect_ws_receivers(const std::vector<net::WsTarget>& targets) {
    return connect(receive_io_, ws_receivers_, targets, true);
}

std::uint16_t Traffic::listen_tcp(int max_connections) {
    acceptor_ = std::make_unique<tcp::acceptor>(receive_io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    ++counters_.running;
    asio::co_spawn(receive_io_, accept_tcp(*acceptor_, tcp_receivers_, counters_, max_connections), asio::detached);
    return acceptor_->local_endpoint().port();
}

void Traffic::start_bulk(std::size_t frame_bytes, Clock::time_point until) {
    payload_ = payload_of(frame_bytes);
    for (auto& ws : senders_) {
        ++counters_.running;
        asio::co_spawn(send_io_, send_bulk(*ws, payload_, until, counters_), asio::detached);
    }
}

void Traffic::start_paced(std::size_t bytes_per_tick, std::size_t frame_bytes, Clock::time_point until) {
    payload_ = payload_of(frame_bytes);
    auto start = Clock::now();
    for (std::size_t i = 0; i < senders_.size(); ++i) {
        auto first = start + kTick * static_cast<long>(i) / static_cast<long>(senders_.size());
        ++counters_.running;
        asio::co_spawn(send_io_, send_paced(*senders_[i], payload_, bytes_per_tick, first, until, counters_),
                       asio::detached);
    }
}

void Traffic::stop() {
    if (stopped_) return;
    stopped_ = true;
    counters_.stopping = true;
    asio::post(send_io_, [this] {
        for (auto& ws : senders_)
            close_socket(*ws);
    });
    asio::post(receive_io_, [this] {
        beast::error_code ignored;
        if (acceptor_) acceptor_->close(ignored);
        for (auto& ws : ws_receivers_)
            close_socket(*ws);
        for (auto& socket : tcp_receivers_)
            socket->close(ignored);
    });
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (counters_.running > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    send_work_.reset();
    receive_work_.reset();
    send_io_.stop();
    receive_io_.stop();
    send_thread_.join();
    receive_thread_.join();
}

std::string Traffic::tls_description() const {
    if (senders_.empty()) return "";
    SSL* ssl = const_cast<net::WsStream&>(*senders_.front()).next_layer().native_handle();
    return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

// ---------------------------------------------------------------------------------------------------------------

namespace {

// pid -> parent pid of every process we may read.
std::map<pid_t, pid_t> parents() {
    std::map<pid_t, pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(line.substr(close + 2));
        std::string state;
        pid_t ppid = 0;
        if (fields >> state >> ppid) out[static_cast<pid_t>(std::stol(name))] = ppid;
    }
    return out;
}

std::vector<pid_t> tree_of(pid_t root) {
    auto all = parents();
    std::vector<pid_t> tree{root};
    for (std::size_t i = 0; i < tree.size() && i < 100'000; ++i) {
        for (const auto& [pid, ppid] : all)
            if (ppid == tree[i]) tree.push_back(pid);
    }
    return tree;
}

double pss_mib(pid_t pid) {
    std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
    std::string line;
    while (std::getline(rollup, line)) {
        if (line.rfind("Pss:", 0) == 0) return std::stod(line.substr(4)) / 1024.0;
    }
    return 0;
}

}  // namespace

TreeUsage tree_usage(pid_t root) {
    TreeUsage usage;
    for (pid_t pid : tree_of(root)) {
        try {
            auto [cpu, rss] = process_cpu_and_rss(pid);
            usage.cpu_seconds[pid] = cpu;
            usage.rss_mib += rss;
            usage.pss_mib += pss_mib(pid);
            ++usage.processes;
        } catch (const std::exception&) {
            // It exited while we read it.
        }
    }
    return usage;
}

double cpu_seconds_between(const TreeUsage& before, const TreeUsage& after) {
    double total = 0;
    for (const auto& [pid, cpu] : after.cpu_seconds) {
        auto it = before.cpu_seconds.find(pid);
        total += cpu - (it == before.cpu_seconds.end() ? 0.0 : it->second);
    }
    return total;
}

// ---------------------------------------------------------------------------------------------------------------

std::string Websockify::find() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = dir + "/websockify";
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

Websockify::Websockify(const std::string& program, const std::string& cert, const std::string& key,
                       const std::string& log_path, std::uint16_t target_port)
    : log_path_(log_path) {
    auto version = testing::run_program({"/usr/bin/dpkg-query", "-W", "-f=${Version}", "websockify"});
    version_ = version.exit_code == 0 ? version.out : "unknown (not from a Debian package)";
    {
        // An ephemeral port for it: bound and released again at once.
        asio::io_context io;
        tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port_ = probe.local_endpoint().port();
    }
    pid_ = testing::spawn_logged({program, "--ssl-only", "--cert", cert, "--key", key,
                                  "127.0.0.1:" + std::to_string(port_), "127.0.0.1:" + std::to_string(target_port)},
                                 log_path_);
    auto listening = [this] {
        asio::io_context io;
        tcp::socket socket(io);
        beast::error_code error;
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), error);
        return !error;
    };
    if (testing::wait_until_ready(pid_, listening, std::chrono::seconds(20))) return;
    std::ifstream in(log_path_);
    std::stringstream log;
    log << in.rdbuf();
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        testing::wait_exit(pid_);
    }
    throw std::runtime_error("websockify did not listen within 20 s: " + log.str().substr(0, 2000));
}

Websockify::~Websockify() {
    if (pid_ <= 0) return;
    auto tree = tree_of(pid_);
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    bool exited = false;
    while (!exited && Clock::now() < deadline) {
        exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
        if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
        ::kill(pid_, SIGKILL);
        testing::wait_exit(pid_);
    }
    // Its per-connection children, if any outlived it: only those still running websockify.
    for (std::size_t i = 1; i < tree.size(); ++i) {
        std::ifstream cmdline("/proc/" + std::to_string(tree[i]) + "/cmdline");
        std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        if (text.find("websockify") != std::string::npos) ::kill(tree[i], SIGKILL);
    }
}

}  // namespace lifeline::bench
