// Runs the real lifeline-relay binary for tests and benchmarks: init into a temp dir, serve on an
// ephemeral loopback port, stop with SIGTERM or SIGKILL, restart on the same data.
#pragma once

#include "shared/net/https_client.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lifeline::testing {

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs the program at argv[0] with `input` on its standard input and `env` ("NAME=value") added to
// its environment; waits for it.
CommandResult run_program(std::vector<std::string> argv, const std::string& input = {},
                          const std::vector<std::string>& env = {});

// Forks and execs argv[0] with stdout and stderr appended to `log_path` and `env` added.
pid_t spawn_logged(std::vector<std::string> argv, const std::string& log_path,
                   const std::vector<std::string>& env = {});
// Polls `ready` until it holds (true), the process exits (false; `pid` is reaped and set to -1) or
// `timeout` passes (false).
bool wait_until_ready(pid_t& pid, const std::function<bool()>& ready, std::chrono::seconds timeout);
// Reaps `pid`: its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid);

// Runs lifeline-relay with `args`, feeding `input` to its standard input; waits for it.
CommandResult run_relay_command(const std::vector<std::string>& args, const std::string& input = {});

class RelayProcess {
public:
    // Makes a temp dir and runs `lifeline-relay init` in it. Throws if init fails.
    RelayProcess();
    ~RelayProcess();
    RelayProcess(const RelayProcess&) = delete;
    RelayProcess& operator=(const RelayProcess&) = delete;

    // Starts `serve` on 127.0.0.1 and waits until it listens: an ephemeral port the first time, the
    // same port on a restart.
    void start(const std::vector<std::string>& extra_args = {});
    int stop();   // SIGTERM; answers the exit status (0 for a clean stop)
    void kill();  // SIGKILL, as a crash would
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    std::uint16_t port() const { return port_; }
    const std::string& data_dir() const { return data_dir_; }
    const std::string& admin_password() const { return admin_password_; }
    const std::string& init_output() const { return init_output_; }
    std::string ca_file() const { return data_dir_ + "/ca.pem"; }
    std::string log() const;  // what the running or last process wrote to stderr
    net::HttpsClient client() const;

private:
    std::string root_;
    std::string data_dir_;
    std::string admin_password_;
    std::string init_output_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    int starts_ = 0;
};

}  // namespace lifeline::testing
