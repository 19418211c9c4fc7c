// `lifeline-relay serve`: wires config, store, auth and the HTTPS API together and runs until SIGTERM.
#include "relay/app/commands.hpp"
#include "relay/app/config.hpp"
#include "relay/app/helpdesk_config.hpp"
#include "relay/app/mail_service.hpp"
#include "relay/events/publishing_stores.hpp"
#include "relay/http/api.hpp"
#include "relay/http/server.hpp"
#include "relay/notify/notifier.hpp"
#include "relay/recording/retention.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "relay/workflow/escalation_sweeper.hpp"
#include "relay/ws/agent_hub.hpp"
#include "relay/ws/device_updates.hpp"
#include "relay/ws/event_stream.hpp"
#include "relay/ws/session_api.hpp"
#include "shared/core/log.hpp"
#include "shared/net/tls.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace lifeline::relay::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string in_data_dir(const std::string& data_dir, const std::string& path) {
    fs::path p(path);
    return p.is_absolute() ? p.string() : (fs::path(data_dir) / p).string();
}

void write_port_file(const std::string& path, std::uint16_t port) {
    // Written whole under another name and renamed, so a reader never sees half a number.
    std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << port << "\n";
        if (!out) throw std::runtime_error("cannot write " + temp);
    }
    fs::rename(temp, path);
}

// The workflow's SLA alerts, as mail.
class MailSlaAlerts final : public workflow::SlaAlerts {
public:
    explicit MailSlaAlerts(notify::Notifier* notifier) : notifier_(notifier) {}
    void sla_at_risk(const v1::Ticket& ticket) override { notifier_->sla_at_risk(ticket); }
    void sla_breached(const v1::Ticket& ticket, const std::string& group_lead) override {
        notifier_->sla_breached(ticket, group_lead);
    }

private:
    notify::Notifier* notifier_;
};

// Every agent holds a connection: the default soft limit of 1024 descriptors would cap a relay at
// about a thousand machines, so take what the hard limit allows.
rlim_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

}  // namespace

int run_serve(const ServeOptions& options) {
    if (!fs::exists(database_path(options.data_dir))) {
        std::cerr << "lifeline-relay serve: " << options.data_dir
                  << " is not a relay data dir (no lifeline.db); create one with: lifeline-relay init --data "
                  << options.data_dir << "\n";
        return 2;
    }
    std::string config_file = options.config_file;
    if (config_file.empty() && fs::exists(fs::path(options.data_dir) / "relay.toml")) {
        config_file = (fs::path(options.data_dir) / "relay.toml").string();
    }
    RelayConfig config;
    if (!config_file.empty()) {
        auto loaded = load_config(config_file);
        if (!loaded) {
            std::cerr << "lifeline-relay serve: invalid configuration: " << loaded.error().message << "\n";
            return 2;
        }
        config = *loaded;
    }
    if (options.listen) config.listen = *options.listen;
    if (options.io_threads) config.io_threads = *options.io_threads;
    if (options.log_level) config.log_level = *options.log_level;
    if (auto ok = validate(config); !ok) {
        std::cerr << "lifeline-relay serve: " << ok.error().message << "\n";
        return 2;
    }
    core::init_logging(config.log_level, config.log_format == "json");
    auto descriptors = raise_descriptor_limit();
    auto listen = parse_listen(config.listen).value();
    helpdesk::HelpdeskPolicy helpdesk_policy = helpdesk::HelpdeskPolicy::defaults();
    if (auto policy_file = fs::path(options.data_dir) / "helpdesk.toml"; fs::exists(policy_file)) {
        auto loaded = load_helpdesk_policy(policy_file.string());
        if (!loaded) {
            std::cerr << "lifeline-relay serve: invalid helpdesk rules: " << loaded.error().message << "\n";
            return 2;
        }
        helpdesk_policy = std::move(*loaded);
    }

    try {
        store::sqlite::Database db(database_path(options.data_dir), false);
        store::sqlite::SqliteUserStore users(db);
        store::sqlite::SqliteTicketStore ticket_rows(db);
        store::sqlite::SqliteDeviceStore devices(db);
        store::sqlite::SqliteSessionStore session_rows(db);
        // Every committed change to tickets, chat, sessions and groups reaches the staff's event streams.
        events::EventBus event_bus;
        // Mail to the requester after committed changes, when [mail] is enabled (relay/notify).
        MailService mail(config, options.data_dir, db, users, ticket_rows);
        events::PublishingTicketStore published_tickets(mail.tickets(), event_bus);
        // A machine hears of its own tickets' status changes and public replies.
        ws::DeviceUpdatingTicketStore device_updating_tickets(published_tickets);
        // Outermost: routing, assignment, the SLA clock and escalation, whoever changes a ticket.
        store::sqlite::SqliteGroupStore group_rows(db);
        // Group changes reach the staff's event streams too: "my groups" and the assign choices follow.
        events::PublishingGroupStore groups(group_rows, event_bus);
        http::StaffPresence* staff_presence = nullptr;  // the event streams, once they exist
        // SLA warnings go out by mail: at risk to the assignee, breached to the group's lead.
        MailSlaAlerts sla_mail(mail.notifier());
        workflow::WorkflowDeps workflow_deps{groups, devices, helpdesk_policy,
                                             [&staff_presence](const std::string& username) {
                                                 return staff_presence && staff_presence->online(username);
                                             },
                                             mail.notifier() ? &sla_mail : nullptr};
        workflow::WorkflowTicketStore tickets(device_updating_tickets, workflow_deps);
        events::PublishingSessionStore sessions(session_rows, event_bus);
        store::sqlite::SqliteAuditStore audit(db);
        store::sqlite::SqliteKbStore knowledge(db);
        store::sqlite::SqliteReportStore reports(db);
        core::SystemClock clock;
        auth::LoginThrottle throttle(
            auth::ThrottlePolicy{config.login_max_failures, std::chrono::seconds(config.login_lockout_seconds)}, clock);

        auto tls = net::make_server_tls_context(in_data_dir(options.data_dir, config.tls_certificate),
                                                in_data_dir(options.data_dir, config.tls_private_key));
        asio::io_context io(config.io_threads);
        asio::thread_pool blocking(static_cast<std::size_t>(config.worker_threads));
        http::ApiContext api{users,    tickets, devices,  audit,
                             throttle, clock,   blocking, std::chrono::seconds(config.token_ttl_seconds)};
        http::Router router(http::make_authenticator(api));
        http::register_auth_routes(router, api);
        http::register_user_routes(router, api);
        http::register_ticket_routes(router, api);
        http::register_agent_routes(router, api);
        http::register_attachment_routes(router, api);
        http::register_audit_routes(router, api);
        http::register_chat_routes(router, api);
        http::register_kb_routes(router, api, knowledge);
        http::register_report_routes(router, api, reports);
        http::register_helpdesk_routes(router, api, tickets, groups);
        api.categories = helpdesk_policy.categories;
        api.events = &event_bus;
        api.notifier = mail.notifier();
        mail.start();

        http::ServerOptions server_options;
        server_options.host = listen.host;
        server_options.port = listen.port;
        server_options.max_body_bytes = static_cast<std::size_t>(config.max_body_bytes);
        server_options.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
        server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
        http::HttpsServer server(io, tls, router, server_options);
        ws::AgentHub agents(api, ws::AgentHubOptions{}, &knowledge);
        ws::EventStream event_streams(api, event_bus, ws::EventStreamOptions{});
        api.presence = &agents;
        api.staff_presence = &event_streams;
        staff_presence = &event_streams;
        workflow::EscalationSweeper escalation(io.get_executor(), blocking, tickets, groups, clock,
                                               std::chrono::seconds(config.escalation_sweep_seconds));
        escalation.start();
        device_updating_tickets.set_presence(&agents);
        ws::SessionBrokerOptions broker_options;
        broker_options.idle_timeout = std::chrono::seconds(config.session_idle_timeout_seconds);
        broker_options.answer_timeout = std::chrono::seconds(config.session_consent_timeout_seconds);
        const std::string recordings_dir = (fs::path(options.data_dir) / "recordings").string();
        broker_options.recordings_dir = recordings_dir;
        broker_options.recording_enabled = config.recording_enabled;
        broker_options.recording_policy.keep_input = config.recording_keys == "keep";
        ws::SessionBroker broker(io.get_executor(), api, sessions, agents, broker_options);
        broker.fail_leftovers();
        // Old recordings expire even while recording is switched off.
        recording::RetentionSweeper retention(
            io.get_executor(), blocking, recordings_dir,
            {config.recording_retention_days, static_cast<std::uint64_t>(config.recording_max_total_mb) << 20});
        retention.in_use = [&broker](const std::string& session_id) { return broker.recording_in_use(session_id); };
        // Deleting a recording is audited: a lead must be able to tell "never recorded" from "deleted by policy".
        // The session keeps the recording's size and digest; its file name goes, so nothing links to a file
        // that is no longer there.
        retention.on_deleted = [&audit, &clock, &sessions](const std::string& session_id, const std::string& file,
                                                           std::uint64_t bytes) {
            const boost::json::object details{{"file", file}, {"bytes", bytes}, {"reason", "retention policy"}};
            audit.record(store::Actor::system(),
                         {"recording.deleted", {}, session_id, {}, boost::json::serialize(details)}, clock.now());
            (void)sessions.update_session(session_id, [&](v1::Session& s) -> core::Result<void> {
                if (s.recording() != file) return core::make_error(core::Errc::conflict, "another file");
                s.clear_recording();
                return {};
            });
        };
        retention.start();
        agents.set_session_events(&broker);
        api.session_control = &broker;
        ws::register_session_routes(router, api, sessions, broker);
        http::register_timeline_routes(router, api, sessions);
        const auto log_failure = [](const char* what) {
            return [what](std::exception_ptr error) {
                if (!error) return;
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    spdlog::error("{} failed: {}", what, e.what());
                }
            };
        };
        server.on_upgrade("/v1/agent", [&agents, log_failure](auto&& stream, auto&& request, std::string remote) {
            auto executor = stream.get_executor();
            asio::co_spawn(executor, agents.accept(std::move(stream), std::move(request), std::move(remote)),
                           log_failure("agents: channel"));
        });
        server.on_upgrade("/v1/sessions/", [&broker, log_failure](auto&& stream, auto&& request, std::string remote) {
            auto executor = stream.get_executor();
            asio::co_spawn(executor, broker.accept(std::move(stream), std::move(request), std::move(remote)),
                           log_failure("sessions: socket"));
        });
        server.on_upgrade(
            "/v1/events", [&event_streams, log_failure](auto&& stream, auto&& request, std::string remote) {
                auto executor = stream.get_executor();
                asio::co_spawn(executor, event_streams.accept(std::move(stream), std::move(request), std::move(remote)),
                               log_failure("events: stream"));
            });
        auto bound = server.listen();
        server.start();

        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int signal) {
            if (ec) return;
            spdlog::info("relay: signal {} received; finishing in-flight requests", signal);
            server.shutdown();
            agents.shutdown();
            event_streams.shutdown();
            broker.shutdown();
            retention.stop();
            escalation.stop();
            mail.stop();
        });

        spdlog::info("relay: listening on https://{}:{} data={} io_threads={} worker_threads={} max_descriptors={}",
                     bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string(),
                     bound.port(), options.data_dir, config.io_threads, config.worker_threads,
                     static_cast<unsigned long long>(descriptors));
        if (!options.port_file.empty()) write_port_file(options.port_file, bound.port());

        std::vector<std::thread> threads;
        for (int i = 1; i < config.io_threads; ++i)
            threads.emplace_back([&io] { io.run(); });
        io.run();
        for (auto& t : threads)
            t.join();
        broker.end_open_sessions_at_exit();
        blocking.join();
        spdlog::info("relay: stopped cleanly");
        return 0;
    } catch (const std::exception& e) {
        spdlog::critical("relay: {}", e.what());
        return 1;
    }
}

}  // namespace lifeline::relay::app
