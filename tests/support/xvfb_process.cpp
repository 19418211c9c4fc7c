// fork/exec of Xvfb with -displayfd, so parallel tests never race for a display number.
#include "tests/support/xvfb_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lifeline::testing {

namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::seconds(3);

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

XvfbProcess::XvfbProcess(int width, int height) {
    char log_template[] = "/tmp/lifeline-xvfb-log-XXXXXX";
    int log_fd = ::mkostemp(log_template, O_CLOEXEC);
    if (log_fd < 0) throw std::runtime_error("cannot create a log file for Xvfb");
    log_path_ = log_template;
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) {
        ::close(log_fd);
        throw std::runtime_error("cannot create a pipe for Xvfb");
    }

    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<std::string> args{
        "Xvfb",      "-screen", "0",          std::to_string(width) + "x" + std::to_string(height) + "x24",
        "-nolisten", "tcp",     "-displayfd", std::to_string(ready[1])};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ == 0) {
        // Of our descriptors only the pipe's write end survives exec, at the number -displayfd names.
        ::fcntl(ready[1], F_SETFD, 0);
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        // A test run that crashes or is killed by a timeout must not leave the server behind.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(log_fd);
    ::close(ready[1]);
    if (pid_ < 0) {
        ::close(ready[0]);
        throw std::runtime_error("cannot fork for Xvfb");
    }

    std::string number;
    bool exited = false;
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (number.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd pfd{ready[0], POLLIN, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) break;
        char buffer[32];
        ssize_t n = ::read(ready[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            exited = true;  // or closed the pipe without naming a display
            break;
        }
        number.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(ready[0]);

    auto newline = number.find('\n');
    if (newline == std::string::npos || newline == 0) {
        stop();
        auto log = read_file(log_path_);
        ::unlink(log_path_.c_str());
        throw std::runtime_error(
            std::string(exited ? "Xvfb exited at start (is it installed?)" : "Xvfb did not start within 10 s") + ": " +
            log);
    }
    display_ = ":" + number.substr(0, newline);
}

XvfbProcess::~XvfbProcess() {
    stop();
    ::unlink(log_path_.c_str());
}

void XvfbProcess::stop() {
    if (pid_ <= 0) return;
    // SIGTERM lets Xvfb remove its lock file and socket; SIGKILL only if it hangs.
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(pid_, &status, WNOHANG);
        if (done == pid_ || (done < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

}  // namespace lifeline::testing
