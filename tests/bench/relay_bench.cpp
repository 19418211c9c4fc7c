// `lifeline-bench relay`: bytes through remote sessions of the real relay (machine side -> relay -> viewer side,
// TLS on both hops, the product's WebSocket code), one session in bulk and N paced sessions, with the relay's CPU
// and memory; the same runs through websockify (TLS) as the peer relay.
#include "tests/bench/bench.hpp"
#include "tests/bench/relay_bench_traffic.hpp"
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>

namespace lifeline::bench {

namespace {

constexpr int kConnectBatch = 16;  // sockets opened at once

// One JSON object, built field by field.
class Json {
public:
    Json& num(const std::string& key, double value, int decimals = 2) {
        char text[64];
        std::snprintf(text, sizeof text, "%.*f", decimals, value);
        return raw(key, text);
    }
    Json& integer(const std::string& key, long long value) { return raw(key, std::to_string(value)); }
    Json& boolean(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
    Json& str(const std::string& key, const std::string& value) { return raw(key, quoted(value)); }
    Json& obj(const std::string& key, const Json& value) { return raw(key, value.text()); }
    std::string text() const { return "{" + body_ + "}"; }

private:
    Json& raw(const std::string& key, const std::string& value) {
        body_ += (body_.empty() ? "" : ",") + quoted(key) + ":" + value;
        return *this;
    }
    static std::string quoted(const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (static_cast<unsigned char>(c) < 0x20) {
                char escape[8];
                std::snprintf(escape, sizeof escape, "\\u%04x", c);
                out += escape;
            } else {
                out += c;
            }
        }
        return out + "\"";
    }
    std::string body_;
};

Json failed(const std::string& reason) { return Json().str("status", "failed").str("reason", reason); }
Json skipped(const std::string& reason) { return Json().str("status", "skipped").str("reason", reason); }

void raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Consented sessions on the real relay, set up the way the product does it.

struct ConsentedSession {
    std::string id;
    std::string device_authorization;  // "Bearer DEVICE.SECRET"
};

struct Machines {
    std::vector<std::unique_ptr<testing::AgentChannelClient>> channels;  // open for the whole run
    std::vector<ConsentedSession> sessions;
    int failures = 0;
    std::string first_error;
};

const char* kTechnician = "bench-tech";
const char* kTechnicianPassword = "bench-tech-password-1";

// Signs the technician in (creating them first); answers their token.
std::string technician_token(const testing::RelayProcess& relay) {
    testing::ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user(kTechnician, v1::TECHNICIAN, kTechnicianPassword, 1);
    testing::ApiClient technician(relay.client());
    return technician.login(kTechnician, kTechnicianPassword).token();
}

// Answers the next frame of `body` on a machine's control channel, skipping others (at most 10).
v1::RelayToAgent next_of(testing::AgentChannelClient& channel, bool (v1::RelayToAgent::*has)() const) {
    for (int i = 0; i < 10; ++i) {
        auto message = channel.receive(std::chrono::seconds(20));
        if ((message.*has)()) return message;
    }
    throw std::runtime_error("the control channel did not bring the expected message");
}

// `count` machines, each enrolled, on its control channel with a Get-help ticket the technician claimed, and a
// control session the machine consented to (ACTIVE). Four threads, bounded by 300 s overall.
Machines consented_sessions(const testing::RelayProcess& relay, const std::string& token, int count,
                            const std::string& prefix) {
    auto token_output = testing::run_relay_command(
        {"enroll-token", "create", "--data", relay.data_dir(), "--json", "--uses", std::to_string(count)});
    std::smatch m;
    if (!std::regex_search(token_output.out, m, std::regex(R"re("token":"([^"]+)")re"))) {
        throw std::runtime_error("enroll-token create failed: " + token_output.err);
    }
    const std::string enroll_token = m[1];
    const auto deadline = Clock::now() + std::chrono::seconds(300);
    Machines machines;
    std::mutex mutex;
    std::atomic<int> next{0};
    auto prepare = [&](int i, testing::ApiClient& technician) {
        const std::string machine_id = prefix + "-machine-" + std::to_string(i);
        v1::EnrollRequest enroll;
        enroll.set_token(enroll_token);
        enroll.set_hostname("pc-" + machine_id);
        enroll.set_machine_id(machine_id);
        auto enrolled_response = relay.client().request("POST", "/api/v1/agents/enroll", testing::to_json(enroll));
        if (enrolled_response.status != 201) throw std::runtime_error("enroll: " + enrolled_response.body);
        v1::EnrollResponse device;
        testing::from_json(enrolled_response.body, device);

        auto channel = std::make_unique<testing::AgentChannelClient>(relay.port(), relay.ca_file());
        if (channel->connect(device.device_id(), device.device_secret()) != 101) {
            throw std::runtime_error("the control channel was refused");
        }
        v1::AgentToRelay hello;
        hello.mutable_hello()->mutable_system_info()->set_hostname("pc-" + machine_id);
        channel->send(hello);
        v1::AgentToRelay open;
        open.mutable_open_ticket()->set_idempotency_key("key-" + machine_id);
        open.mutable_open_ticket()->set_subject("The screen freezes when I open the ERP client");
        channel->send(open);
        const std::string ticket = next_of(*channel, &v1::RelayToAgent::has_ticket_opened).ticket_opened().number();
        auto claimed = technician.call("POST", "/api/v1/tickets/" + ticket + "/claim");
        if (claimed.status != 200) throw std::runtime_error("claim: " + claimed.body);

        auto created = technician.call("POST", "/api/v1/tickets/" + ticket + "/sessions", R"({"mode":"CONTROL"})");
        if (created.status != 201) throw std::runtime_error("request session: " + created.body);
        v1::Session session;
        testing::from_json(created.body, session);
        auto request = next_of(*channel, &v1::RelayToAgent::has_session_request).session_request();
        if (request.session_id() != session.id()) throw std::runtime_error("asked about another session");
        v1::AgentToRelay answer;
        answer.mutable_session_answer()->set_session_id(session.id());
        answer.mutable_session_answer()->set_allow(true);
        channel->send(answer);
        for (int poll = 0; poll < 1000 && session.state() != v1::Session::ACTIVE; ++poll) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            testing::from_json(technician.call("GET", "/api/v1/sessions/" + session.id()).body, session);
        }
        if (session.state() != v1::Session::ACTIVE) throw std::runtime_error("the session did not become active");
        std::lock_guard lock(mutex);
        machines.channels.push_back(std::move(channel));
        machines.sessions.push_back({session.id(), "Bearer " + device.device_id() + "." + device.device_secret()});
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < std::min(count, 4); ++t) {
        threads.emplace_back([&] {
            testing::ApiClient technician(relay.client());
            technician.set_token(token);
            for (int i = next++; i < count && Clock::now() < deadline; i = next++) {
                try {
                    prepare(i, technician);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (machines.failures++ == 0) machines.first_error = e.what();
                }
            }
        });
    }
    for (auto& t : threads)
        t.join();
    machines.failures = count - static_cast<int>(machines.sessions.size());  // threads that hit the deadline too
    return machines;
}

net::WsTarget ws_target(std::uint16_t port, const std::string& path, const std::string& authorization) {
    net::WsTarget target;
    target.host = "127.0.0.1";
    target.port = port;
    target.path = path;
    target.authorization = authorization;
    target.user_agent = "lifeline-bench";
    return target;
}

// Opens the machine's socket, then the viewer's, for every session, kConnectBatch sessions at a time. Answers how
// many pairs are open, and the first error.
std::pair<int, std::string> open_session_sockets(Traffic& traffic, const testing::RelayProcess& relay,
                                                 const std::vector<ConsentedSession>& sessions,
                                                 const std::string& viewer_token) {
    int open = 0;
    std::string first_error;
    for (std::size_t start = 0; start < sessions.size(); start += kConnectBatch) {
        std::vector<net::WsTarget> agents, viewers;
        for (std::size_t i = start; i < std::min(sessions.size(), start + kConnectBatch); ++i) {
            agents.push_back(
                ws_target(relay.port(), "/v1/sessions/" + sessions[i].id + "/agent", sessions[i].device_authorization));
        }
        auto agent_errors = traffic.connect_senders(agents);
        for (std::size_t i = 0; i < agent_errors.size(); ++i) {
            if (agent_errors[i].empty()) {
                viewers.push_back(ws_target(relay.port(), "/v1/sessions/" + sessions[start + i].id + "/viewer",
                                            "Bearer " + viewer_token));
            } else if (first_error.empty()) {
                first_error = "machine socket: " + agent_errors[i];
            }
        }
        for (const auto& error : traffic.connect_ws_receivers(viewers)) {
            if (error.empty()) {
                ++open;
            } else if (first_error.empty()) {
                first_error = "viewer socket: " + error;
            }
        }
    }
    return {open, first_error};
}

// ---------------------------------------------------------------------------------------------------------------
// The measured window: bytes that reached the receivers, and the relay's and the bench's CPU over it.

struct Window {
    double seconds = 0;
    std::uint64_t bytes = 0;
    double relay_cpu_percent = 0, bench_cpu_percent = 0;
    double irq_cpu_percent = 0;    // interrupts and softirqs (much of loopback TCP), charged to no process
    double other_cpu_percent = 0;  // every other process: other people's builds spoil a run
    double relay_rss_mib = 0, relay_rss_max_mib = 0, relay_pss_mib = 0;
    int relay_processes = 0;
};

// CPU seconds of the whole machine (all cores) from /proc/stat: {processes, interrupts and softirqs}.
std::pair<double, double> machine_busy_seconds() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return {(user + nice + system + steal) / tick, (irq + softirq) / tick};
}

Window measure(const Traffic& traffic, pid_t relay, std::chrono::milliseconds warmup, int seconds) {
    std::this_thread::sleep_for(warmup);
    Window w;
    const auto machine_before = machine_busy_seconds();
    const auto before = tree_usage(relay);
    const double bench_before = process_cpu_and_rss(::getpid()).first;
    const std::uint64_t bytes_before = traffic.counters().received;
    const auto started = Clock::now();
    const auto end = started + std::chrono::seconds(seconds);
    for (int i = 0; i < seconds * 2 + 2 && Clock::now() < end; ++i) {
        std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::seconds(1), end - Clock::now()));
        w.relay_rss_max_mib = std::max(w.relay_rss_max_mib, tree_usage(relay).rss_mib);
    }
    w.bytes = traffic.counters().received - bytes_before;
    w.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const auto after = tree_usage(relay);
    const double bench_after = process_cpu_and_rss(::getpid()).first;
    const auto machine_after = machine_busy_seconds();
    w.relay_cpu_percent = 100.0 * cpu_seconds_between(before, after) / w.seconds;
    w.bench_cpu_percent = 100.0 * (bench_after - bench_before) / w.seconds;
    w.irq_cpu_percent = 100.0 * (machine_after.second - machine_before.second) / w.seconds;
    w.other_cpu_percent = std::max(0.0, 100.0 * (machine_after.first - machine_before.first) / w.seconds -
                                            w.relay_cpu_percent - w.bench_cpu_percent);
    w.relay_rss_mib = after.rss_mib;
    w.relay_rss_max_mib = std::max(w.relay_rss_max_mib, after.rss_mib);
    w.relay_pss_mib = after.pss_mib;
    w.relay_processes = after.processes;
    return w;
}

Json bulk_json(const Window& w, const Traffic& traffic, const RelayBenchOptions& options) {
    return Json()
        .str("status", traffic.counters().errors == 0 ? "ok" : "errors")
        .str("tls", traffic.tls_description())
        .num("seconds", w.seconds)
        .integer("frame_bytes", options.frame_bytes)
        .integer("bytes", static_cast<long long>(w.bytes))
        .num("gbit_per_s", static_cast<double>(w.bytes) * 8 / 1e9 / w.seconds, 3)
        .num("relay_cpu_percent", w.relay_cpu_percent, 1)
        .num("relay_rss_mib", w.relay_rss_mib, 1)
        .num("relay_rss_max_mib", w.relay_rss_max_mib, 1)
        .num("bench_cpu_percent", w.bench_cpu_percent, 1)
        .num("irq_cpu_percent", w.irq_cpu_percent, 1)
        .num("other_cpu_percent", w.other_cpu_percent, 1)
        .integer("errors", traffic.counters().errors);
}

// Paces every connection at options.rate_mbit (in ten ticks a second), measures after a 2 s warm-up, stops.
Window paced_window(Traffic& traffic, pid_t relay, const RelayBenchOptions& options) {
    const auto per_tick = static_cast<std::size_t>(options.rate_mbit * 1e6 / 8 / 10);
    traffic.start_paced(per_tick, static_cast<std::size_t>(options.frame_bytes),
                        Clock::now() + std::chrono::seconds(options.seconds + 3));
    Window window = measure(traffic, relay, std::chrono::seconds(2), options.seconds);
    traffic.stop();
    return window;
}

Json concurrent_json(const Window& w, const Traffic& traffic, const RelayBenchOptions& options, int open,
                     double rss_before) {
    const double per_session_kib = open > 0 ? (w.relay_rss_mib - rss_before) * 1024.0 / open : 0.0;
    return Json()
        .str("status", open == options.sessions && traffic.counters().errors == 0 ? "ok" : "failures")
        .str("tls", traffic.tls_description())
        .integer("sessions", options.sessions)
        .integer("sessions_open", open)
        .integer("failures", options.sessions - open + traffic.counters().errors)
        .integer("stream_errors", traffic.counters().errors)
        .num("seconds", w.seconds)
        .num("target_mbit_per_s_total", open * options.rate_mbit, 1)
        .num("achieved_mbit_per_s_total", static_cast<double>(w.bytes) * 8 / 1e6 / w.seconds, 1)
        .num("relay_cpu_percent", w.relay_cpu_percent, 1)
        .num("relay_rss_mib_before", rss_before, 1)
        .num("relay_rss_mib", w.relay_rss_mib, 1)
        .num("relay_rss_max_mib", w.relay_rss_max_mib, 1)
        .num("relay_rss_kib_per_session", per_session_kib, 0)
        .num("bench_cpu_percent", w.bench_cpu_percent, 1)
        .num("irq_cpu_percent", w.irq_cpu_percent, 1)
        .num("other_cpu_percent", w.other_cpu_percent, 1);
}

const char* kLifelinePath =
    "machine -wss-> lifeline-relay -wss-> viewer: TLS on both hops, the product's Beast WebSocket "
    "(shared/net/ws_client) on both ends";
const char* kLifelineConfig = "defaults (io_threads 2, session.idle_timeout 600 s), log level warn";

// The relay with its defaults; with --no-recording, sessions are not recorded.
void start_relay(testing::RelayProcess& relay, const RelayBenchOptions& options) {
    if (!options.recording) std::ofstream(relay.data_dir() + "/relay.toml") << "[recording]\nenabled = false\n";
    relay.start({"--log-level", "warn"});
}

// Bytes of the session recordings in the relay's data dir.
std::uint64_t recorded_bytes(const testing::RelayProcess& relay) {
    std::error_code error;
    std::uint64_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(relay.data_dir() + "/recordings", error)) {
        if (entry.is_regular_file(error)) total += entry.file_size(error);
    }
    return total;
}

// ---------------------------------------------------------------------------------------------------------------

Json bulk_lifeline(const RelayBenchOptions& options) {
    testing::RelayProcess relay;
    start_relay(relay, options);
    const std::string token = technician_token(relay);
    auto machines = consented_sessions(relay, token, 1, "bulk");
    if (machines.sessions.empty()) return failed("session setup: " + machines.first_error);
    Traffic traffic(relay.ca_file(), static_cast<std::size_t>(options.client_write_buffer));
    auto [open, error] = open_session_sockets(traffic, relay, machines.sessions, token);
    if (open != 1) return failed("session sockets: " + error);
    const double rss_before = process_cpu_and_rss(relay.pid()).second;
    std::fprintf(stderr, "relay bench: lifeline bulk, %d s\n", options.seconds);
    traffic.start_bulk(static_cast<std::size_t>(options.frame_bytes),
                       Clock::now() + std::chrono::seconds(options.seconds + 10));
    auto window = measure(traffic, relay.pid(), std::chrono::seconds(1), options.seconds);
    traffic.stop();
    relay.stop();
    return bulk_json(window, traffic, options)
        .str("path", kLifelinePath)
        .str("relay_config", kLifelineConfig)
        .boolean("relay_recording", options.recording)
        .integer("recorded_bytes", static_cast<long long>(recorded_bytes(relay)))
        .num("relay_rss_mib_before", rss_before, 1);
}

Json concurrent_lifeline(const RelayBenchOptions& options) {
    testing::RelayProcess relay;
    start_relay(relay, options);
    const std::string token = technician_token(relay);
    auto setup_started = Clock::now();
    std::fprintf(stderr, "relay bench: lifeline concurrent, setting up %d consented sessions\n", options.sessions);
    auto machines = consented_sessions(relay, token, options.sessions, "many");
    const double setup_seconds = std::chrono::duration<double>(Clock::now() - setup_started).count();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double rss_before = process_cpu_and_rss(relay.pid()).second;
    Traffic traffic(relay.ca_file(), static_cast<std::size_t>(options.client_write_buffer));
    auto [open, error] = open_session_sockets(traffic, relay, machines.sessions, token);
    std::fprintf(stderr, "relay bench: lifeline concurrent, %d sessions open, %d s at %.1f Mbit/s each\n", open,
                 options.seconds, options.rate_mbit);
    auto window = paced_window(traffic, relay.pid(), options);
    relay.stop();
    std::string first_error = !machines.first_error.empty() ? machines.first_error : error;
    return concurrent_json(window, traffic, options, open, rss_before)
        .str("path", kLifelinePath)
        .str("relay_config", kLifelineConfig)
        .boolean("relay_recording", options.recording)
        .integer("recorded_bytes", static_cast<long long>(recorded_bytes(relay)))
        .num("setup_seconds", setup_seconds, 1)
        .integer("setup_failures", machines.failures)
        .str("first_error", first_error);
}

// websockify in front of a TCP sink in this process: the WebSocket clients send, the sink counts.
struct Peer {
    std::string program;
    testing::RelayProcess pki;  // only for its CA and server certificate (127.0.0.1 in the SAN); never started
};

const char* kWebsockifyPath = "client -wss-> websockify -tcp-> sink: TLS on the client hop only, as websockify serves";
const char* kWebsockifyModel =
    "one forked python3 process per connection (its default; --libserver threads ignore --cert): CPU and RSS are "
    "summed over the listener and its children, PSS counts their shared pages once";

Json peer_fields(Json json, const Websockify& websockify, const Window& w) {
    return json.str("path", kWebsockifyPath)
        .str("version", websockify.version())
        .str("process_model", kWebsockifyModel)
        .integer("relay_processes", w.relay_processes)
        .num("relay_pss_mib", w.relay_pss_mib, 1);
}

Json bulk_websockify(const RelayBenchOptions& options, const Peer& peer) {
    Traffic traffic(peer.pki.ca_file(), static_cast<std::size_t>(options.client_write_buffer));
    auto sink_port = traffic.listen_tcp(1);
    Websockify websockify(peer.program, peer.pki.data_dir() + "/server.pem", peer.pki.data_dir() + "/server.key",
                          peer.pki.data_dir() + "/websockify.log", sink_port);
    const double rss_before = tree_usage(websockify.pid()).rss_mib;
    auto errors = traffic.connect_senders({ws_target(websockify.port(), "/", "")});
    if (!errors[0].empty()) return failed("connect: " + errors[0]);
    for (int i = 0; i < 500 && traffic.counters().accepted < 1; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (traffic.counters().accepted < 1) return failed("websockify did not connect to the sink");
    std::fprintf(stderr, "relay bench: websockify bulk, %d s\n", options.seconds);
    traffic.start_bulk(static_cast<std::size_t>(options.frame_bytes),
                       Clock::now() + std::chrono::seconds(options.seconds + 10));
    auto window = measure(traffic, websockify.pid(), std::chrono::seconds(1), options.seconds);
    traffic.stop();
    return peer_fields(bulk_json(window, traffic, options), websockify, window)
        .num("relay_rss_mib_before", rss_before, 1);
}

Json concurrent_websockify(const RelayBenchOptions& options, const Peer& peer) {
    Traffic traffic(peer.pki.ca_file(), static_cast<std::size_t>(options.client_write_buffer));
    auto sink_port = traffic.listen_tcp(options.sessions);
    Websockify websockify(peer.program, peer.pki.data_dir() + "/server.pem", peer.pki.data_dir() + "/server.key",
                          peer.pki.data_dir() + "/websockify.log", sink_port);
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the readiness probe's child is gone
    const auto usage_before = tree_usage(websockify.pid());
    const double rss_before = usage_before.rss_mib;
    auto setup_started = Clock::now();
    int open = 0;
    std::string first_error;
    for (int start = 0; start < options.sessions; start += kConnectBatch) {
        std::vector<net::WsTarget> targets(static_cast<std::size_t>(std::min(kConnectBatch, options.sessions - start)),
                                           ws_target(websockify.port(), "/", ""));
        for (const auto& error : traffic.connect_senders(targets)) {
            if (error.empty()) {
                ++open;
            } else if (first_error.empty()) {
                first_error = error;
            }
        }
    }
    for (int i = 0; i < 1000 && traffic.counters().accepted < open; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    open = std::min(open, traffic.counters().accepted.load());
    const double setup_seconds = std::chrono::duration<double>(Clock::now() - setup_started).count();
    std::fprintf(stderr, "relay bench: websockify concurrent, %d connections open, %d s at %.1f Mbit/s each\n", open,
                 options.seconds, options.rate_mbit);
    auto window = paced_window(traffic, websockify.pid(), options);
    const double pss_per_session_kib = open > 0 ? (window.relay_pss_mib - usage_before.pss_mib) * 1024.0 / open : 0.0;
    return peer_fields(concurrent_json(window, traffic, options, open, rss_before), websockify, window)
        .num("relay_pss_mib_before", usage_before.pss_mib, 1)
        .num("relay_pss_kib_per_session", pss_per_session_kib, 0)
        .num("setup_seconds", setup_seconds, 1)
        .str("first_error", first_error);
}

// Runs one part; an exception is reported in its place rather than ending the whole run.
template <typename Run>
Json guarded(const char* what, Run&& run) {
    try {
        return run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "relay bench: %s failed: %s\n", what, e.what());
        return failed(e.what());
    }
}

}  // namespace

int run_relay_bench(const RelayBenchOptions& options) {
    raise_fd_limit();
    ::signal(SIGPIPE, SIG_IGN);
    const bool bulk = options.mode != "concurrent";
    const bool concurrent = options.mode != "bulk";

    std::optional<Peer> peer;
    std::string peer_skipped;
    if (options.skip_peer) {
        peer_skipped = "--skip-peer";
    } else if (auto program = Websockify::find(); program.empty()) {
        peer_skipped = "websockify is not installed (scripts/setup-deps bench installs it)";
    } else {
        peer.emplace();
        peer->program = program;
    }
    const auto peer_run = [&](const char* what, Json (*run)(const RelayBenchOptions&, const Peer&)) {
        if (!peer) return skipped(peer_skipped);
        return guarded(what, [&] { return run(options, *peer); });
    };

    Json out;
    out.str("bench", "relay");
    out.obj("options", Json()
                           .str("mode", options.mode)
                           .integer("seconds", options.seconds)
                           .integer("sessions", options.sessions)
                           .num("rate_mbit", options.rate_mbit)
                           .integer("frame_bytes", options.frame_bytes)
                           .boolean("skip_peer", options.skip_peer)
                           .boolean("recording", options.recording)
                           .integer("client_write_buffer", options.client_write_buffer));
    bool lifeline_ok = true;
    if (bulk) {
        auto lifeline = guarded("lifeline bulk", [&] { return bulk_lifeline(options); });
        lifeline_ok = lifeline_ok && lifeline.text().find(R"("status":"ok")") != std::string::npos;
        out.obj("bulk",
                Json().obj("lifeline", lifeline).obj("websockify", peer_run("websockify bulk", bulk_websockify)));
    }
    if (concurrent) {
        auto lifeline = guarded("lifeline concurrent", [&] { return concurrent_lifeline(options); });
        lifeline_ok = lifeline_ok && lifeline.text().find(R"("status":"ok")") != std::string::npos;
        out.obj("concurrent", Json()
                                  .obj("lifeline", lifeline)
                                  .obj("websockify", peer_run("websockify concurrent", concurrent_websockify)));
    }
    std::printf("%s\n", out.text().c_str());
    return lifeline_ok ? 0 : 1;
}

}  // namespace lifeline::bench
