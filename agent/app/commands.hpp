// The lifeline-agent subcommands, one function each, over the agent's libraries.
#pragma once

#include "agent/daemon/daemon.hpp"

#include <string>

namespace lifeline::agent::app {

struct EnrollOptions {
    std::string config_file;
    std::string relay_url;
    std::string token;
    std::string ca_fingerprint;
    std::string machine_id;  // default: /etc/machine-id
    std::string hostname;    // default: this machine's
    std::string socket_path;
    std::string state_dir;
    std::string consent = "ask";  // ask, deny or unattended
};

struct RunOptions {
    std::string config_file;
    std::string log_level = "info";
    double max_backoff_seconds = 60;
    int consent_window_seconds = 30;
};

struct HelpOptions {
    std::string config_file;
    std::string subject;
    std::string description;
    std::string category;
    bool screenshot = false;
    bool json = false;
};

struct StatusOptions {
    std::string config_file;
    bool json = false;
};

// `consent allow|deny` and `session end`: one request to the running daemon.
struct SessionCommandOptions {
    std::string config_file;
    std::string answer;  // "allow" or "deny" for consent
    std::string session_id;
};

// `chat`: the ticket's chat with the helpdesk; send a line, or follow it as it happens.
struct ChatOptions {
    std::string config_file;
    std::string ticket;
    std::string send;
    bool follow = false;
    bool json = false;
};

// Exit codes: 0 done, 1 failed, 2 bad usage or config, 3 the daemon is not running.
int run_enroll(const EnrollOptions& options);
int run_daemon(const RunOptions& options, MachineServices machine);
int run_help(const HelpOptions& options);
int run_status(const StatusOptions& options);
int run_sysinfo(MachineServices machine);
// Writes the display's picture (what `help --screenshot` attaches) to `output` as PNG.
int run_screenshot(const std::string& output, MachineServices machine);
int run_consent(const SessionCommandOptions& options);
int run_session_end(const SessionCommandOptions& options);
int run_chat(const ChatOptions& options);

}  // namespace lifeline::agent::app
