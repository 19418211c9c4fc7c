// The leads' reports through the real relay, over a small hand-made data set written into the relay's
// SQLite file before it starts: every figure below was worked out by hand from the rows in seed()
// (the comments show the sums). JSON and CSV, filters, UTC offsets, and who may ask what.
#include "relay/store/sqlite/database.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include "reports.pb.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <optional>

namespace lifeline::testing {
namespace {

using google::protobuf::util::TimeUtil;
using relay::store::sqlite::Connection;
using relay::store::sqlite::Database;

constexpr const char* kPassword = "reports-password-1";
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kMarch1 = 1'740'787'200'000;  // 2025-03-01T00:00:00Z

// 2025-03-`day` at hh:mm UTC (day 0 is 28 February).
constexpr std::int64_t at(int day, int hour, int minute = 0) {
    return kMarch1 + (day - 1) * kDay + hour * kHour + minute * kMinute;
}

struct SeedTicket {
    int id;
    std::int64_t created;
    int status;  // v1::Ticket::Status
    int priority;
    const char* category;
    const char* group;
    std::optional<std::string> assignee;
    std::optional<std::int64_t> first_response;
    std::optional<std::int64_t> resolved;
    int sla_state;  // v1::SlaState, 0 = no policy
    int response_breached, resolution_breached, escalations, reopens;
    std::optional<std::string> device;
    int rating = 0;  // 0: not rated
    const char* comment = "";
    std::int64_t rated_at = 0;
};

// The data set. Range of the tests: 2025-03-02 .. 2025-03-08 (UTC) unless a test says otherwise.
const std::vector<SeedTicket>& seed_tickets() {
    using T = v1::Ticket;
    static const std::vector<SeedTicket> tickets = {
        // id created     status      pri category    group   assignee first response   resolved      sla bre esc reo
        // device
        {1, at(2, 9), T::CLOSED, 2, "printing", "desk", "tina", at(2, 9, 10), at(2, 13), 5, 0, 0, 0, 0, "d-0001", 5,
         "Quick and friendly", at(3, 10)},
        {2, at(2, 10), T::RESOLVED, 1, "network", "desk", "tom", at(2, 10, 30), at(4, 10), 3, 0, 1, 1, 0, "d-0002", 2,
         "Took two days", at(4, 12)},
        // Resolved on the 3rd, reopened, resolved again on the 5th: resolved_at is the last resolution.
        {3, at(3, 8), T::RESOLVED, 3, "printing", "desk", "tina", at(3, 10), at(5, 8), 5, 0, 0, 0, 1, "d-0001", 4, "",
         at(5, 9)},
        {4, at(3, 12), T::OPEN, 3, "email", "apps", "tom", at(3, 13), std::nullopt, 2, 1, 0, 2, 0, std::nullopt},
        {5, at(4, 9), T::NEW, 4, "printing", "desk", std::nullopt, std::nullopt, std::nullopt, 1, 0, 0, 0, 0, "d-0001"},
        {6, at(5, 14), T::CLOSED, 2, "network", "apps", "tina", at(5, 14, 5), at(6, 14), 0, 0, 0, 0, 0, "d-0003", 1,
         "=HYPERLINK(\"http://x\",\"click\")", at(6, 15)},
        {7, at(6, 9), T::RESOLVED, 1, "hardware", "desk", "tom", at(6, 9, 15), at(6, 11), 5, 0, 0, 1, 0, "d-0002", 3,
         "OK, I guess", at(7, 8)},
        // Before the range: opened on the 1st, resolved in it (on the 2nd), both targets missed.
        {8, at(1, 10), T::CLOSED, 3, "email", "apps", "tina", at(1, 11), at(2, 12), 3, 1, 1, 0, 0, std::nullopt, 4,
         "fine", at(2, 13)},
        // Opened before the range and still waiting on the user.
        {9, at(-1, 10), T::PENDING, 2, "network", "desk", "tom", at(-1, 10, 20), std::nullopt, 4, 0, 0, 1, 0, "d-0002"},
        // Wholly before the range.
        {10, at(-8, 10), T::CLOSED, 2, "printing", "desk", "tina", at(-8, 11), at(-5, 10), 5, 0, 0, 0, 0, "d-0001", 1,
         "old news", at(-4, 10)},
        // The last minutes of the 8th in UTC: the 9th in UTC+01:00.
        {11, at(8, 23, 30), T::NEW, 4, "printing", "desk", "tina", std::nullopt, std::nullopt, 1, 0, 0, 0, 0, "d-0003"},
        {12, at(9, 1), T::NEW, 3, "printing", "desk", std::nullopt, std::nullopt, std::nullopt, 1, 0, 0, 0, 0,
         "d-0001"},
        // Resolved at 09:00 and reopened at 11:00 on the 7th: open now, resolved_at cleared, reopens 1.
        {13, at(7, 8), T::OPEN, 3, "email", "apps", "tom", at(7, 8, 20), std::nullopt, 1, 0, 0, 0, 1, std::nullopt},
    };
    return tickets;
}

void seed(const std::string& path) {
    Database db(path, false);
    db.write([](Connection& c) {
        auto device = c.prepare(
            "INSERT INTO devices (id, machine_id, hostname, grp, secret_hash, enrolled_at) VALUES (?, ?, ?, ?, '', ?)");
        for (auto [id, host, group] :
             {std::tuple{"d-0001", "pc-alpha", "office"}, std::tuple{"d-0002", "pc-beta", "office"},
              std::tuple{"d-0003", "=cmd|calc", "lab"}}) {
            device.bind(1, id).bind(2, std::string("machine-") + id).bind(3, host).bind(4, group).bind(5, at(-30, 0));
            device.run();
        }
        auto ticket = c.prepare(
            "INSERT INTO tickets (id, subject, description, status, priority, urgency, impact, category, grp, tier, "
            "assignee, channel, created_by, created_at, updated_at, resolved_at, device_id, first_response_at, "
            "sla_state, response_breached, resolution_breached, escalations, reopens, satisfaction_rating, "
            "satisfaction_comment, satisfaction_at, routed_at) "
            "VALUES (?, ?, '', ?, ?, 2, 2, ?, ?, 1, ?, 'api', 'admin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const auto& t : seed_tickets()) {
            ticket.bind(1, std::int64_t{t.id});
            ticket.bind(2, "ticket " + std::to_string(t.id));
            ticket.bind(3, t.status);
            ticket.bind(4, t.priority);
            ticket.bind(5, t.category);
            ticket.bind(6, t.group);
            ticket.bind(7, t.assignee);
            ticket.bind(8, t.created);
            ticket.bind(9, t.resolved.value_or(t.created));
            ticket.bind(10, t.resolved);
            ticket.bind(11, t.device);
            ticket.bind(12, t.first_response);
            ticket.bind(13, t.sla_state);
            ticket.bind(14, t.response_breached);
            ticket.bind(15, t.resolution_breached);
            ticket.bind(16, t.escalations);
            ticket.bind(17, t.reopens);
            ticket.bind(18, t.rating ? std::optional<std::int64_t>(t.rating) : std::nullopt);
            ticket.bind(19, t.comment);
            ticket.bind(20, t.rating ? std::optional<std::int64_t>(t.rated_at) : std::nullopt);
            ticket.bind(21, t.created);
            ticket.run();
        }
        auto event = c.prepare(
            "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) VALUES (?, ?, ?, ?, "
            "?, ?, ?)");
        struct Event {
            int ticket;
            std::int64_t at;
            const char *action, *from, *to, *note;
        };
        for (const Event& e : std::vector<Event>{
                 {2, at(2, 11), "escalated", "desk/1", "desk/2", "rule:tier1_open"},
                 {4, at(3, 14), "escalated", "apps/1", "apps/2", "manual: needs the vendor"},
                 {4, at(4, 9), "escalated", "apps/2", "apps/3", "rule:sla_breached:resolution"},
                 {7, at(6, 9, 30), "escalated", "desk/1", "desk/2", "rule:tier1_open"},
                 {9, at(1, 12), "escalated", "desk/1", "desk/2", "rule:tier1_open"},  // before the range
                 {3, at(3, 10), "status", "open", "resolved", ""},
                 {3, at(4, 9), "status", "resolved", "open", "still jams"},
                 {3, at(5, 8), "status", "open", "resolved", ""},
             }) {
            event.bind(1, std::int64_t{e.ticket}).bind(2, e.at).bind(3, "user:tom").bind(4, e.action);
            event.bind(5, e.from).bind(6, e.to).bind(7, e.note);
            event.run();
        }
        auto session = c.prepare(
            "INSERT INTO sessions (id, ticket_id, device_id, technician, state, requested_at, record, started_at, "
            "ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        struct Seeded {
            const char* id;
            int ticket;
            const char* device;
            const char* technician;
            v1::Session::State state;
            std::int64_t requested;
            std::optional<std::int64_t> started, ended;
        };
        for (const Seeded& s : std::vector<Seeded>{
                 {"s-1", 2, "d-0002", "tom", v1::Session::ENDED, at(2, 11, 30), at(2, 11, 31), at(2, 11, 51)},
                 {"s-2", 2, "d-0002", "tom", v1::Session::ENDED, at(3, 9), at(3, 9, 1), at(3, 9, 11)},
                 {"s-3", 3, "d-0001", "tina", v1::Session::DENIED, at(3, 9), std::nullopt, std::nullopt},
                 {"s-4", 7, "d-0002", "tom", v1::Session::ENDED, at(6, 10), at(6, 10), at(6, 10, 45)},
                 {"s-5", 1, "d-0001", "tina", v1::Session::ENDED, at(2, 9, 30), at(2, 9, 31), at(2, 10, 1)},
                 {"s-6", 9, "d-0002", "tom", v1::Session::ENDED, at(1, 12), at(1, 12), at(1, 13)},  // before
             }) {
            v1::Session record;
            record.set_id(s.id);
            record.set_technician(s.technician);
            record.set_state(s.state);
            *record.mutable_requested_at() = TimeUtil::MillisecondsToTimestamp(s.requested);
            session.bind(1, s.id).bind(2, std::int64_t{s.ticket}).bind(3, s.device).bind(4, s.technician);
            session.bind(5, static_cast<int>(s.state)).bind(6, s.requested).bind_blob(7, record.SerializeAsString());
            session.bind(8, s.started).bind(9, s.ended);
            session.run();
        }
    });
}

class RelayReportsTest : public ::testing::Test {
protected:
    void SetUp() override {
        seed(relay_.data_dir() + "/lifeline.db");
        relay_.start();
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("lena", v1::LEAD, kPassword, 0);
        lena_.emplace(relay_.client());
        lena_->login("lena", kPassword);
    }

    // GET /api/v1/reports/NAME?from=2025-03-02&to=2025-03-08&EXTRA as lena; 200 expected.
    v1::Report report(const std::string& name, const std::string& extra = "") {
        auto response = lena_->call(
            "GET", "/api/v1/reports/" + name + "?from=2025-03-02&to=2025-03-08" + (extra.empty() ? "" : "&" + extra));
        EXPECT_EQ(response.status, 200u) << name << " " << extra << ": " << response.body;
        v1::Report out;
        if (response.status == 200u) from_json(response.body, out);
        EXPECT_EQ(out.name(), name);
        return out;
    }

    net::HttpResponse raw(const std::string& target, const std::string& accept = "") {
        if (accept.empty()) return lena_->call("GET", target);
        auto client = relay_.client();
        return client.request("GET", target, "", lena_->token(), {{"Accept", accept}});
    }

    RelayProcess relay_;
    std::optional<ApiClient> lena_;
};

TEST_F(RelayReportsTest, lists_the_reports_to_leads_and_admins_only) {
    auto list = lena_->call("GET", "/api/v1/reports");
    ASSERT_EQ(list.status, 200u) << list.body;
    v1::ReportList reports;
    from_json(list.body, reports);
    ASSERT_EQ(reports.reports_size(), 12);
    EXPECT_EQ(reports.reports(0).name(), "summary");
    EXPECT_EQ(reports.reports(1).csv_columns(0), "date");

    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    EXPECT_EQ(admin.call("GET", "/api/v1/reports").status, 200u);
    EXPECT_EQ(admin.call("GET", "/api/v1/reports/summary").status, 200u);

    ApiClient tina(relay_.client());
    tina.login("tina", kPassword);
    for (const char* target : {"/api/v1/reports", "/api/v1/reports/tickets", "/api/v1/reports/nope"}) {
        auto denied = tina.call("GET", target);
        EXPECT_EQ(denied.status, 403u) << target;
        EXPECT_EQ(error_code(denied), "permission_denied");
    }
    ApiClient nobody(relay_.client());
    EXPECT_EQ(nobody.call("GET", "/api/v1/reports/tickets").status, 401u);
}

TEST_F(RelayReportsTest, tickets_opened_and_resolved_per_day) {
    auto r = report("tickets");
    EXPECT_EQ(TimeUtil::ToString(r.scope().from()), "2025-03-02T00:00:00Z");
    EXPECT_EQ(TimeUtil::ToString(r.scope().to()), "2025-03-09T00:00:00Z");
    EXPECT_EQ(r.scope().utc_offset(), "+00:00");
    EXPECT_EQ(r.scope().days(), 7);
    const auto& t = r.tickets();
    // Opened: #1 #2 | #3 #4 | #5 | #6 | #7 | #13 | #11. Resolved: #1 #8 | - | #2 | #3 | #6 #7 | - | -.
    EXPECT_EQ(t.opened(), 9);
    EXPECT_EQ(t.resolved(), 6);
    ASSERT_EQ(t.days_size(), 7);
    const std::vector<std::tuple<std::string, int, int>> expected = {
        {"2025-03-02", 2, 2}, {"2025-03-03", 2, 0}, {"2025-03-04", 1, 1}, {"2025-03-05", 1, 1},
        {"2025-03-06", 1, 2}, {"2025-03-07", 1, 0}, {"2025-03-08", 1, 0}};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(t.days(i).date(), std::get<0>(expected[static_cast<std::size_t>(i)]));
        EXPECT_EQ(t.days(i).opened(), std::get<1>(expected[static_cast<std::size_t>(i)])) << i;
        EXPECT_EQ(t.days(i).resolved(), std::get<2>(expected[static_cast<std::size_t>(i)])) << i;
    }
}

TEST_F(RelayReportsTest, backlog_at_the_end_of_each_day) {
    // At the start: #9 (pending since February) and #8 (opened the 1st, resolved the 2nd).
    auto b = report("backlog").backlog();
    EXPECT_EQ(b.start(), 2);
    // 2 +2-2 | +2 | +1-1 | +1-1 | +1-2 | +1 | +1
    std::vector<int> open;
    for (const auto& d : b.days())
        open.push_back(d.open());
    EXPECT_EQ(open, (std::vector<int>{2, 4, 4, 4, 3, 4, 5}));
    EXPECT_EQ(b.end(), 5);  // #4 #5 #9 #11 #13
}

TEST_F(RelayReportsTest, first_response_and_resolution_times_with_median_and_p90) {
    // Opened in the range and answered: 5 min (#6), 10 (#1), 15 (#7), 20 (#13), 30 (#2), 60 (#4), 120 (#3).
    auto response = report("response_time").response_time();
    EXPECT_EQ(response.all().count(), 7);
    EXPECT_DOUBLE_EQ(response.all().median_seconds(), 1200);  // rank ceil(3.5) = 4
    EXPECT_DOUBLE_EQ(response.all().p90_seconds(), 7200);     // rank ceil(6.3) = 7
    EXPECT_DOUBLE_EQ(response.all().average_seconds(), 2228.571);
    EXPECT_EQ(response.waiting(), 2);  // #5 #11
    ASSERT_EQ(response.by_priority_size(), 4);
    EXPECT_EQ(response.by_priority(0).priority(), v1::P1);  // 15, 30 min
    EXPECT_DOUBLE_EQ(response.by_priority(0).stats().median_seconds(), 900);
    EXPECT_DOUBLE_EQ(response.by_priority(0).stats().p90_seconds(), 1800);
    EXPECT_DOUBLE_EQ(response.by_priority(1).stats().median_seconds(), 300);   // P2: 5, 10 min
    EXPECT_DOUBLE_EQ(response.by_priority(2).stats().median_seconds(), 3600);  // P3: 20, 60, 120 min
    EXPECT_DOUBLE_EQ(response.by_priority(2).stats().p90_seconds(), 7200);
    EXPECT_DOUBLE_EQ(response.by_priority(2).stats().average_seconds(), 4000);
    EXPECT_EQ(response.by_priority(3).stats().count(), 0);  // P4: #5 and #11 are waiting
    EXPECT_FALSE(response.by_priority(3).stats().has_median_seconds());
    ASSERT_EQ(response.days_size(), 7);
    EXPECT_EQ(response.days(0).stats().count(), 2);
    EXPECT_DOUBLE_EQ(response.days(0).stats().median_seconds(), 600);
    EXPECT_EQ(response.days(2).stats().count(), 0);

    // Resolved in the range: 2 h (#7), 4 h (#1), 24 h (#6), 26 h (#8), 48 h (#2), 48 h (#3).
    auto resolution = report("resolution_time").resolution_time();
    EXPECT_EQ(resolution.all().count(), 6);
    EXPECT_DOUBLE_EQ(resolution.all().median_seconds(), 86400);
    EXPECT_DOUBLE_EQ(resolution.all().p90_seconds(), 172800);
    EXPECT_DOUBLE_EQ(resolution.all().average_seconds(), 91200);
    EXPECT_DOUBLE_EQ(resolution.by_priority(0).stats().median_seconds(), 7200);  // P1: 2 h, 48 h
    EXPECT_DOUBLE_EQ(resolution.by_priority(0).stats().p90_seconds(), 172800);
    EXPECT_DOUBLE_EQ(resolution.by_priority(1).stats().median_seconds(), 14400);  // P2: 4 h, 24 h
    EXPECT_DOUBLE_EQ(resolution.by_priority(2).stats().median_seconds(), 93600);  // P3: 26 h, 48 h
    EXPECT_EQ(resolution.waiting(), 4);  // opened in the range, not resolved: #4 #5 #11 #13

    // Per technician: tina's answered tickets opened in the range are #1 (10 min), #3 (120), #6 (5).
    auto tina = report("response_time", "technician=tina").response_time();
    EXPECT_EQ(tina.all().count(), 3);
    EXPECT_DOUBLE_EQ(tina.all().median_seconds(), 600);
    EXPECT_EQ(tina.waiting(), 1);  // #11
}

TEST_F(RelayReportsTest, sla_compliance_counts_resolved_tickets_under_a_policy) {
    // Resolved in the range with a policy: #1 met, #8 both missed, #2 resolution missed, #3 met, #7 met;
    // #6 has no policy.
    auto sla = report("sla").sla();
    EXPECT_EQ(sla.all().resolved(), 5);
    EXPECT_EQ(sla.all().met(), 3);
    EXPECT_EQ(sla.all().response_breached(), 1);
    EXPECT_EQ(sla.all().resolution_breached(), 2);
    EXPECT_DOUBLE_EQ(sla.all().compliance_percent(), 60);
    EXPECT_EQ(sla.without_policy(), 1);
    EXPECT_EQ(sla.open_breached(), 1);  // #4 missed its response target and is still open
    ASSERT_EQ(sla.by_priority_size(), 4);
    EXPECT_EQ(sla.by_priority(0).resolved(), 2);  // P1: #2 #7
    EXPECT_DOUBLE_EQ(sla.by_priority(0).compliance_percent(), 50);
    EXPECT_DOUBLE_EQ(sla.by_priority(1).compliance_percent(), 100);  // P2: #1
    EXPECT_EQ(sla.by_priority(2).response_breached(), 1);            // P3: #8 #3
    EXPECT_FALSE(sla.by_priority(3).has_compliance_percent());       // P4: none resolved
    EXPECT_EQ(sla.days(0).resolved(), 2);
    EXPECT_DOUBLE_EQ(sla.days(0).compliance_percent(), 50);
    EXPECT_DOUBLE_EQ(sla.days(2).compliance_percent(), 0);  // #2
    EXPECT_FALSE(sla.days(1).has_compliance_percent());
}

TEST_F(RelayReportsTest, escalations_per_group_and_rule) {
    // In the range: #2 desk tier1_open, #4 apps manual (the reason is not a rule), #4 apps
    // sla_breached:resolution, #7 desk tier1_open.
    auto e = report("escalations").escalations();
    EXPECT_EQ(e.escalations(), 4);
    EXPECT_EQ(e.tickets(), 3);
    ASSERT_EQ(e.by_group_size(), 2);
    EXPECT_EQ(e.by_group(0).name(), "apps");
    EXPECT_EQ(e.by_group(0).count(), 2);
    EXPECT_EQ(e.by_group(1).name(), "desk");
    ASSERT_EQ(e.by_rule_size(), 3);
    EXPECT_EQ(e.by_rule(0).name(), "tier1_open");
    EXPECT_EQ(e.by_rule(0).count(), 2);
    ASSERT_EQ(e.rows_size(), 3);
    EXPECT_EQ(e.rows(0).group(), "desk");
    EXPECT_EQ(e.rows(0).rule(), "tier1_open");
    EXPECT_EQ(e.rows(0).count(), 2);
    std::vector<int> days;
    for (const auto& d : e.days())
        days.push_back(d.count());
    EXPECT_EQ(days, (std::vector<int>{1, 1, 1, 0, 1, 0, 0}));

    auto apps = report("escalations", "group=apps").escalations();
    EXPECT_EQ(apps.escalations(), 2);
    EXPECT_EQ(apps.tickets(), 1);
}

TEST_F(RelayReportsTest, reopen_rate_per_technician) {
    // Opened in the range and resolved at least once: tina #1 #3 #6 (#3 reopened), tom #2 #7 #13 (#13
    // reopened and open now); #5 unassigned and never resolved.
    auto r = report("reopen_rate").reopen_rate();
    EXPECT_EQ(r.all().resolved(), 6);
    EXPECT_EQ(r.all().reopened(), 2);
    EXPECT_DOUBLE_EQ(r.all().reopen_rate_percent(), 33.33);
    ASSERT_EQ(r.by_technician_size(), 3);
    EXPECT_EQ(r.by_technician(0).technician(), "");
    EXPECT_FALSE(r.by_technician(0).has_reopen_rate_percent());
    EXPECT_EQ(r.by_technician(1).technician(), "tina");
    EXPECT_EQ(r.by_technician(1).resolved(), 3);
    EXPECT_EQ(r.by_technician(1).reopened(), 1);
    EXPECT_EQ(r.by_technician(2).technician(), "tom");
    EXPECT_DOUBLE_EQ(r.by_technician(2).reopen_rate_percent(), 33.33);
}

TEST_F(RelayReportsTest, sessions_per_ticket_and_minutes) {
    // tom: s-1 20 min and s-2 10 min on #2, s-4 45 min on #7; tina: s-5 30 min on #1, s-3 denied on #3.
    auto s = report("sessions").sessions();
    EXPECT_EQ(s.all().sessions(), 5);
    EXPECT_EQ(s.all().started(), 4);
    EXPECT_EQ(s.all().tickets(), 4);
    EXPECT_DOUBLE_EQ(s.all().sessions_per_ticket(), 1.25);
    EXPECT_DOUBLE_EQ(s.all().total_minutes(), 105);
    EXPECT_DOUBLE_EQ(s.all().median_minutes(), 20);  // 10 20 30 45: rank 2
    ASSERT_EQ(s.by_technician_size(), 2);
    EXPECT_EQ(s.by_technician(0).technician(), "tina");
    EXPECT_EQ(s.by_technician(0).sessions(), 2);
    EXPECT_EQ(s.by_technician(0).started(), 1);
    EXPECT_DOUBLE_EQ(s.by_technician(0).sessions_per_ticket(), 1);
    EXPECT_EQ(s.by_technician(1).technician(), "tom");
    EXPECT_DOUBLE_EQ(s.by_technician(1).sessions_per_ticket(), 1.5);
    EXPECT_DOUBLE_EQ(s.by_technician(1).total_minutes(), 75);
    EXPECT_DOUBLE_EQ(s.by_technician(1).median_minutes(), 20);
    EXPECT_EQ(s.days(0).sessions(), 2);  // s-1, s-5
    EXPECT_DOUBLE_EQ(s.days(0).minutes(), 50);

    // The technician filter is the session's technician; the category the ticket's.
    auto tina = report("sessions", "technician=tina").sessions();
    EXPECT_EQ(tina.all().sessions(), 2);
    EXPECT_EQ(tina.by_technician_size(), 1);
    auto network = report("sessions", "category=network").sessions();  // #2
    EXPECT_EQ(network.all().sessions(), 2);
    EXPECT_DOUBLE_EQ(network.all().total_minutes(), 30);
}

TEST_F(RelayReportsTest, satisfaction_average_distribution_and_latest_comments) {
    // Rated in the range: #8 4, #1 5, #2 2, #3 4 (no comment), #6 1, #7 3.
    auto s = report("satisfaction").satisfaction();
    EXPECT_EQ(s.ratings(), 6);
    EXPECT_DOUBLE_EQ(s.average(), 3.17);  // 19 / 6
    ASSERT_EQ(s.distribution_size(), 5);
    std::vector<int> counts;
    for (const auto& d : s.distribution())
        counts.push_back(d.count());
    EXPECT_EQ(counts, (std::vector<int>{1, 1, 1, 2, 1}));
    EXPECT_DOUBLE_EQ(s.distribution(3).percent(), 33.33);
    ASSERT_EQ(s.comments_size(), 5);
    EXPECT_EQ(s.comments(0).ticket_number(), "LL-000007");
    EXPECT_EQ(s.comments(0).comment(), "OK, I guess");
    EXPECT_EQ(s.comments(0).technician(), "tom");
    EXPECT_EQ(TimeUtil::ToString(s.comments(0).rated_at()), "2025-03-07T08:00:00Z");
    EXPECT_EQ(s.comments(4).ticket_number(), "LL-000008");
    EXPECT_EQ(s.days(0).ratings(), 1);
    EXPECT_DOUBLE_EQ(s.days(0).average(), 4);
    EXPECT_FALSE(s.days(6).has_average());

    auto two = report("satisfaction", "limit=2").satisfaction();
    ASSERT_EQ(two.comments_size(), 2);
    EXPECT_EQ(two.comments(1).ticket_number(), "LL-000006");
    EXPECT_EQ(two.ratings(), 6);
}

TEST_F(RelayReportsTest, top_categories_and_devices) {
    auto c = report("top_categories").top_categories();
    EXPECT_EQ(c.tickets(), 9);
    ASSERT_EQ(c.categories_size(), 4);
    EXPECT_EQ(c.categories(0).category(), "printing");  // #1 #3 #5 #11
    EXPECT_EQ(c.categories(0).tickets(), 4);
    EXPECT_DOUBLE_EQ(c.categories(0).percent(), 44.44);
    EXPECT_EQ(c.categories(0).open(), 2);            // #5 #11
    EXPECT_EQ(c.categories(1).category(), "email");  // #4 #13 (ties by name)
    EXPECT_EQ(c.categories(1).open(), 2);
    EXPECT_EQ(c.categories(2).category(), "network");
    EXPECT_EQ(c.categories(3).category(), "hardware");
    EXPECT_EQ(report("top_categories", "limit=1").top_categories().categories_size(), 1);

    auto d = report("top_devices").top_devices();
    EXPECT_EQ(d.tickets(), 7);
    ASSERT_EQ(d.devices_size(), 3);
    EXPECT_EQ(d.devices(0).device_id(), "d-0001");  // #1 #3 #5
    EXPECT_EQ(d.devices(0).hostname(), "pc-alpha");
    EXPECT_EQ(d.devices(0).group(), "office");
    EXPECT_EQ(d.devices(0).tickets(), 3);
    EXPECT_EQ(d.devices(0).open(), 1);
    EXPECT_EQ(d.devices(1).device_id(), "d-0002");  // #2 #7
    EXPECT_EQ(d.devices(2).device_id(), "d-0003");  // #6 #11

    auto printing = report("top_devices", "category=printing").top_devices();
    EXPECT_EQ(printing.tickets(), 4);
    ASSERT_EQ(printing.devices_size(), 2);
    EXPECT_EQ(printing.devices(1).tickets(), 1);  // d-0003: #11
}

TEST_F(RelayReportsTest, summary_has_each_headline_figure) {
    auto s = report("summary").summary();
    EXPECT_EQ(s.opened(), 9);
    EXPECT_EQ(s.resolved(), 6);
    EXPECT_EQ(s.backlog(), 5);
    EXPECT_DOUBLE_EQ(s.median_response_seconds(), 1200);
    EXPECT_DOUBLE_EQ(s.median_resolution_seconds(), 86400);
    EXPECT_DOUBLE_EQ(s.sla_compliance_percent(), 60);
    EXPECT_EQ(s.escalations(), 4);
    EXPECT_DOUBLE_EQ(s.reopen_rate_percent(), 33.33);
    EXPECT_EQ(s.sessions(), 5);
    EXPECT_DOUBLE_EQ(s.session_minutes(), 105);
    EXPECT_EQ(s.ratings(), 6);
    EXPECT_DOUBLE_EQ(s.satisfaction_average(), 3.17);

    // The desk group: opened #1 #2 #3 #5 #7 #11, resolved #1 #2 #3 #7.
    auto desk = report("summary", "group=desk").summary();
    EXPECT_EQ(desk.opened(), 6);
    EXPECT_EQ(desk.resolved(), 4);
    EXPECT_EQ(desk.backlog(), 3);  // #5 #9 #11
}

TEST_F(RelayReportsTest, days_follow_the_utc_offset_and_instants_cut_exactly) {
    // In UTC+01:00 the range is 1 March 23:00Z to 8 March 23:00Z: #11 (23:30Z on the 8th) falls out,
    // nothing else moves a day.
    auto local = report("tickets", "tz=%2B01:00").tickets();
    EXPECT_EQ(local.opened(), 8);
    ASSERT_EQ(local.days_size(), 7);
    EXPECT_EQ(local.days(6).opened(), 0);
    auto scope = report("tickets", "tz=%2B01:00").scope();
    EXPECT_EQ(TimeUtil::ToString(scope.from()), "2025-03-01T23:00:00Z");
    EXPECT_EQ(scope.utc_offset(), "+01:00");

    auto response = lena_->call("GET", "/api/v1/reports/tickets?from=2025-03-02T10:00:00Z&to=2025-03-03T09:00:00Z");
    ASSERT_EQ(response.status, 200u) << response.body;
    v1::Report exact;
    from_json(response.body, exact);
    EXPECT_EQ(exact.tickets().opened(), 2);  // #2 at 10:00 (from is included) and #3; not #1 at 09:00
    EXPECT_EQ(exact.scope().days(), 2);
}

TEST_F(RelayReportsTest, csv_by_accept_header_or_format_with_formulas_neutralised) {
    auto csv = raw("/api/v1/reports/tickets?from=2025-03-02&to=2025-03-08&format=csv");
    ASSERT_EQ(csv.status, 200u) << csv.body;
    EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
    EXPECT_EQ(csv.header("content-disposition"), "attachment; filename=\"tickets-2025-03-02-2025-03-08.csv\"");
    EXPECT_EQ(csv.body,
              "date,opened,resolved\r\n2025-03-02,2,2\r\n2025-03-03,2,0\r\n2025-03-04,1,1\r\n2025-03-05,1,1\r\n"
              "2025-03-06,1,2\r\n2025-03-07,1,0\r\n2025-03-08,1,0\r\n");

    auto devices = raw("/api/v1/reports/top_devices?from=2025-03-02&to=2025-03-08", "text/csv");
    ASSERT_EQ(devices.status, 200u) << devices.body;
    EXPECT_EQ(devices.header("content-type"), "text/csv; charset=utf-8");
    EXPECT_EQ(devices.body,
              "device_id,hostname,group,tickets,open\r\nd-0001,pc-alpha,office,3,1\r\n"
              "d-0002,pc-beta,office,2,0\r\nd-0003,'=cmd|calc,lab,2,1\r\n");

    auto comments = raw("/api/v1/reports/satisfaction?from=2025-03-02&to=2025-03-08&limit=2&format=csv");
    ASSERT_EQ(comments.status, 200u) << comments.body;
    EXPECT_EQ(comments.body,
              "ticket,rated_at,rating,technician,comment\r\n"
              "LL-000007,2025-03-07T08:00:00Z,3,tom,\"OK, I guess\"\r\n"
              "LL-000006,2025-03-06T15:00:00Z,1,tina,\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\"\r\n");

    auto response = raw("/api/v1/reports/response_time?from=2025-03-02&to=2025-03-08&format=csv");
    EXPECT_EQ(response.body,
              "priority,count,median_seconds,p90_seconds,average_seconds\r\nP1,2,900,1800,1350\r\n"
              "P2,2,300,600,450\r\nP3,3,3600,7200,4000\r\nP4,0,,,\r\nall,7,1200,7200,2228.571\r\n");

    // format=json wins over the Accept header.
    auto json = raw("/api/v1/reports/tickets?from=2025-03-02&to=2025-03-08&format=json", "text/csv");
    EXPECT_EQ(json.header("content-type"), "application/json");
}

TEST_F(RelayReportsTest, bad_parameters_are_400_naming_them_and_unknown_reports_404) {
    auto expect_400 = [&](const std::string& query, const std::string& names) {
        auto response = lena_->call("GET", "/api/v1/reports/tickets?" + query);
        EXPECT_EQ(response.status, 400u) << query << ": " << response.body;
        EXPECT_EQ(error_code(response), "invalid_argument") << query;
        EXPECT_NE(response.body.find(names), std::string::npos) << query << ": " << response.body;
    };
    expect_400("from=2025-02-30", "from must be a date");
    expect_400("to=tomorrow", "to must be a date");
    expect_400("from=2025-03-08&to=2025-03-02", "from must be before to");
    expect_400("from=2024-01-01&to=2025-03-01", "at most 366");
    expect_400("tz=Europe/Berlin", "tz must be a UTC offset");
    expect_400("limit=0", "limit must be a number from 1 to 100");
    expect_400("limit=101", "limit");
    expect_400("format=xml", "format must be json or csv");
    expect_400("group=", "group must not be empty");
    expect_400("technician=" + std::string(65, 'a'), "technician");
    expect_400("assignee=tina", "unknown query parameter 'assignee'");
    EXPECT_EQ(lena_->call("GET", "/api/v1/reports?from=2025-03-02").status, 400u);

    auto unknown = lena_->call("GET", "/api/v1/reports/nope");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(error_code(unknown), "not_found");
    EXPECT_NE(unknown.body.find("no report named 'nope'"), std::string::npos) << unknown.body;
}

TEST_F(RelayReportsTest, without_a_range_covers_the_last_30_days) {
    const auto before = std::chrono::system_clock::now();
    auto response = lena_->call("GET", "/api/v1/reports/tickets");
    const auto after = std::chrono::system_clock::now();
    ASSERT_EQ(response.status, 200u) << response.body;
    v1::Report r;
    from_json(response.body, r);
    auto tomorrow = [](std::chrono::system_clock::time_point t) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
        return (ms / kDay + 1) * kDay;
    };
    const auto to = TimeUtil::TimestampToMilliseconds(r.scope().to());
    EXPECT_TRUE(to == tomorrow(before) || to == tomorrow(after)) << TimeUtil::ToString(r.scope().to());
    EXPECT_EQ(to - TimeUtil::TimestampToMilliseconds(r.scope().from()), 30 * kDay);
    EXPECT_EQ(r.scope().days(), 30);
    EXPECT_EQ(r.tickets().days_size(), 30);
    EXPECT_EQ(r.tickets().opened(), 0);  // the data set is from March 2025
}

}  // namespace
}  // namespace lifeline::testing
