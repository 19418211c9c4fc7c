// Shared pieces of the lifeline-bench subcommands: latency statistics and process CPU/RSS readings.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace lifeline::bench
