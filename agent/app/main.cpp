// lifeline-agent: the command line over the agent's libraries.
#include "agent/app/commands.hpp"
#include "agent/machine/screenshot.hpp"
#include "agent/machine/system_info.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace lifeline::agent;
    using namespace lifeline::agent::app;
    CLI::App app{"lifeline-agent: Lifeline's daemon on the user's machine"};
    app.require_subcommand(1);
    std::string config_file;
    app.add_option("--config", config_file, "config file (default: per-user XDG path, /etc/lifeline as root)");

    EnrollOptions enroll;
    auto* enroll_cmd = app.add_subcommand("enroll", "register this machine with a relay");
    enroll_cmd->add_option("--relay", enroll.relay_url, "https://HOST:PORT")->required();
    enroll_cmd->add_option("--token", enroll.token, "enrollment token from `lifeline-relay enroll-token create`")
        ->required();
    enroll_cmd->add_option("--ca-fingerprint", enroll.ca_fingerprint, "sha256:HEX of the relay's CA")->required();
    enroll_cmd->add_option("--machine-id", enroll.machine_id, "machine id (default: /etc/machine-id)");
    enroll_cmd->add_option("--hostname", enroll.hostname, "name shown to technicians (default: this host's)");
    enroll_cmd->add_option("--socket", enroll.socket_path, "local socket path to store in the config");
    enroll_cmd->add_option("--state-dir", enroll.state_dir, "directory for the request queue");
    enroll_cmd->add_option("--consent", enroll.consent, "who allows remote sessions: ask (the user), deny, unattended")
        ->check(CLI::IsMember({"ask", "deny", "unattended"}));

    RunOptions run;
    auto* run_cmd = app.add_subcommand("run", "keep the control channel up and serve the local socket");
    run_cmd->add_option("--log-level", run.log_level, "trace, debug, info, warn, error or off");
    run_cmd->add_option("--max-backoff", run.max_backoff_seconds, "longest wait between reconnects, seconds (60)");
    run_cmd
        ->add_option("--consent-window", run.consent_window_seconds,
                     "seconds the user has to answer a session request; silence is a no (30)")
        ->check(CLI::Range(1, 300));

    HelpOptions help;
    auto* help_cmd = app.add_subcommand("help", "ask for help: opens a ticket and prints its number");
    help_cmd->add_option("--subject", help.subject, "what is wrong, in a few words")->required();
    help_cmd->add_option("--description", help.description, "details");
    help_cmd->add_option("--category", help.category, "category, e.g. printer");
    help_cmd->add_flag("--screenshot", help.screenshot, "attach a screenshot of the display");
    help_cmd->add_flag("--json", help.json, "print the result as JSON");

    StatusOptions status;
    auto* status_cmd = app.add_subcommand("status", "connection state and this machine's tickets");
    status_cmd->add_flag("--json", status.json, "print the status as JSON");

    auto* sysinfo_cmd = app.add_subcommand("sysinfo", "print the system info sent with tickets, as JSON");

    std::string screenshot_file;
    auto* screenshot_cmd =
        app.add_subcommand("screenshot", "save the display as `help --screenshot` would attach it (PNG)");
    screenshot_cmd->add_option("--output,-o", screenshot_file, "PNG file to write")->required();

    SessionCommandOptions session;
    auto* consent_cmd = app.add_subcommand("consent", "answer a technician's request to see this screen");
    consent_cmd->add_option("answer", session.answer, "allow or deny")
        ->required()
        ->check(CLI::IsMember({"allow", "deny"}));
    consent_cmd->add_option("--session", session.session_id, "answer only if this request is still the one waiting");
    auto* session_cmd = app.add_subcommand("session", "the remote session on this machine");
    auto* session_end_cmd = session_cmd->add_subcommand("end", "stop sharing the screen now");
    session_cmd->require_subcommand(1);

    ChatOptions chat;
    auto* chat_cmd = app.add_subcommand("chat", "talk with the helpdesk about a ticket: print, send, follow");
    chat_cmd->add_option("--ticket", chat.ticket, "ticket number, e.g. LL-000042")->required();
    chat_cmd->add_option("--send", chat.send, "send this line to the technician");
    chat_cmd->add_flag("--follow", chat.follow, "keep printing new messages until interrupted");
    chat_cmd->add_flag("--json", chat.json, "one JSON object per message");

    // Subcommands accept --config after their name too: `lifeline-agent run --config F`.
    for (auto* command : {enroll_cmd, run_cmd, help_cmd, status_cmd, consent_cmd, session_end_cmd, chat_cmd}) {
        command->add_option("--config", config_file, "config file");
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    enroll.config_file = run.config_file = help.config_file = status.config_file = session.config_file =
        chat.config_file = config_file;

    MachineServices machine;
    machine.system_info = [] { return machine::collect_system_info({}); };
    machine.screenshot_png = [] { return machine::capture_png(""); };
    try {
        if (*enroll_cmd) return run_enroll(enroll);
        if (*run_cmd) return run_daemon(run, machine);
        if (*help_cmd) return run_help(help);
        if (*status_cmd) return run_status(status);
        if (*sysinfo_cmd) return run_sysinfo(machine);
        if (*screenshot_cmd) return run_screenshot(screenshot_file, machine);
        if (*consent_cmd) return run_consent(session);
        if (*session_end_cmd) return run_session_end(session);
        if (*chat_cmd) return run_chat(chat);
    } catch (const std::exception& e) {
        std::cerr << "lifeline-agent: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
