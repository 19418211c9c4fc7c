// Runs the real lifeline-agent binary for tests and benchmarks: its own config, socket and state
// dir under a temp dir, so several agents can run side by side against one relay.
#pragma once

#include "lifeline.pb.h"
#include "tests/support/relay_process.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace lifeline::testing {

class AgentProcess {
public:
    AgentProcess();
    ~AgentProcess();
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;

    // `lifeline-agent enroll` against `relay` with a fresh token (or the given one and fingerprint).
    CommandResult enroll(const RelayProcess& relay, const std::string& machine_id, std::string token = {},
                         std::string fingerprint = {}, const std::vector<std::string>& extra = {});
    // `lifeline-agent ARGS --config CONFIG`.
    CommandResult command(const std::vector<std::string>& args) const;

    // Starts `lifeline-agent run` (with `env` added, e.g. "DISPLAY=:5") and waits for its socket.
    void start(const std::vector<std::string>& env = {}, double max_backoff_seconds = 2,
               const std::vector<std::string>& extra_args = {});
    int stop();  // SIGTERM; the exit status
    void kill();
    bool running() const { return pid_ > 0; }

    // `status --json` as parsed JSON text fields; waits until `connected` equals `want` or throws.
    void wait_connected(bool want, std::chrono::seconds timeout = std::chrono::seconds(20)) const;
    std::string status_json() const;

    const std::string& config_file() const { return config_; }
    const std::string& state_dir() const { return state_dir_; }
    const std::string& socket_path() const { return socket_; }
    std::string device_id() const;
    std::string log() const;

private:
    std::string root_;
    std::string config_;
    std::string socket_;
    std::string state_dir_;
    pid_t pid_ = -1;
};

// A fresh enrollment token from the relay's CLI: {token, fingerprint}.
std::pair<std::string, std::string> create_enrollment_token(const RelayProcess& relay,
                                                            const std::vector<std::string>& extra = {});
// Enrolls a machine through the REST API with a fresh token, without the agent program.
v1::EnrollResponse enroll_device(const RelayProcess& relay, const std::string& machine_id);

}  // namespace lifeline::testing
