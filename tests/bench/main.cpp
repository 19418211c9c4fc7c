// lifeline-bench: measures the real relay over loopback and prints JSON.
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
    CLI11_PARSE(app, argc, argv);
    if (*tickets_cmd) return lifeline::bench::run_ticket_bench(tickets);
    if (*agents_cmd) return lifeline::bench::run_agent_bench(agents);
    return 2;
}
