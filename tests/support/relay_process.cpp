// fork/exec plumbing around the lifeline-relay binary.
#include "tests/support/relay_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lifeline::testing {

namespace fs = std::filesystem;

namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    return argv;
}

std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace

int wait_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

pid_t spawn_logged(std::vector<std::string> args, const std::string& log_path, const std::vector<std::string>& env) {
    auto argv = argv_of(args);
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        for (const auto& assignment : env)
            ::putenv(const_cast<char*>(assignment.c_str()));
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

bool wait_until_ready(pid_t& pid, const std::function<bool()>& ready, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) return true;
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

CommandResult run_relay_command(const std::vector<std::string>& args, const std::string& input) {
    std::vector<std::string> full{LIFELINE_RELAY_BIN};
    full.insert(full.end(), args.begin(), args.end());
    return run_program(full, input);
}

CommandResult run_program(std::vector<std::string> full, const std::string& input,
                          const std::vector<std::string>& env) {
    auto argv = argv_of(full);
    // stdout and stderr go to temp files: no pipe to drain concurrently, no deadlock.
    char out_path[] = "/tmp/lifeline-cmd-out-XXXXXX";
    char err_path[] = "/tmp/lifeline-cmd-err-XXXXXX";
    int out_fd = ::mkstemp(out_path);
    int err_fd = ::mkstemp(err_path);
    int in_pipe[2];
    if (out_fd < 0 || err_fd < 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("cannot set up command");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        for (const auto& assignment : env)
            ::putenv(const_cast<char*>(assignment.c_str()));
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    // A child that exits early must not kill us with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    if (!input.empty()) (void)!::write(in_pipe[1], input.data(), input.size());
    ::close(in_pipe[1]);
    CommandResult result;
    result.exit_code = wait_exit(pid);
    ::lseek(out_fd, 0, SEEK_SET);
    ::lseek(err_fd, 0, SEEK_SET);
    result.out = read_all(out_fd);
    result.err = read_all(err_fd);
    ::close(out_fd);
    ::close(err_fd);
    ::unlink(out_path);
    ::unlink(err_path);
    return result;
}

RelayProcess::RelayProcess() {
    char root[] = "/tmp/lifeline-relay-test-XXXXXX";
    if (!::mkdtemp(root)) throw std::runtime_error("mkdtemp failed");
    root_ = root;
    data_dir_ = root_ + "/data";
    auto init = run_relay_command({"init", "--data", data_dir_});
    init_output_ = init.out;
    if (init.exit_code != 0) throw std::runtime_error("relay init failed: " + init.err);
    std::smatch match;
    if (!std::regex_search(init.out, match, std::regex("admin password:\\s+(\\S+)"))) {
        throw std::runtime_error("relay init printed no admin password: " + init.out);
    }
    admin_password_ = match[1];
}

RelayProcess::~RelayProcess() {
    if (pid_ > 0) kill();
    std::error_code ec;
    fs::remove_all(root_, ec);
}

void RelayProcess::start(const std::vector<std::string>& extra_args) {
    if (pid_ > 0) throw std::logic_error("relay already running");
    std::string port_file = root_ + "/port";
    fs::remove(port_file);
    // A restart keeps the address, as a real relay does, so connected agents can find it again.
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{LIFELINE_RELAY_BIN, "serve", "--data",      data_dir_,
                                  "--listen",         listen,  "--port-file", port_file};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    ++starts_;
    pid_ = spawn_logged(args, root_ + "/relay.log");
    auto listening = [&] {
        std::ifstream in(port_file);
        unsigned port = 0;
        if (!(in >> port) || port == 0) return false;
        port_ = static_cast<std::uint16_t>(port);
        return true;
    };
    if (wait_until_ready(pid_, listening, std::chrono::seconds(30))) return;
    if (pid_ < 0) throw std::runtime_error("relay exited during start-up: " + log());
    kill();
    throw std::runtime_error("relay did not start listening within 30 s: " + log());
}

int RelayProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int code = wait_exit(pid_);
    pid_ = -1;
    return code;
}

void RelayProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
    pid_ = -1;
}

std::string RelayProcess::log() const {
    std::ifstream in(root_ + "/relay.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

net::HttpsClient RelayProcess::client() const {
    net::TlsClientOptions tls;
    tls.ca_file = ca_file();
    return net::HttpsClient("127.0.0.1", port_, tls);
}

}  // namespace lifeline::testing
