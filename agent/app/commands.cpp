// enroll (HTTPS with the pinned CA), run (the daemon), help, status and chat (the local socket), sysinfo,
// screenshot.
#include "agent/app/commands.hpp"

#include "agent/local/local_client.hpp"
#include "agent/session/consent.hpp"
#include "shared/core/log.hpp"
#include "shared/core/text.hpp"
#include "shared/net/https_client.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

namespace lifeline::agent::app {

namespace asio = boost::asio;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::chrono::seconds kHelpTimeout{60};
constexpr std::chrono::seconds kStatusTimeout{15};

std::string config_path(const std::string& given) { return given.empty() ? default_paths().config : given; }

std::string to_json(const google::protobuf::Message& message) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    return out;
}

std::string machine_id_of_this_machine() {
    std::ifstream in("/etc/machine-id");
    std::string id;
    in >> id;
    return id;
}

std::string hostname_of_this_machine() {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
}

std::string error_message_of(const net::HttpResponse& response) {
    v1::ErrorResponse error;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(response.body, &error, options).ok() &&
        !error.error().message().empty()) {
        return error.error().message();
    }
    return "HTTP " + std::to_string(response.status);
}

const char* status_name(v1::Ticket::Status status) {
    switch (status) {
        case v1::Ticket::NEW: return "new";
        case v1::Ticket::OPEN: return "open";
        case v1::Ticket::PENDING: return "pending";
        case v1::Ticket::RESOLVED: return "resolved";
        case v1::Ticket::CLOSED: return "closed";
        default: return "unknown";
    }
}

// Loads the config or says why not; `ok` is false when the caller should exit 2.
std::optional<AgentConfig> load_or_complain(const std::string& path) {
    auto config = load_config(path);
    if (!config) {
        std::cerr << "lifeline-agent: " << config.error().message << "\n";
        return std::nullopt;
    }
    return *config;
}

}  // namespace

int run_enroll(const EnrollOptions& options) {
    auto address = parse_relay_url(options.relay_url);
    if (!address) {
        std::cerr << "lifeline-agent enroll: " << address.error().message << "\n";
        return 2;
    }
    DefaultPaths defaults = default_paths();
    AgentConfig config;
    config.relay_url = options.relay_url;
    config.ca_fingerprint = options.ca_fingerprint;
    config.socket_path = options.socket_path.empty() ? defaults.socket : options.socket_path;
    config.state_dir = options.state_dir.empty() ? defaults.state_dir : options.state_dir;
    auto policy = parse_consent_policy(options.consent);
    if (!policy) {
        std::cerr << "lifeline-agent enroll: " << policy.error().message << "\n";
        return 2;
    }
    config.consent = *policy;

    v1::EnrollRequest request;
    request.set_token(options.token);
    request.set_machine_id(options.machine_id.empty() ? machine_id_of_this_machine() : options.machine_id);
    request.set_hostname(options.hostname.empty() ? hostname_of_this_machine() : options.hostname);
    if (request.machine_id().empty()) {
        std::cerr << "lifeline-agent enroll: /etc/machine-id is missing; pass --machine-id\n";
        return 2;
    }
    std::string body;
    (void)google::protobuf::util::MessageToJsonString(request, &body);

    net::HttpResponse response;
    try {
        net::HttpsClient client(address->host, address->port, {"", "", options.ca_fingerprint});
        response = client.request("POST", "/api/v1/agents/enroll", body);
    } catch (const std::invalid_argument& e) {
        std::cerr << "lifeline-agent enroll: " << e.what() << "\n";
        return 2;
    } catch (const boost::system::system_error& e) {
        if (net::is_certificate_rejection(e.code())) {
            std::cerr << "lifeline-agent enroll: the relay at " << options.relay_url
                      << " presented a certificate that does not match " << options.ca_fingerprint
                      << "; nothing was sent. Check the fingerprint printed by `lifeline-relay enroll-token create`.\n";
        } else {
            std::cerr << "lifeline-agent enroll: cannot reach the relay at " << options.relay_url << ": "
                      << e.code().message() << "\n";
        }
        return 1;
    }
    if (response.status != 201) {
        std::cerr << "lifeline-agent enroll: the relay refused the enrollment: " << error_message_of(response) << "\n";
        return 1;
    }
    v1::EnrollResponse enrolled;
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(response.body, &enrolled, parse).ok() ||
        enrolled.device_id().empty() || enrolled.device_secret().empty()) {
        std::cerr << "lifeline-agent enroll: the relay's answer is not an enrollment\n";
        return 1;
    }
    config.device_id = enrolled.device_id();
    config.device_secret = enrolled.device_secret();
    const std::string path = config_path(options.config_file);
    if (auto saved = save_config(path, config); !saved) {
        std::cerr << "lifeline-agent enroll: enrolled, but " << saved.error().message << "\n";
        return 1;
    }
    std::cout << "enrolled as device " << config.device_id << " with " << config.relay_url << "\n"
              << "config: " << path << "\n";
    return 0;
}

int run_daemon(const RunOptions& options, MachineServices machine) {
    if (!core::init_logging(options.log_level)) {
        std::cerr << "lifeline-agent run: unknown log level " << options.log_level << "\n";
        return 2;
    }
    auto config = load_or_complain(config_path(options.config_file));
    if (!config) return 2;
    if (options.max_backoff_seconds < 1 || options.max_backoff_seconds > 3600) {
        std::cerr << "lifeline-agent run: --max-backoff must be 1 to 3600 seconds\n";
        return 2;
    }
    asio::io_context io(1);
    DaemonOptions daemon_options;
    daemon_options.config = *config;
    daemon_options.machine = std::move(machine);
    daemon_options.backoff_cap = std::chrono::milliseconds(static_cast<long>(options.max_backoff_seconds * 1000));
    daemon_options.consent_window = std::chrono::seconds(options.consent_window_seconds);
    Daemon daemon(io, std::move(daemon_options));
    if (auto started = daemon.start(); !started) {
        spdlog::error("agent: {}", started.error().message);
        return started.error().code == core::Errc::already_exists ? 1 : 2;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    std::atomic<bool> finished{false};
    std::thread watchdog;
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("agent: signal {}: stopping", signal);
        daemon.stop();
        // A relay that does not answer the close must not hold the stop up for long.
        watchdog = std::thread([&] {
            for (int i = 0; i < 50 && !finished; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (!finished) io.stop();
        });
    });
    io.run();
    finished = true;
    if (watchdog.joinable()) watchdog.join();
    spdlog::info("agent: stopped");
    return 0;
}

int run_help(const HelpOptions& options) {
    auto config = load_or_complain(config_path(options.config_file));
    if (!config) return 2;
    v1::LocalRequest request;
    auto* help = request.mutable_help();
    help->set_subject(options.subject);
    help->set_description(options.description);
    help->set_category(options.category);
    help->set_capture_screenshot(options.screenshot);
    auto client = LocalClient::connect(config->socket_path);
    if (!client) {
        std::cerr << "lifeline-agent help: " << client.error().message << "\n";
        return 3;
    }
    auto response = client->call(request, kHelpTimeout);
    if (!response) {
        std::cerr << "lifeline-agent help: " << response.error().message << "\n";
        return 1;
    }
    if (response->has_error()) {
        std::cerr << "lifeline-agent help: " << response->error().message() << "\n";
        return response->error().code() == core::errc_name(core::Errc::invalid_argument) ? 2 : 1;
    }
    const auto& result = response->help();
    if (options.json) {
        std::cout << to_json(result) << "\n";
    } else if (result.queued()) {
        std::cout << "The relay cannot be reached right now. Your request is saved and will be sent as soon as the "
                     "connection is back (request "
                  << result.idempotency_key() << ").\n";
    } else {
        std::cout << result.number() << "\n";
    }
    return 0;
}

int run_status(const StatusOptions& options) {
    auto config = load_or_complain(config_path(options.config_file));
    if (!config) return 2;
    v1::LocalRequest request;
    request.mutable_status();
    auto client = LocalClient::connect(config->socket_path);
    if (!client) {
        if (options.json) {
            v1::AgentStatus offline;
            offline.set_relay_url(config->relay_url);
            offline.set_device_id(config->device_id);
            offline.set_last_error(client.error().message);
            std::cout << to_json(offline) << "\n";
        } else {
            std::cout << "agent:  not running\nrelay:  " << config->relay_url << "\ndevice: " << config->device_id
                      << "\n";
        }
        std::cerr << "lifeline-agent status: " << client.error().message << "\n";
        return 3;
    }
    auto response = client->call(request, kStatusTimeout);
    if (!response || !response->has_status()) {
        std::cerr << "lifeline-agent status: " << (response ? response->error().message() : response.error().message)
                  << "\n";
        return 1;
    }
    const auto& status = response->status();
    if (options.json) {
        std::cout << to_json(status) << "\n";
        return 0;
    }
    std::cout << "agent:  running, " << (status.connected() ? "connected" : "not connected") << "\n"
              << "relay:  " << status.relay_url() << "\n"
              << "device: " << status.device_id() << "\n";
    if (status.connected()) std::cout << "since:  " << TimeUtil::ToString(status.connected_since()) << "\n";
    if (!status.last_error().empty()) std::cout << "error:  " << status.last_error() << "\n";
    if (status.has_pending_request()) {
        std::cout << "asking: " << describe_request(status.pending_request()) << " (" << status.pending_seconds_left()
                  << " s left: lifeline-agent consent allow|deny)\n";
    }
    if (status.has_session()) {
        const auto& session = status.session();
        std::cout << "SHARING: " << session.technician_name() << " can "
                  << (session.mode() == v1::CONTROL ? "see and control" : "see") << " this screen (ticket "
                  << session.ticket_number() << ", session " << session.session_id()
                  << "). Stop it: lifeline-agent session end\n";
    }
    if (status.queued_requests() > 0) std::cout << "queued: " << status.queued_requests() << " request(s)\n";
    if (status.tickets_size() > 0) std::cout << "tickets:\n";
    for (const auto& ticket : status.tickets()) {
        std::cout << "  " << ticket.number() << "  " << status_name(ticket.status()) << "  " << ticket.subject()
                  << (ticket.assignee_name().empty() ? "" : "  (" + ticket.assignee_name() + ")") << "\n";
    }
    return 0;
}

int run_sysinfo(MachineServices machine) {
    std::cout << to_json(machine.system_info()) << "\n";
    return 0;
}

int run_screenshot(const std::string& output, MachineServices machine) {
    auto png = machine.screenshot_png();
    if (!png) {
        std::cerr << "lifeline-agent: no screenshot: " << png.error().message << "\n";
        return 1;
    }
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << *png;
    out.close();
    if (!out) {
        std::cerr << "lifeline-agent: cannot write " << output << "\n";
        return 1;
    }
    return 0;
}

namespace {

// Sends one request to the running daemon and prints its answer.
int call_daemon(const std::string& what, const std::string& config_file, const v1::LocalRequest& request) {
    auto config = load_or_complain(config_path(config_file));
    if (!config) return 2;
    auto client = LocalClient::connect(config->socket_path);
    if (!client) {
        std::cerr << "lifeline-agent " << what << ": " << client.error().message << "\n";
        return 3;
    }
    auto response = client->call(request, kStatusTimeout);
    if (!response) {
        std::cerr << "lifeline-agent " << what << ": " << response.error().message << "\n";
        return 1;
    }
    if (response->has_error()) {
        std::cerr << "lifeline-agent " << what << ": " << response->error().message() << "\n";
        return 1;
    }
    std::cout << response->done().message() << "\n";
    return 0;
}

}  // namespace

int run_consent(const SessionCommandOptions& options) {
    v1::LocalRequest request;
    request.mutable_consent()->set_allow(options.answer == "allow");
    request.mutable_consent()->set_session_id(options.session_id);
    return call_daemon("consent", options.config_file, request);
}

int run_session_end(const SessionCommandOptions& options) {
    v1::LocalRequest request;
    request.mutable_stop_sharing();
    return call_daemon("session end", options.config_file, request);
}

namespace {

void print_chat(const v1::ChatMessage& message, bool json) {
    if (json) {
        std::string out;
        (void)google::protobuf::util::MessageToJsonString(message, &out);
        std::cout << out << "\n";
    } else {
        std::cout << "[" << TimeUtil::ToString(message.sent_at()).substr(0, 19) << "] " << message.author()
                  << (message.from_user() ? " (you)" : "") << ": " << message.text() << "\n";
    }
    std::cout.flush();
}

}  // namespace

int run_chat(const ChatOptions& options) {
    auto config = load_or_complain(config_path(options.config_file));
    if (!config) return 2;
    auto connect = [&]() -> core::Result<LocalClient> {
        auto client = LocalClient::connect(config->socket_path);
        if (!client) std::cerr << "lifeline-agent chat: " << client.error().message << "\n";
        return client;
    };
    // Watching starts before the history is read, so nothing written in between is missed.
    std::optional<LocalClient> watcher;
    if (options.follow) {
        auto connected = connect();
        if (!connected) return 3;
        watcher.emplace(std::move(*connected));
        v1::LocalRequest watch;
        watch.mutable_watch();
        if (auto sent = watcher->send(watch, kStatusTimeout); !sent) {
            std::cerr << "lifeline-agent chat: " << sent.error().message << "\n";
            return 1;
        }
    }
    auto client = connect();
    if (!client) return 3;
    v1::LocalRequest request;
    if (!options.send.empty()) {
        request.mutable_chat_send()->set_ticket_number(options.ticket);
        request.mutable_chat_send()->set_text(options.send);
    } else {
        request.mutable_chat_history()->set_ticket_number(options.ticket);
    }
    auto response = client->call(request, kStatusTimeout);
    if (!response || response->has_error() || !response->has_chat()) {
        std::cerr << "lifeline-agent chat: "
                  << (!response               ? response.error().message
                      : response->has_error() ? response->error().message()
                                              : "unexpected answer")
                  << "\n";
        return response && response->has_error() &&
                       response->error().code() == core::errc_name(core::Errc::invalid_argument)
                   ? 2
                   : 1;
    }
    std::int64_t last_id = 0;
    for (const auto& message : response->chat().messages()) {
        print_chat(message, options.json);
        last_id = std::max(last_id, message.id());
    }
    if (!watcher) return 0;
    for (;;) {
        auto event = watcher->receive(std::chrono::hours(1));
        if (!event) {
            std::cerr << "lifeline-agent chat: " << event.error().message << "\n";
            return 1;
        }
        if (!*event || !(*event)->has_event() || !(*event)->event().has_chat()) continue;
        const auto& message = (*event)->event().chat();
        if (message.ticket_number() != options.ticket || message.id() <= last_id) continue;
        last_id = message.id();
        print_chat(message, options.json);
    }
}

}  // namespace lifeline::agent::app
