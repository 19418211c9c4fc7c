// `lifeline-bench session`, the systems: each runs on an X server of its own with lifeline-bench-workload drawing
// on it. Lifeline is the real relay, an enrolled agent with unattended consent and the viewer core over TLS on both
// hops; the peers are x11vnc and TigerVNC's x0vncserver scraping an Xvfb, and TigerVNC's Xvnc, which is the X server.
// Every process started here is stopped and reaped on the way out, failures included, and every wait is bounded.
#include "tests/bench/bench.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "viewer/core/session_client.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace lifeline::bench {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 1920;
constexpr int kHeight = 1080;
constexpr const char* kTechPassword = "bench-tech-password-1";

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string tail(const std::string& text, std::size_t max = 1500) {
    return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// A program on PATH, or "" when it is not installed.
std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

std::string join(const std::vector<std::string>& args) {
    std::string line;
    for (const auto& arg : args)
        line += (line.empty() ? "" : " ") + arg;
    return line;
}

// A child process with its output in a log file; SIGTERM then SIGKILL and reaped when destroyed. It also dies with
// the bench (PR_SET_PDEATHSIG), so a crash or a ^C leaves nothing behind.
class Child {
public:
    Child(const std::vector<std::string>& args, std::string log_path, const std::vector<std::string>& env = {},
          int inherit_fd = -1)
        : log_path_(std::move(log_path)) {
        // Everything the child needs is built before fork: after it, only async-signal-safe calls.
        std::vector<std::string> environment;
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string entry = *e;
            const auto name = entry.substr(0, entry.find('=') + 1);
            bool overridden = false;
            for (const auto& assignment : env)
                overridden = overridden || assignment.rfind(name, 0) == 0;
            if (!overridden) environment.push_back(entry);
        }
        environment.insert(environment.end(), env.begin(), env.end());
        std::vector<char*> argv, envp;
        std::vector<std::string> args_copy = args;
        for (auto& arg : args_copy)
            argv.push_back(arg.data());
        argv.push_back(nullptr);
        for (auto& entry : environment)
            envp.push_back(entry.data());
        envp.push_back(nullptr);
        const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (log_fd < 0 || null_fd < 0) throw std::runtime_error("cannot open " + log_path_);
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            ::dup2(null_fd, 0);
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
            if (inherit_fd >= 0) ::fcntl(inherit_fd, F_SETFD, 0);
            ::execvpe(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(log_fd);
        ::close(null_fd);
        if (pid_ < 0) throw std::runtime_error("cannot fork for " + args.front());
    }
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    std::string log() const { return read_text(log_path_); }

    // False once it has exited (and then it is reaped).
    bool alive() {
        if (pid_ <= 0) return false;
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
        return pid_ > 0;
    }

    void stop() {
        if (!alive()) return;
        ::kill(pid_, SIGTERM);
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        while (Clock::now() < deadline && alive())
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

private:
    std::string log_path_;
    pid_t pid_ = -1;
};

// A directory for the logs of one system's processes; removed afterwards unless something failed.
class WorkDir {
public:
    WorkDir() {
        char path[] = "/tmp/lifeline-bench-session-XXXXXX";
        if (::mkdtemp(path) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = path;
    }
    ~WorkDir() {
        if (!keep_) {
            std::error_code ignored;
            fs::remove_all(path_, ignored);
        }
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    const std::string& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    std::string path_;
    bool keep_ = false;
};

std::unique_ptr<Child> start_workload(const std::string& display, const WorkDir& dir) {
    return std::make_unique<Child>(
        std::vector<std::string>{LIFELINE_BENCH_WORKLOAD_BIN, "--display", display, "--fps", "30"},
        dir.file("workload.log"));
}

// A TCP port on 127.0.0.1 nobody listens on right now.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

int try_connect(const sockaddr* address, socklen_t length) {
    const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, address, length) == 0) return fd;
    ::close(fd);
    return -1;
}

// Connects to 127.0.0.1:port once `server` listens there (15 s at most).
int connect_when_listening(int port, Child& server, const std::string& name) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (Clock::now() < deadline) {
        const int fd = try_connect(reinterpret_cast<sockaddr*>(&address), sizeof address);
        if (fd >= 0) return fd;
        if (!server.alive()) throw std::runtime_error(name + " exited: " + tail(server.log()));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error(name + " did not listen on port " + std::to_string(port) +
                             " within 15 s: " + tail(server.log()));
}

viewer::RfbOptions rfb_options(const SessionBenchOptions& options) {
    viewer::RfbOptions rfb;
    rfb.encoding = options.encoding == "zrle"  ? viewer::Encoding::zrle
                   : options.encoding == "raw" ? viewer::Encoding::raw
                                               : viewer::Encoding::tight;
    rfb.quality = options.quality;
    rfb.handshake_timeout = std::chrono::seconds(30);  // through the relay it waits for the machine's side
    return rfb;
}

std::string screenshot_for(const SessionBenchOptions& options, const std::string& system) {
    if (options.screenshot.empty() || system == "lifeline") return options.screenshot;
    const auto dot = options.screenshot.rfind(".png");
    if (dot == std::string::npos) return options.screenshot + "-" + system;
    return options.screenshot.substr(0, dot) + "-" + system + ".png";
}

// The pid of the process whose command line contains all of `words`.
pid_t find_process(const std::vector<std::string>& words) {
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), &::closedir);
    while (proc) {
        const dirent* entry = ::readdir(proc.get());
        if (entry == nullptr) break;
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        std::string cmdline = read_text(std::string("/proc/") + entry->d_name + "/cmdline");
        bool all = !cmdline.empty();
        for (const auto& word : words)
            all = all && cmdline.find(word) != std::string::npos;
        if (all) return static_cast<pid_t>(std::atol(entry->d_name));
    }
    return -1;
}

json::object with_status(const std::string& measured, const std::string& server_process, const std::string& command) {
    json::object out{{"status", "ok"}, {"server_process", server_process}, {"command", command}};
    json::value figures = json::parse(measured);
    for (auto& [key, value] : figures.as_object())
        out[key] = value;
    return out;
}

// Relay, Xvfb with the workload, agent enrolled with unattended consent and allowed by the admin, a ticket from
// the agent (`lifeline-agent help`), then a control session through the viewer core.
json::object run_lifeline(const SessionBenchOptions& options, WorkDir& dir) {
    testing::RelayProcess relay;
    relay.start({"--log-level", "warn"});
    testing::XvfbProcess xvfb(kWidth, kHeight);
    auto workload = start_workload(xvfb.display(), dir);

    testing::ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("bench-tech", v1::TECHNICIAN, kTechPassword, 1);
    testing::AgentProcess agent;
    auto enrolled = agent.enroll(relay, "bench-pc", {}, {}, {"--consent", "unattended"});
    if (enrolled.exit_code != 0) throw std::runtime_error("lifeline-agent enroll failed: " + enrolled.err);
    agent.start({"DISPLAY=" + xvfb.display()});
    agent.wait_connected(true);
    const pid_t agent_pid = find_process({"lifeline-agent", agent.config_file()});
    auto allowed = admin.call("POST", "/api/v1/agents/" + agent.device_id() + "/unattended", R"({"allowed":true})");
    if (allowed.status != 200) throw std::runtime_error("allowing unattended access failed: " + allowed.body);
    auto help = agent.command({"help", "--subject", "Benchmark: is the remote screen fast enough?"});
    std::smatch number;
    if (!std::regex_search(help.out, number, std::regex("LL-\\d{6}"))) {
        throw std::runtime_error("lifeline-agent help made no ticket: " + help.out + help.err);
    }
    const std::string ticket = number.str();
    testing::ApiClient tech(relay.client());
    tech.login("bench-tech", kTechPassword);
    if (auto claimed = tech.call("POST", "/api/v1/tickets/" + ticket + "/claim"); claimed.status != 200) {
        throw std::runtime_error("claiming " + ticket + " failed: " + claimed.body);
    }

    auto api = viewer::RelayApi::create({"127.0.0.1", relay.port(), {relay.ca_file(), "", ""}});
    if (!api) throw std::runtime_error(api.error().message);
    api->use_token(tech.token());
    auto requested = api->request_session(ticket, v1::CONTROL);
    if (!requested) throw std::runtime_error("requesting a session failed: " + requested.error().message);
    auto answered = api->wait_for_answer(requested->id(), std::chrono::seconds(15));
    if (!answered || answered->state() != v1::Session::ACTIVE) {
        throw std::runtime_error("the unattended session was not allowed: " + agent.log());
    }
    auto session = viewer::ViewerSession::open(api->relay(), api->token(), requested->id(), rfb_options(options));
    if (!session) throw std::runtime_error("opening the session failed: " + session.error().message);

    SessionPids pids;
    pids.server = agent_pid;
    pids.relay = relay.pid();
    pids.x_server = xvfb.pid();
    pids.workload = workload->pid();
    std::fprintf(stderr, "session bench:   session %s on %s through the relay\n", requested->id().c_str(),
                 xvfb.display().c_str());
    const std::string measured = measure_session((*session)->rfb(), options, pids, screenshot_for(options, "lifeline"));
    (*session)->close();
    (void)api->end_session(requested->id(), "benchmark done");
    session->reset();
    agent.stop();
    relay.stop();
    return with_status(measured, "lifeline-agent (libvncserver, XDamage + XShm capture) + lifeline-relay",
                       "lifeline-agent run; viewer core through lifeline-relay, TLS on both hops");
}

// x11vnc or x0vncserver scraping an Xvfb that the workload draws on.
json::object run_scraper(const std::string& system, const std::string& program, const SessionBenchOptions& options,
                         WorkDir& dir) {
    testing::XvfbProcess xvfb(kWidth, kHeight);
    auto workload = start_workload(xvfb.display(), dir);
    const int port = free_port();
    std::vector<std::string> args;
    if (system == "x11vnc") {
        // Its defaults otherwise: XDAMAGE hints, XShm, -wait 20 ms between polls, -defer 20 ms.
        args = {program,      "-display", xvfb.display(), "-rfbport", std::to_string(port),
                "-localhost", "-nopw",    "-forever",     "-shared",  "-noipv6"};
    } else {
        // Its defaults otherwise: XDAMAGE, XShm, PollingCycle 30 ms, MaxProcessorUsage 35 %, FrameRate 60.
        args = {program, "-display",   xvfb.display(), "-rfbport",  std::to_string(port), "-SecurityTypes",
                "None",  "-localhost", "-interface",   "127.0.0.1", "-AlwaysShared"};
    }
    Child server(args, dir.file(system + ".log"));
    const int fd = connect_when_listening(port, server, system);
    auto rfb = viewer::RfbClient::start(fd, rfb_options(options));
    if (!rfb) throw std::runtime_error("RFB handshake with " + system + " failed: " + rfb.error().message);
    SessionPids pids;
    pids.server = server.pid();
    pids.x_server = xvfb.pid();
    pids.workload = workload->pid();
    const std::string measured = measure_session(**rfb, options, pids, screenshot_for(options, system));
    rfb->reset();
    return with_status(measured, system == "x11vnc" ? "x11vnc" : "X0tigervnc (x0vncserver)", join(args));
}

// Xvnc is the X server: it starts on a display it picks (-displayfd) and the workload draws on it directly.
json::object run_xvnc(const std::string& program, const SessionBenchOptions& options, WorkDir& dir) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    const int port = free_port();
    const std::vector<std::string> args{
        program,      "-displayfd", std::to_string(ready[1]), "-geometry",      "1920x1080", "-depth",
        "24",         "-rfbport",   std::to_string(port),     "-SecurityTypes", "None",      "-localhost",
        "-interface", "127.0.0.1",  "-AlwaysShared",          "-nolisten",      "tcp"};
    std::unique_ptr<Child> server;
    try {
        server = std::make_unique<Child>(args, dir.file("xvnc.log"), std::vector<std::string>{}, ready[1]);
    } catch (...) {
        ::close(ready[0]);
        ::close(ready[1]);
        throw;
    }
    ::close(ready[1]);
    std::string number;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (number.find('\n') == std::string::npos && Clock::now() < deadline) {
        pollfd pfd{ready[0], POLLIN, 0};
        if (::poll(&pfd, 1, 100) <= 0) continue;
        char buffer[32];
        const ssize_t n = ::read(ready[0], buffer, sizeof buffer);
        if (n <= 0) break;
        number.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(ready[0]);
    if (number.find('\n') == std::string::npos) {
        throw std::runtime_error("Xvnc did not start within 10 s: " + tail(server->log()));
    }
    const std::string display = ":" + number.substr(0, number.find('\n'));
    auto workload = start_workload(display, dir);
    const int fd = connect_when_listening(port, *server, "Xvnc");
    auto rfb = viewer::RfbClient::start(fd, rfb_options(options));
    if (!rfb) throw std::runtime_error("RFB handshake with Xvnc failed: " + rfb.error().message);
    SessionPids pids;
    pids.server = server->pid();
    pids.workload = workload->pid();
    std::fprintf(stderr, "session bench:   Xvnc on %s\n", display.c_str());
    const std::string measured = measure_session(**rfb, options, pids, screenshot_for(options, "xvnc"));
    rfb->reset();
    workload.reset();
    return with_status(measured, "Xvnc (the X server itself: its CPU includes drawing the workload)", join(args));
}

// A server somebody else runs (and runs the workload on): loopback only.
json::object run_vnc_address(const SessionBenchOptions& options) {
    const auto colon = options.vnc.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--vnc wants HOST:PORT");
    std::string host = options.vnc.substr(0, colon);
    const int port = std::atoi(options.vnc.c_str() + colon + 1);
    if (port <= 0 || port > 65535) throw std::invalid_argument("--vnc: bad port");
    if (host == "localhost") host = "127.0.0.1";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int fd = -1;
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
        if ((ntohl(v4.sin_addr.s_addr) >> 24) != 127) throw std::invalid_argument("--vnc: loopback addresses only");
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<std::uint16_t>(port));
        fd = try_connect(reinterpret_cast<sockaddr*>(&v4), sizeof v4);
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr)) throw std::invalid_argument("--vnc: loopback addresses only");
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<std::uint16_t>(port));
        fd = try_connect(reinterpret_cast<sockaddr*>(&v6), sizeof v6);
    } else {
        throw std::invalid_argument("--vnc: HOST must be a loopback IP address");
    }
    if (fd < 0) throw std::runtime_error("cannot connect to " + options.vnc + ": " + std::strerror(errno));
    auto rfb = viewer::RfbClient::start(fd, rfb_options(options));
    if (!rfb) throw std::runtime_error("RFB handshake with " + options.vnc + " failed: " + rfb.error().message);
    const std::string measured = measure_session(**rfb, options, SessionPids{}, screenshot_for(options, "vnc"));
    rfb->reset();
    return with_status(measured, "the server at " + options.vnc + " (not started here: no CPU figures)",
                       "--vnc " + options.vnc);
}

}  // namespace

std::string run_session_system(const std::string& system, const SessionBenchOptions& options) {
    WorkDir dir;
    try {
        if (system == "lifeline") return json::serialize(run_lifeline(options, dir));
        if (system == "vnc") return json::serialize(run_vnc_address(options));
        const std::string program = system == "x11vnc"        ? find_program("x11vnc")
                                    : system == "x0vncserver" ? find_program("X0tigervnc")
                                    : system == "xvnc"        ? find_program("Xvnc")
                                                              : std::string();
        if (program.empty()) {
            const std::string package = system == "x11vnc"        ? "x11vnc"
                                        : system == "x0vncserver" ? "tigervnc-scraping-server"
                                        : system == "xvnc"        ? "tigervnc-standalone-server"
                                                                  : "";
            const std::string reason = package.empty()
                                           ? "unknown system"
                                           : "not installed (scripts/setup-deps bench installs " + package + ")";
            return json::serialize(json::object{{"status", "skipped"}, {"reason", reason}});
        }
        if (system == "xvnc") return json::serialize(run_xvnc(program, options, dir));
        return json::serialize(run_scraper(system, program, options, dir));
    } catch (const std::exception& e) {
        dir.keep();
        std::fprintf(stderr, "session bench: %s failed: %s (logs in %s)\n", system.c_str(), e.what(),
                     dir.path().c_str());
        return json::serialize(json::object{{"status", "failed"}, {"reason", e.what()}, {"logs", dir.path()}});
    }
}

}  // namespace lifeline::bench
