// lifeline-bench: measures the real relay over loopback and prints JSON.
#include "shared/core/log.hpp"
#include "tests/bench/bench.hpp"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"lifeline-bench: load programs against the real Lifeline relay (loopback only)"};
    app.require_subcommand(1);
    lifeline::bench::TicketBenchOptions tickets;
    auto* tickets_cmd = app.add_subcommand("tickets", "ticket creation throughput and queue listing latency");
    tickets_cmd->add_option("--connections", tickets.connections, "keep-alive HTTPS connections")
        ->check(CLI::Range(1, 256));
    tickets_cmd->add_option("--creates", tickets.creates, "tickets to create (the queue size for listing)")
        ->check(CLI::Range(1, 1'000'000));
    tickets_cmd->add_option("--lists", tickets.lists, "queue page requests")->check(CLI::Range(1, 100'000));
    tickets_cmd->add_option("--page-size", tickets.page_size)->check(CLI::Range(1, 200));
    tickets_cmd->add_option("--max-seconds", tickets.max_seconds, "stop after this long")
        ->check(CLI::Range(1.0, 3600.0));
    lifeline::bench::AgentBenchOptions agents;
    auto* agents_cmd = app.add_subcommand("agents", "N agents holding the control channel: relay RSS and idle CPU");
    agents_cmd->add_option("--agents", agents.agents, "simulated agents")->check(CLI::Range(1, 9'000));
    agents_cmd->add_option("--ramp-seconds", agents.ramp_seconds, "time allowed to connect")->check(CLI::Range(1, 600));
    agents_cmd->add_option("--idle-seconds", agents.idle_seconds, "measured idle time")->check(CLI::Range(5, 600));
    lifeline::bench::SessionBenchOptions session;
    auto* session_cmd =
        app.add_subcommand("session", "a remote session through the relay (TLS both hops) against VNC peers");
    session_cmd->add_option("--seconds", session.seconds, "measured frames window per system")
        ->check(CLI::Range(2.0, 600.0));
    session_cmd->add_option("--encoding", session.encoding)->check(CLI::IsMember({"tight", "zrle", "raw"}));
    session_cmd->add_option("--quality", session.quality, "JPEG quality for tight, -1 lossless")
        ->check(CLI::Range(-1, 9));
    session_cmd->add_option("--latency-samples", session.latency_samples, "pointer moves timed")
        ->check(CLI::Range(0, 10'000));
    session_cmd->add_option("--peers", session.peers, "also start and measure these: x11vnc,x0vncserver,xvnc")
        ->delimiter(',')
        ->check(CLI::IsMember({"x11vnc", "x0vncserver", "xvnc"}));
    session_cmd->add_option("--vnc", session.vnc, "measure the VNC server at 127.0.0.1:PORT instead (no relay)");
    session_cmd->add_option("--screenshot", session.screenshot, "PNG of the viewer's picture at the end");
    session_cmd->add_flag("!--no-lifeline", session.lifeline, "measure only the peers");
    lifeline::bench::RelayBenchOptions relay;
    auto* relay_cmd = app.add_subcommand(
        "relay", "bytes through remote sessions (TLS both hops): one in bulk, N paced; websockify as the peer");
    relay_cmd->add_option("--mode", relay.mode)->check(CLI::IsMember({"bulk", "concurrent", "both"}));
    relay_cmd->add_option("--seconds", relay.seconds, "measured window of each run")->check(CLI::Range(1, 600));
    relay_cmd->add_option("--sessions", relay.sessions, "concurrent sessions")->check(CLI::Range(1, 2'000));
    relay_cmd->add_option("--rate-mbit", relay.rate_mbit, "Mbit/s per concurrent session")
        ->check(CLI::Range(0.01, 1'000.0));
    relay_cmd->add_option("--frame-bytes", relay.frame_bytes, "WebSocket frame size")->check(CLI::Range(1, 1 << 20));
    relay_cmd->add_flag("--skip-peer", relay.skip_peer, "do not measure websockify");
    relay_cmd->add_flag("!--no-recording", relay.recording, "run the relay with session recording off");
    relay_cmd
        ->add_option("--client-write-buffer", relay.client_write_buffer,
                     "experiment: the clients' Beast write_buffer_bytes (0: the product's 64 KiB)")
        ->check(CLI::Range(0, 1 << 20));
    lifeline::bench::PlaybackBenchOptions playback;
    auto* playback_cmd =
        app.add_subcommand("playback", "seeks in a scripted session recording, from the start and from keyframes");
    playback_cmd->add_option("--minutes", playback.minutes, "recorded activity")->check(CLI::Range(1.0, 240.0));
    playback_cmd->add_option("--width", playback.width)->check(CLI::Range(64, 3840));
    playback_cmd->add_option("--height", playback.height)->check(CLI::Range(64, 2160));
    playback_cmd->add_option("--encoding", playback.encoding)->check(CLI::IsMember({"tight", "zrle"}));
    playback_cmd->add_option("--updates-per-second", playback.updates_per_second)->check(CLI::Range(1, 60));
    playback_cmd->add_option("--budget-mib", playback.budget_mib, "the keyframes' memory budget")
        ->check(CLI::Range(8, 4096));
    playback_cmd->add_option("--max-mib", playback.max_mib, "stop if the recording grows past this")
        ->check(CLI::Range(1, 8192));
    playback_cmd->add_option("--dir", playback.dir, "where to write the recording");
    playback_cmd->add_flag("--keep", playback.keep, "keep the recording");
    CLI11_PARSE(app, argc, argv);
    // stdout carries the JSON alone; what the viewer core logs goes to stderr.
    lifeline::core::init_logging("info", false);
    if (*session_cmd) return lifeline::bench::run_session_bench(session);
    if (*tickets_cmd) return lifeline::bench::run_ticket_bench(tickets);
    if (*agents_cmd) return lifeline::bench::run_agent_bench(agents);
    if (*relay_cmd) return lifeline::bench::run_relay_bench(relay);
    if (*playback_cmd) return lifeline::bench::run_playback_bench(playback);
    return 2;
}
