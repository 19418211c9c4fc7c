// Shared pieces of the lifeline-bench subcommands: latency statistics and process CPU/RSS readings.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::viewer {
class RfbClient;
}

namespace lifeline::bench {

struct LatencySummary {
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

inline LatencySummary summarize(std::vector<double> samples_ms) {
    LatencySummary s;
    if (samples_ms.empty()) return s;
    std::sort(samples_ms.begin(), samples_ms.end());
    auto at = [&](double q) {
        return samples_ms[static_cast<std::size_t>(q * static_cast<double>(samples_ms.size() - 1))];
    };
    s.p50_ms = at(0.50);
    s.p99_ms = at(0.99);
    s.max_ms = samples_ms.back();
    return s;
}

struct TicketBenchOptions {
    int connections = 8;
    int creates = 100'000;  // also the queue size the list phase runs at
    int lists = 1'000;      // queue page requests
    int page_size = 50;
    double max_seconds = 600;  // the whole run stops by then
};
int run_ticket_bench(const TicketBenchOptions& options);

struct AgentBenchOptions {
    int agents = 1'000;
    int ramp_seconds = 120;  // time allowed for all to connect
    int idle_seconds = 60;   // then they idle with heartbeats while the relay is measured
};
int run_agent_bench(const AgentBenchOptions& options);

// utime+stime of a process in seconds, and its resident set in MiB, from /proc.
std::pair<double, double> process_cpu_and_rss(pid_t pid);

// `lifeline-bench relay`: one session's bulk byte stream and N paced sessions through the real relay (TLS on
// both hops), with relay CPU and RSS; the same through websockify (TLS) as the peer relay.
struct RelayBenchOptions {
    std::string mode = "both";    // bulk | concurrent | both
    int seconds = 10;             // the measured window of each run
    int sessions = 200;           // concurrent sessions
    double rate_mbit = 2;         // per concurrent session
    int frame_bytes = 64 * 1024;  // per WebSocket frame: the tunnel's read size (shared/net/ws_tunnel)
    bool skip_peer = false;       // no websockify runs
    bool recording = true;        // the relay's default; false writes [recording] enabled = false
    int client_write_buffer = 0;  // experiment: > 0 sets the clients' Beast write_buffer_bytes
};
int run_relay_bench(const RelayBenchOptions& options);

// `lifeline-bench session`: one remote session per system on the same animated desktop
// (lifeline-bench-workload): frames, updates, bytes, input-to-display latency, server CPU.
struct SessionBenchOptions {
    double seconds = 20;  // the measured frames window per system
    std::string encoding = "tight";
    int quality = 6;
    int latency_samples = 100;
    std::vector<std::string> peers;  // x11vnc, x0vncserver, xvnc: started here, measured after Lifeline
    std::string vnc;                 // HOST:PORT of a running VNC server to measure instead (loopback only)
    std::string screenshot;          // PNG of the viewer's picture at the end (peers get -NAME before .png)
    bool lifeline = true;            // false: peers only
};
int run_session_bench(const SessionBenchOptions& options);

// `lifeline-bench playback`: a scripted recording of desktop activity, and the playback window's seeks in it,
// decoding from the start each time and resuming at keyframes (no relay: the file is written here).
struct PlaybackBenchOptions {
    double minutes = 30;  // of recorded activity
    int width = 1280, height = 720;
    std::string encoding = "tight";  // tight | zrle
    int updates_per_second = 5;
    int budget_mib = 256;  // the keyframes' memory budget
    int max_mib = 2048;    // the recording may not grow past this
    std::string dir;       // where the recording goes (default: a temporary folder)
    bool keep = false;     // keep the recording
};
int run_playback_bench(const PlaybackBenchOptions& options);

// Between session_bench.cpp (measuring, output) and session_systems.cpp (starting and stopping the systems).
struct SessionPids {
    pid_t server = -1, relay = -1, x_server = -1, workload = -1;  // -1: not ours to measure
};
// Measures a connected session: a frames window, then the latency samples. JSON object text.
std::string measure_session(viewer::RfbClient& rfb, const SessionBenchOptions& options, const SessionPids& pids,
                            const std::string& screenshot);
// Starts `system` (lifeline, x11vnc, x0vncserver, xvnc; "vnc" connects to options.vnc) on its own X server with
// the workload, measures it, stops everything. JSON object text, with "status" ok, skipped or failed.
std::string run_session_system(const std::string& system, const SessionBenchOptions& options);

}  // namespace lifeline::bench
