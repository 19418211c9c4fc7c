// lifeline-bench-escalation: the escalation sweep over a large open backlog. Seeds a temporary
// SQLite file (the relay's schema) with N open tickets whose SLA records and next attention times
// are spread over the coming days, as the workflow leaves them, then makes D of them due (unclaimed
// at tier 1 for 20 minutes) and times one sweep through the real workflow store: the due-ticket
// query over the whole backlog, and the escalation of every due ticket with its history, audit
// rows and SLA re-evaluation. Prints JSON. Bounded by --open, --due and --max-seconds.
#include "relay/helpdesk/policy.hpp"
#include "relay/helpdesk/sla_tracking.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "relay/workflow/escalation_sweeper.hpp"
#include "shared/core/log.hpp"

#include <google/protobuf/util/time_util.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

namespace fs = std::filesystem;
namespace sqlite = lifeline::relay::store::sqlite;
namespace helpdesk = lifeline::relay::helpdesk;
namespace workflow = lifeline::relay::workflow;
namespace v1 = lifeline::v1;
using lifeline::core::SystemTime;
using Clock = std::chrono::steady_clock;
using google::protobuf::util::TimeUtil;

namespace {

struct Options {
    int open = 100'000;
    std::vector<int> due = {100, 1'000};
    int runs = 3;
    double max_seconds = 600;
};

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

google::protobuf::Timestamp stamp(SystemTime t) {
    return TimeUtil::MillisecondsToTimestamp(lifeline::core::to_unix_ms(t));
}

// An open ticket as the workflow leaves it: claimed at tier 2 (no escalation timer), its SLA
// clocks started `age` ago, attention at its next SLA instant.
v1::Ticket backlog_ticket(const helpdesk::HelpdeskPolicy& policy, SystemTime now, std::chrono::seconds age,
                          v1::Priority priority) {
    v1::Ticket t;
    t.set_status(v1::Ticket::OPEN);
    t.set_priority(priority);
    t.set_group("desk");
    t.set_tier(2);
    t.set_assignee("tech-2a");
    *t.mutable_created_at() = stamp(now - age);
    *t.mutable_routed_at() = t.created_at();
    *t.mutable_first_response_at() = stamp(now - age + std::chrono::minutes(5));
    helpdesk::start_sla(policy, t);
    const v1::Ticket same = t;
    helpdesk::track(policy, same, t, {now, false, false});
    return t;
}

void seed(sqlite::Database& db, const helpdesk::HelpdeskPolicy& policy, SystemTime now, int open) {
    std::mt19937_64 random(42);
    std::uniform_int_distribution<int> age_minutes(1, 5 * 24 * 60);
    std::discrete_distribution<int> priority({5, 20, 50, 25});
    db.write([&](sqlite::Connection& c) {
        auto& insert = c.cached(
            "INSERT INTO tickets (subject, description, status, priority, urgency, impact, category, grp, tier, "
            "requester_name, requester_contact, assignee, channel, created_by, created_at, updated_at, sla, "
            "sla_state, response_due, resolution_due, attention_at, first_response_at, routed_at) "
            "VALUES (?, '', ?, ?, 2, 2, 'printing', 'desk', ?, 'Requester', '', ?, 'api', 'bench', ?, ?, ?, ?, ?, ?, "
            "?, ?, ?)");
        const auto ms = [](const google::protobuf::Timestamp& t, bool present) -> std::optional<std::int64_t> {
            if (!present) return std::nullopt;
            return TimeUtil::TimestampToMilliseconds(t);
        };
        for (int i = 0; i < open; ++i) {
            auto t = backlog_ticket(policy, now, std::chrono::minutes(age_minutes(random)),
                                    static_cast<v1::Priority>(priority(random) + 1));
            std::int64_t created = TimeUtil::TimestampToMilliseconds(t.created_at());
            insert.bind(1, "Backlog ticket " + std::to_string(i))
                .bind(2, static_cast<int>(t.status()))
                .bind(3, static_cast<int>(t.priority()))
                .bind(4, t.tier())
                .bind(5, t.assignee())
                .bind(6, created)
                .bind(7, created)
                .bind_blob(8, t.sla().SerializeAsString())
                .bind(9, static_cast<int>(helpdesk::overall_sla_state(t.sla())))
                .bind(10, ms(t.sla().response().due(), t.sla().response().has_due()))
                .bind(11, ms(t.sla().resolution().due(), t.sla().resolution().has_due()))
                .bind(12, ms(t.attention_at(), t.has_attention_at()))
                .bind(13, ms(t.first_response_at(), true))
                .bind(14, created)
                .run();
        }
    });
}

// D backlog tickets become unclaimed tier-1 tickets routed 20 minutes ago: due for escalation.
void make_due(sqlite::Database& db, SystemTime now, int due, int open, int round) {
    std::int64_t routed = lifeline::core::to_unix_ms(now - std::chrono::minutes(20));
    db.write([&](sqlite::Connection& c) {
        auto& update = c.cached(
            "UPDATE tickets SET tier = 1, assignee = NULL, status = 1, routed_at = ?, attention_at = ? WHERE id = ?");
        for (int i = 0; i < due; ++i) {
            std::int64_t id = 1 + (static_cast<std::int64_t>(round) * 7919 + static_cast<std::int64_t>(i) * 97) % open;
            update.bind(1, routed).bind(2, routed + 15 * 60'000).bind(3, id).run();
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"lifeline-bench-escalation: the escalation sweep over a large open backlog (no network)"};
    app.add_option("--open", options.open, "open tickets in the backlog")->check(CLI::Range(1'000, 2'000'000));
    app.add_option("--due", options.due, "due tickets per sweep (one run each)")->delimiter(',');
    app.add_option("--runs", options.runs, "sweeps per due count")->check(CLI::Range(1, 20));
    app.add_option("--max-seconds", options.max_seconds, "stop after this long")->check(CLI::Range(1.0, 3600.0));
    CLI11_PARSE(app, argc, argv);
    lifeline::core::init_logging("warn", false);
    const auto deadline = Clock::now() + std::chrono::duration<double>(options.max_seconds);

    fs::path dir = fs::temp_directory_path() / ("lifeline-escalation-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    int status = 0;
    {
        sqlite::Database db((dir / "lifeline.db").string(), true);
        sqlite::SqliteUserStore users(db);
        sqlite::SqliteTicketStore rows(db);
        sqlite::SqliteDeviceStore devices(db);
        sqlite::SqliteGroupStore groups(db);
        auto policy = helpdesk::HelpdeskPolicy::defaults();
        policy.calendar = helpdesk::BusinessCalendar::always();  // the figures must not depend on the weekday
        const SystemTime now = std::chrono::system_clock::now();
        const auto system = lifeline::relay::store::Actor::system();
        v1::CreateGroupRequest desk;
        desk.set_name("desk");
        (void)groups.create_group(desk, now, system);
        for (const auto& [name, tier] : {std::pair{"tech-1a", 1}, {"tech-1b", 1}, {"tech-2a", 2}, {"tech-2b", 2}}) {
            (void)users.create_user({name, name, v1::TECHNICIAN, tier, "x"}, now, system);
            (void)groups.set_member("desk", name, tier, system);
        }
        workflow::WorkflowTicketStore tickets(rows, {groups, devices, policy, {}, nullptr});

        auto seed_start = Clock::now();
        seed(db, policy, now, options.open);
        double seed_ms = ms_since(seed_start);

        std::cout << "{\"bench\":\"escalation\",\"open_tickets\":" << options.open << ",\"seed_ms\":" << seed_ms
                  << ",\"runs\":[";
        bool first = true;
        int round = 0;
        for (int due : options.due) {
            for (int run = 0; run < options.runs && Clock::now() < deadline; ++run, ++round) {
                // The query alone, over the backlog before anything is due at `now`.
                auto query_start = Clock::now();
                auto none = groups.due_tickets(now, 500);
                double query_idle_ms = ms_since(query_start);
                make_due(db, now, due, options.open, round);
                query_start = Clock::now();
                auto found = groups.due_tickets(now, 500);
                double query_due_ms = ms_since(query_start);
                auto sweep_start = Clock::now();
                auto result = workflow::sweep_due_tickets(tickets, groups, now, 500, 1'000'000);
                double sweep_ms = ms_since(sweep_start);
                auto left = groups.due_tickets(now, 500);
                if (result.attended != due || result.failed != 0 || !left.empty()) status = 1;
                std::cout << (first ? "" : ",") << "{\"due\":" << due << ",\"attended\":" << result.attended
                          << ",\"failed\":" << result.failed << ",\"due_left\":" << left.size()
                          << ",\"query_nothing_due_ms\":" << query_idle_ms << ",\"already_due\":" << none.size()
                          << ",\"query_ms\":" << query_due_ms << ",\"query_found\":" << found.size()
                          << ",\"sweep_ms\":" << sweep_ms << ",\"per_ticket_ms\":" << sweep_ms / std::max(1, due)
                          << "}";
                first = false;
            }
        }
        std::cout << "]}\n";
    }
    fs::remove_all(dir);
    return status;
}
