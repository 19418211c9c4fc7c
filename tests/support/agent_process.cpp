// fork/exec plumbing around the lifeline-agent binary.
#include "tests/support/agent_process.hpp"

#include "tests/support/api_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lifeline::testing {

namespace fs = std::filesystem;

std::pair<std::string, std::string> create_enrollment_token(const RelayProcess& relay,
                                                            const std::vector<std::string>& extra) {
    std::vector<std::string> args{"enroll-token", "create", "--data", relay.data_dir(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto created = run_relay_command(args);
    std::smatch m;
    if (created.exit_code != 0 ||
        !std::regex_search(created.out, m, std::regex(R"json("token":"([^"]+)","caFingerprint":"([^"]+)")json"))) {
        throw std::runtime_error("enroll-token create failed: " + created.out + created.err);
    }
    return {m[1], m[2]};
}

v1::EnrollResponse enroll_device(const RelayProcess& relay, const std::string& machine_id) {
    v1::EnrollRequest request;
    request.set_token(create_enrollment_token(relay).first);
    request.set_hostname("host-" + machine_id);
    request.set_machine_id(machine_id);
    auto response = relay.client().request("POST", "/api/v1/agents/enroll", to_json(request));
    if (response.status != 201) throw std::runtime_error("enroll failed: " + response.body);
    v1::EnrollResponse enrolled;
    from_json(response.body, enrolled);
    return enrolled;
}

AgentProcess::AgentProcess() {
    char root[] = "/tmp/lifeline-agent-test-XXXXXX";
    if (!::mkdtemp(root)) throw std::runtime_error("mkdtemp failed");
    root_ = root;
    config_ = root_ + "/config/agent.toml";
    socket_ = root_ + "/run/agent.sock";
    state_dir_ = root_ + "/state";
}

AgentProcess::~AgentProcess() {
    if (pid_ > 0) kill();
    std::error_code ec;
    fs::remove_all(root_, ec);
}

CommandResult AgentProcess::enroll(const RelayProcess& relay, const std::string& machine_id, std::string token,
                                   std::string fingerprint, const std::vector<std::string>& extra) {
    if (token.empty()) std::tie(token, fingerprint) = create_enrollment_token(relay);
    std::vector<std::string> args{"enroll",
                                  "--relay",
                                  "https://127.0.0.1:" + std::to_string(relay.port()),
                                  "--token",
                                  token,
                                  "--ca-fingerprint",
                                  fingerprint,
                                  "--machine-id",
                                  machine_id,
                                  "--hostname",
                                  "pc-" + machine_id,
                                  "--socket",
                                  socket_,
                                  "--state-dir",
                                  state_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return command(args);
}

CommandResult AgentProcess::command(const std::vector<std::string>& args) const {
    std::vector<std::string> full{LIFELINE_AGENT_BIN};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--config", config_});
    return run_program(full);
}

void AgentProcess::start(const std::vector<std::string>& env, double max_backoff_seconds,
                         const std::vector<std::string>& extra_args) {
    if (pid_ > 0) throw std::logic_error("agent already running");
    std::vector<std::string> args{LIFELINE_AGENT_BIN, "run",   "--config",      config_,
                                  "--log-level",      "debug", "--max-backoff", std::to_string(max_backoff_seconds)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    // The agent must not find the developer's display unless a test hands it one.
    std::vector<std::string> environment{"DISPLAY="};
    environment.insert(environment.end(), env.begin(), env.end());
    pid_ = spawn_logged(args, root_ + "/agent.log", environment);
    if (wait_until_ready(
            pid_, [&] { return fs::exists(socket_); }, std::chrono::seconds(20)))
        return;
    if (pid_ < 0) throw std::runtime_error("agent exited during start-up: " + log());
    kill();
    throw std::runtime_error("agent did not open its socket within 20 s: " + log());
}

int AgentProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int code = wait_exit(pid_);
    pid_ = -1;
    return code;
}

void AgentProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string AgentProcess::status_json() const { return command({"status", "--json"}).out; }

void AgentProcess::wait_connected(bool want, std::chrono::seconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
        last = status_json();
        bool connected = last.find("\"connected\": true") != std::string::npos;
        if (connected == want) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error(std::string("agent did not become ") + (want ? "connected" : "disconnected") +
                             "; last status: " + last + "\nlog: " + log());
}

std::string AgentProcess::device_id() const {
    std::ifstream in(config_);
    std::stringstream ss;
    ss << in.rdbuf();
    std::smatch m;
    std::string text = ss.str();
    return std::regex_search(text, m, std::regex(R"re(device_id = ['"]([^'"]+)['"])re")) ? m[1].str() : "";
}

std::string AgentProcess::log() const {
    std::ifstream in(root_ + "/agent.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace lifeline::testing
