// `lifeline-bench tickets`: K connections create tickets as fast as the relay acknowledges them
// (each answer comes after its commit), then the first queue pages are listed at that queue size.
#include "tests/bench/bench.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

namespace lifeline::bench {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

std::pair<double, double> process_cpu_and_rss(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) {
            stime = std::stod(field);
            break;
        }
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    double rss_mib = 0;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) rss_mib = std::stod(line.substr(6)) / 1024.0;
    }
    double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return {(utime + stime) / ticks, rss_mib};
}

int run_ticket_bench(const TicketBenchOptions& options) {
    testing::RelayProcess relay;
    relay.start({"--log-level", "warn"});
    auto deadline = Clock::now() + std::chrono::duration<double>(options.max_seconds);
    std::string token;
    {
        testing::ApiClient admin(relay.client());
        token = admin.login("admin", relay.admin_password()).token();
    }

    std::atomic<int> next{0};
    std::atomic<int> errors{0};
    std::mutex samples_mutex;
    std::vector<double> create_ms;
    create_ms.reserve(static_cast<std::size_t>(options.creates));
    auto [cpu_before, rss_before] = process_cpu_and_rss(relay.pid());
    auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < options.connections; ++c) {
        threads.emplace_back([&, c] {
            testing::ApiClient client(relay.client());
            client.set_token(token);
            std::vector<double> mine;
            v1::CreateTicketRequest request;
            request.set_description("Benchmark ticket: the printer on floor 2 shows error 0x51 after every job.");
            request.set_category("printing");
            while (next.fetch_add(1) < options.creates && Clock::now() < deadline) {
                request.set_subject("bench " + std::to_string(c) + " " + std::to_string(mine.size()));
                request.set_urgency(static_cast<v1::Level>(1 + mine.size() % 3));
                auto t0 = Clock::now();
                auto response = client.call("POST", "/api/v1/tickets", request);
                if (response.status != 201) ++errors;
                mine.push_back(ms_since(t0));
            }
            std::lock_guard lock(samples_mutex);
            create_ms.insert(create_ms.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : threads)
        t.join();
    double create_seconds = ms_since(started) / 1000.0;
    auto [cpu_after, rss_after] = process_cpu_and_rss(relay.pid());

    // The queue view a technician opens most: the first page, all statuses, and the open ones of one priority.
    std::vector<double> list_ms, filtered_ms;
    {
        testing::ApiClient client(relay.client());
        client.set_token(token);
        std::string page = "/api/v1/tickets?limit=" + std::to_string(options.page_size);
        std::string filtered = page + "&status=new,open&priority=P3";
        for (int i = 0; i < options.lists && Clock::now() < deadline; ++i) {
            auto t0 = Clock::now();
            auto response = client.call("GET", i % 2 ? filtered : page);
            (i % 2 ? filtered_ms : list_ms).push_back(ms_since(t0));
            if (response.status != 200) ++errors;
        }
    }

    auto creates = summarize(create_ms);
    auto lists = summarize(list_ms);
    auto filtered = summarize(filtered_ms);
    std::printf(
        "{\"bench\":\"tickets\",\"connections\":%d,\"tickets_created\":%zu,\"errors\":%d,"
        "\"creates_per_s\":%.0f,\"create_p50_ms\":%.2f,\"create_p99_ms\":%.2f,\"create_max_ms\":%.2f,"
        "\"relay_cpu_percent_during_creates\":%.0f,\"relay_rss_mib\":%.1f,"
        "\"queue_size\":%zu,\"page_size\":%d,\"list_p50_ms\":%.2f,\"list_p99_ms\":%.2f,"
        "\"filtered_list_p50_ms\":%.2f,\"filtered_list_p99_ms\":%.2f}\n",
        options.connections, create_ms.size(), errors.load(), static_cast<double>(create_ms.size()) / create_seconds,
        creates.p50_ms, creates.p99_ms, creates.max_ms, 100.0 * (cpu_after - cpu_before) / create_seconds, rss_after,
        create_ms.size(), options.page_size, lists.p50_ms, lists.p99_ms, filtered.p50_ms, filtered.p99_ms);
    (void)rss_before;
    relay.stop();
    return errors.load() == 0 ? 0 : 1;
}

}  // namespace lifeline::bench
