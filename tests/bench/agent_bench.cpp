// `lifeline-bench agents`: N simulated agents hold the real control channel (TLS WebSocket,
// protobuf frames, hello with a system snapshot, a heartbeat every 20 s) against one relay, and
// the relay's RSS and CPU are read from /proc while they idle.
#include "tests/bench/bench.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include "shared/net/tls.hpp"

#include <sys/resource.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <cstdio>
#include <regex>
#include <thread>

namespace lifeline::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Credential {
    std::string id, secret;
};

struct Counters {
    std::atomic<int> connected{0}, failed{0}, heartbeats{0};
};

// What an idle agent does: connect, hello, then a heartbeat every `interval` until `until`.
asio::awaitable<void> simulate_agent(asio::ssl::context& tls, std::uint16_t port, const Credential& credential,
                                     const v1::AgentToRelay& hello, std::chrono::seconds interval, Counters& counters) {
    auto executor = co_await asio::this_coro::executor;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(executor, tls);
    auto& tcp = beast::get_lowest_layer(ws);
    tcp.expires_after(std::chrono::seconds(60));
    auto [connect_error] =
        co_await tcp.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
    if (connect_error) {
        ++counters.failed;
        co_return;
    }
    auto [tls_error] = co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, kTuple);
    if (tls_error) {
        ++counters.failed;
        co_return;
    }
    tcp.expires_never();
    std::string authorization = "Bearer " + credential.id + "." + credential.secret;
    ws.set_option(websocket::stream_base::decorator([&authorization](websocket::request_type& request) {
        request.set(beast::http::field::authorization, authorization);
    }));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    auto [ws_error] = co_await ws.async_handshake("127.0.0.1", "/v1/agent", kTuple);
    if (ws_error) {
        ++counters.failed;
        co_return;
    }
    ws.binary(true);
    ++counters.connected;
    std::string hello_frame = hello.SerializeAsString();
    co_await ws.async_write(asio::buffer(hello_frame), kTuple);

    v1::AgentToRelay beat;
    beat.mutable_heartbeat();
    std::string beat_frame = beat.SerializeAsString();
    beast::flat_buffer buffer;
    asio::steady_timer timer(executor);
    // Spread the heartbeats over the interval, as independent machines would.
    timer.expires_after(std::chrono::milliseconds(std::rand() % (interval.count() * 1000)));
    for (;;) {
        auto [timer_error] = co_await timer.async_wait(kTuple);
        if (timer_error) break;
        auto [write_error, written] = co_await ws.async_write(asio::buffer(beat_frame), kTuple);
        if (write_error) break;
        buffer.clear();
        auto [read_error, read] = co_await ws.async_read(buffer, kTuple);
        if (read_error) break;
        ++counters.heartbeats;
        timer.expires_after(interval);
    }
    co_await ws.async_close(websocket::close_code::normal, kTuple);
}

void raise_fd_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int run_agent_bench(const AgentBenchOptions& options) {
    raise_fd_limit();
    testing::RelayProcess relay;
    relay.start({"--log-level", "warn"});
    auto [cpu_start, rss_start] = process_cpu_and_rss(relay.pid());

    // Enroll the machines over HTTPS, 8 at a time, with one multi-use token.
    auto token_output = testing::run_relay_command(
        {"enroll-token", "create", "--data", relay.data_dir(), "--json", "--uses", std::to_string(options.agents)});
    std::smatch m;
    if (!std::regex_search(token_output.out, m, std::regex(R"re("token":"([^"]+)")re"))) {
        std::fprintf(stderr, "enroll-token create failed: %s\n", token_output.err.c_str());
        return 1;
    }
    std::string token = m[1];
    std::vector<Credential> credentials(static_cast<std::size_t>(options.agents));
    std::atomic<int> next{0};
    std::vector<std::thread> enrollers;
    for (int t = 0; t < 8; ++t) {
        enrollers.emplace_back([&] {
            auto client = relay.client();
            for (int i = next++; i < options.agents; i = next++) {
                v1::EnrollRequest request;
                request.set_token(token);
                request.set_hostname("bench-pc-" + std::to_string(i));
                request.set_machine_id("bench-machine-" + std::to_string(i));
                auto response = client.request("POST", "/api/v1/agents/enroll", testing::to_json(request));
                v1::EnrollResponse enrolled;
                testing::from_json(response.body, enrolled);
                credentials[static_cast<std::size_t>(i)] = {enrolled.device_id(), enrolled.device_secret()};
            }
        });
    }
    for (auto& t : enrollers)
        t.join();

    v1::AgentToRelay hello;
    auto* info = hello.mutable_hello()->mutable_system_info();
    info->set_hostname("bench-pc");
    info->set_os_name("Debian GNU/Linux 12 (bookworm)");
    info->set_kernel("6.1.0-18-amd64");
    info->set_memory_total(16LL << 30);
    info->set_cpu_model("Intel(R) Core(TM) i5-8350U CPU @ 1.70GHz");
    info->set_cpu_cores(8);

    auto tls = net::make_client_tls_context({relay.ca_file(), "", ""});
    asio::io_context io(1);
    Counters counters;
    auto started = Clock::now();
    for (const auto& credential : credentials) {
        asio::co_spawn(io, simulate_agent(tls, relay.port(), credential, hello, std::chrono::seconds(20), counters),
                       asio::detached);
    }
    // The clients run on their own thread; this one samples the relay.
    std::thread clients([&io] { io.run(); });
    while (counters.connected + counters.failed < options.agents &&
           Clock::now() < started + std::chrono::seconds(options.ramp_seconds)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    double ramp_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // let the connect burst settle
    auto [cpu_before, rss_before] = process_cpu_and_rss(relay.pid());
    auto idle_started = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(options.idle_seconds));
    double idle_seconds = std::chrono::duration<double>(Clock::now() - idle_started).count();
    auto [cpu_after, rss_after] = process_cpu_and_rss(relay.pid());

    testing::ApiClient admin_check(relay.client());
    admin_check.login("admin", relay.admin_password());
    v1::DeviceList devices;
    testing::from_json(admin_check.call("GET", "/api/v1/agents").body, devices);
    int online = 0;
    for (const auto& d : devices.devices())
        online += d.online() ? 1 : 0;

    io.stop();  // the simulated machines vanish at once; the relay sees their connections drop
    clients.join();
    double rss_per_agent_kib = (rss_after - rss_start) * 1024.0 / std::max(1, counters.connected.load());
    std::printf(
        "{\"bench\":\"agents\",\"agents\":%d,\"connected\":%d,\"failed\":%d,\"online_in_api\":%d,"
        "\"connect_seconds\":%.1f,\"idle_seconds\":%.0f,\"heartbeats_answered\":%d,"
        "\"relay_rss_mib_empty\":%.1f,\"relay_rss_mib\":%.1f,\"relay_rss_kib_per_agent\":%.1f,"
        "\"agents_per_gib\":%.0f,\"relay_idle_cpu_percent\":%.2f,\"relay_cpu_seconds_total\":%.1f}\n",
        options.agents, counters.connected.load(), counters.failed.load(), online, ramp_seconds, idle_seconds,
        counters.heartbeats.load(), rss_start, rss_before, rss_per_agent_kib,
        rss_per_agent_kib > 0 ? 1024.0 * 1024.0 / rss_per_agent_kib : 0.0,
        100.0 * (cpu_after - cpu_before) / idle_seconds, cpu_after - cpu_start);
    relay.stop();
    return counters.failed.load() == 0 ? 0 : 1;
}

}  // namespace lifeline::bench
