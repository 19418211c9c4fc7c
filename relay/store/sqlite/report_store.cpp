// The leads' reports in SQLite. Each query walks one of migration 10's covering indexes over the
// report's range (named with INDEXED BY, so no planner guess sends a report through the wide ticket
// rows) and the rows are tallied here: a GROUP BY on a day or a name sorts the range first, which
// measured 1.2 to 2.4 times slower than stepping through it once (lifeline-bench-reports, 365 days
// of 1,000,000 tickets: tickets 350 -> 282 ms, top_categories 300 -> 124 ms). Medians and p90 take
// the one duration column of the range and helpdesk::duration_stats picks the ranks with
// nth_element (linear): sorting in SQL for an OFFSET or a row_number() window took 1.2 to 1.5 s
// there, the whole response_time report 0.18 s (docs/performance.md).
#include "relay/helpdesk/reports.hpp"
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace lifeline::relay::store::sqlite {

using google::protobuf::util::TimeUtil;
using helpdesk::ReportPeriod;

namespace {

constexpr std::array<v1::Priority, 4> kPriorities = {v1::P1, v1::P2, v1::P3, v1::P4};
constexpr std::size_t kMaxEscalationRows = 1000;  // group x rule pairs; rules are few, this is a guard

ReportPeriod period_of(const ReportFilter& f) { return {f.from_ms, f.to_ms, f.utc_offset_minutes}; }

// The filters on the ticket alias `t`, bound in this order after a statement's leading values.
std::string ticket_filters(const ReportFilter& f, bool with_technician = true) {
    std::string sql;
    if (f.group) sql += " AND t.grp = ?";
    if (with_technician && f.technician) sql += " AND t.assignee = ?";
    if (f.category) sql += " AND t.category = ?";
    return sql;
}

bool has_ticket_filters(const ReportFilter& f, bool with_technician = true) {
    return f.group || f.category || (with_technician && f.technician);
}

Statement query(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                const ReportFilter& f, bool with_technician = true) {
    Statement stmt = c.prepare(sql);
    int index = 1;
    for (auto value : values)
        stmt.bind(index++, value);
    if (f.group) stmt.bind(index++, *f.group);
    if (with_technician && f.technician) stmt.bind(index++, *f.technician);
    if (f.category) stmt.bind(index++, *f.category);
    return stmt;
}

std::int64_t count(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                   const ReportFilter& f) {
    auto stmt = query(c, sql, values, f);
    return stmt.step() ? stmt.column_int(0) : 0;
}

std::int32_t i32(std::int64_t value) { return static_cast<std::int32_t>(value); }

// Runs `work` over one read transaction: every query of a report sees the same data.
template <class F>
auto in_snapshot(Database& db, F work) {
    return db.read([&](Connection& c) {
        c.exec("BEGIN");
        struct End {
            Connection& c;
            ~End() {
                try {
                    c.exec("COMMIT");
                } catch (...) {
                    try {
                        c.exec("ROLLBACK");
                    } catch (...) {
                    }
                }
            }
        } end{c};
        return work(c);
    });
}

// Days of the period by a stored time: day(ms) is the series index, or -1 outside the series.
class DaySeries {
public:
    explicit DaySeries(const ReportFilter& f)
        : period_(period_of(f)), first_(period_.local_day(f.from_ms)), size_(period_.day_count()) {}
    int size() const { return size_; }
    int day(std::int64_t ms) const {
        const auto index = period_.local_day(ms) - first_;
        return index >= 0 && index < size_ ? static_cast<int>(index) : -1;
    }
    std::string date(int index) const { return period_.date(index); }

private:
    ReportPeriod period_;
    std::int64_t first_;
    int size_;
};

// Per day of the period: the tickets whose `column` falls on it.
std::vector<std::int64_t> per_day(Connection& c, const ReportFilter& f, std::string_view column,
                                  std::string_view index) {
    const DaySeries days(f);
    const std::string col = "t." + std::string(column);
    auto stmt = query(c,
                      "SELECT " + col + " FROM tickets t INDEXED BY " + std::string(index) + " WHERE " + col +
                          " >= ? AND " + col + " < ?" + ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    std::vector<std::int64_t> out(static_cast<std::size_t>(days.size()));
    while (stmt.step()) {
        if (int day = days.day(stmt.column_int(0)); day >= 0) ++out[static_cast<std::size_t>(day)];
    }
    return out;
}

std::vector<std::int64_t> opened_per_day(Connection& c, const ReportFilter& f) {
    return per_day(c, f, "created_at", "tickets_report_created");
}

std::vector<std::int64_t> resolved_per_day(Connection& c, const ReportFilter& f) {
    return per_day(c, f, "resolved_at", "tickets_report_resolved");
}

std::int64_t open_now(Connection& c, const ReportFilter& f) {
    return count(c,
                 "SELECT count(*) FROM tickets t INDEXED BY tickets_report_open WHERE t.status < 4" + ticket_filters(f),
                 {}, f);
}

std::int64_t opened_since(Connection& c, const ReportFilter& f, std::int64_t at_ms) {
    return count(
        c,
        "SELECT count(*) FROM tickets t INDEXED BY tickets_report_created WHERE t.created_at >= ?" + ticket_filters(f),
        {at_ms}, f);
}

std::int64_t resolved_since(Connection& c, const ReportFilter& f, std::int64_t at_ms) {
    return count(c,
                 "SELECT count(*) FROM tickets t INDEXED BY tickets_report_resolved WHERE t.resolved_at >= ?" +
                     ticket_filters(f),
                 {at_ms}, f);
}

// Tickets not resolved at `to`, counted back from now: open now, less those opened since, plus those
// resolved since. (A ticket resolved and reopened since counts as open throughout: resolved_at is
// cleared on reopen.) Walking back from the small set open now keeps the cost to the range and what
// came after it, where counting forward would read the whole history before `from`.
std::int64_t open_at_to(Connection& c, const ReportFilter& f) {
    return open_now(c, f) - opened_since(c, f, f.to_ms) + resolved_since(c, f, f.to_ms);
}

std::int64_t sum(const std::vector<std::int64_t>& values) {
    std::int64_t total = 0;
    for (auto v : values)
        total += v;
    return total;
}

v1::TicketsReport tickets_in(Connection& c, const ReportFilter& f) {
    const auto period = period_of(f);
    const auto opened = opened_per_day(c, f);
    const auto resolved = resolved_per_day(c, f);
    v1::TicketsReport report;
    for (int i = 0; i < period.day_count(); ++i) {
        auto* day = report.add_days();
        day->set_date(period.date(i));
        day->set_opened(i32(opened[static_cast<std::size_t>(i)]));
        day->set_resolved(i32(resolved[static_cast<std::size_t>(i)]));
    }
    report.set_opened(i32(sum(opened)));
    report.set_resolved(i32(sum(resolved)));
    return report;
}

v1::BacklogReport backlog_in(Connection& c, const ReportFilter& f) {
    const DaySeries days(f);
    const auto opened = opened_per_day(c, f);
    const auto resolved = resolved_per_day(c, f);
    v1::BacklogReport report;
    std::int64_t open = open_at_to(c, f) - sum(opened) + sum(resolved);  // at `from`: back through the range
    report.set_start(i32(open));
    for (int i = 0; i < days.size(); ++i) {
        const auto at = static_cast<std::size_t>(i);
        open += opened[at] - resolved[at];
        auto* day = report.add_days();
        day->set_date(days.date(i));
        day->set_open(i32(open));
        day->set_opened(i32(opened[at]));
        day->set_resolved(i32(resolved[at]));
    }
    report.set_end(i32(open));
    return report;
}

// Durations by priority and by day, then their statistics.
class Durations {
public:
    explicit Durations(const ReportFilter& f) : days_(f), by_day_(static_cast<std::size_t>(days_.size())) {}

    void add(std::int64_t priority, std::int64_t at_ms, std::int64_t ms) {
        ms = std::max<std::int64_t>(ms, 0);
        all_.push_back(ms);
        if (priority >= 1 && priority <= 4) by_priority_[static_cast<std::size_t>(priority - 1)].push_back(ms);
        if (int day = days_.day(at_ms); day >= 0) by_day_[static_cast<std::size_t>(day)].push_back(ms);
    }

    v1::DurationReport report() {
        v1::DurationReport out;
        *out.mutable_all() = helpdesk::duration_stats(std::move(all_));
        for (std::size_t i = 0; i < kPriorities.size(); ++i) {
            auto* row = out.add_by_priority();
            row->set_priority(kPriorities[i]);
            *row->mutable_stats() = helpdesk::duration_stats(std::move(by_priority_[i]));
        }
        for (std::size_t i = 0; i < by_day_.size(); ++i) {
            auto* day = out.add_days();
            day->set_date(days_.date(static_cast<int>(i)));
            *day->mutable_stats() = helpdesk::duration_stats(std::move(by_day_[i]));
        }
        return out;
    }

private:
    DaySeries days_;
    std::vector<std::int64_t> all_;
    std::array<std::vector<std::int64_t>, 4> by_priority_;
    std::vector<std::vector<std::int64_t>> by_day_;
};

v1::DurationReport response_time_in(Connection& c, const ReportFilter& f) {
    auto stmt = query(c,
                      "SELECT t.priority, t.created_at, t.first_response_at - t.created_at FROM tickets t INDEXED BY "
                      "tickets_report_created WHERE t.created_at >= ? AND t.created_at < ?" +
                          ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    Durations durations(f);
    std::int64_t waiting = 0;
    while (stmt.step()) {
        if (stmt.column_is_null(2)) {
            ++waiting;
        } else {
            durations.add(stmt.column_int(0), stmt.column_int(1), stmt.column_int(2));
        }
    }
    auto report = durations.report();
    report.set_waiting(i32(waiting));
    return report;
}

v1::DurationReport resolution_time_in(Connection& c, const ReportFilter& f) {
    auto stmt = query(c,
                      "SELECT t.priority, t.resolved_at, t.resolved_at - t.created_at FROM tickets t INDEXED BY "
                      "tickets_report_resolved WHERE t.resolved_at >= ? AND t.resolved_at < ?" +
                          ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    Durations durations(f);
    while (stmt.step())
        durations.add(stmt.column_int(0), stmt.column_int(1), stmt.column_int(2));
    auto report = durations.report();
    report.set_waiting(i32(count(c,
                                 "SELECT count(*) FROM tickets t INDEXED BY tickets_report_created WHERE t.created_at "
                                 ">= ? AND t.created_at < ? AND t.resolved_at IS NULL" +
                                     ticket_filters(f),
                                 {f.from_ms, f.to_ms}, f)));
    return report;
}

struct SlaCounts {
    std::int64_t resolved = 0, met = 0, response_breached = 0, resolution_breached = 0;

    void add(bool response_missed, bool resolution_missed) {
        ++resolved;
        if (!response_missed && !resolution_missed) ++met;
        if (response_missed) ++response_breached;
        if (resolution_missed) ++resolution_breached;
    }
    void fill(v1::SlaRow& row) const {
        row.set_resolved(i32(resolved));
        row.set_met(i32(met));
        row.set_response_breached(i32(response_breached));
        row.set_resolution_breached(i32(resolution_breached));
        if (auto share = helpdesk::percent_of(met, resolved)) row.set_compliance_percent(*share);
    }
};

v1::SlaReport sla_in(Connection& c, const ReportFilter& f) {
    const DaySeries days(f);
    auto stmt = query(c,
                      "SELECT t.resolved_at, t.priority, t.sla_state, t.response_breached, t.resolution_breached "
                      "FROM tickets t INDEXED BY tickets_report_resolved WHERE t.resolved_at >= ? AND "
                      "t.resolved_at < ?" +
                          ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    std::array<SlaCounts, 4> by_priority{};
    std::vector<SlaCounts> by_day(static_cast<std::size_t>(days.size()));
    SlaCounts all;
    std::int64_t without_policy = 0;
    while (stmt.step()) {
        if (stmt.column_int(2) == 0) {
            ++without_policy;
            continue;
        }
        const bool response_missed = stmt.column_int(3) != 0;
        const bool resolution_missed = stmt.column_int(4) != 0;
        all.add(response_missed, resolution_missed);
        const auto priority = stmt.column_int(1);
        if (priority >= 1 && priority <= 4) {
            by_priority[static_cast<std::size_t>(priority - 1)].add(response_missed, resolution_missed);
        }
        if (int day = days.day(stmt.column_int(0)); day >= 0) {
            by_day[static_cast<std::size_t>(day)].add(response_missed, resolution_missed);
        }
    }
    v1::SlaReport report;
    all.fill(*report.mutable_all());
    for (std::size_t i = 0; i < kPriorities.size(); ++i) {
        auto* row = report.add_by_priority();
        row->set_priority(kPriorities[i]);
        by_priority[i].fill(*row);
    }
    for (std::size_t i = 0; i < by_day.size(); ++i) {
        auto* day = report.add_days();
        day->set_date(days.date(static_cast<int>(i)));
        day->set_resolved(i32(by_day[i].resolved));
        day->set_met(i32(by_day[i].met));
        if (auto share = helpdesk::percent_of(by_day[i].met, by_day[i].resolved)) day->set_compliance_percent(*share);
    }
    report.set_without_policy(i32(without_policy));
    report.set_open_breached(i32(count(c,
                                       "SELECT count(*) FROM tickets t INDEXED BY tickets_report_open WHERE t.status "
                                       "< 4 AND (t.response_breached != 0 OR t.resolution_breached != 0)" +
                                           ticket_filters(f),
                                       {}, f)));
    return report;
}

// "desk/2" -> "desk".
std::string group_of(const std::string& group_tier) { return group_tier.substr(0, group_tier.find('/')); }

// Most first; ties in key order.
template <class Map>
std::vector<std::pair<typename Map::key_type, std::int64_t>> most_first(const Map& counts) {
    std::vector<std::pair<typename Map::key_type, std::int64_t>> out(counts.begin(), counts.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return out;
}

void add_named(google::protobuf::RepeatedPtrField<v1::NamedCount>& out,
               const std::map<std::string, std::int64_t>& counts) {
    for (const auto& [name, n] : most_first(counts)) {
        auto* row = out.Add();
        row->set_name(name);
        row->set_count(i32(n));
    }
}

// The "escalated" history entries of the range, with their ticket's filter columns from
// tickets_report_owner. CROSS JOIN keeps the entries' range as the outer loop, rather than walking
// a group's tickets and scanning the range for each.
std::string escalation_source(const ReportFilter& f) {
    return std::string(" FROM ticket_events e INDEXED BY ticket_events_escalated") +
           (has_ticket_filters(f) ? " CROSS JOIN tickets t INDEXED BY tickets_report_owner ON t.id = e.ticket_id"
                                  : "") +
           " WHERE e.action = 'escalated' AND e.at >= ? AND e.at < ?" + ticket_filters(f);
}

// The rule an "escalated" entry names (workflow/workflow_tickets.cpp writes "rule:NAME" or
// "manual: REASON"): reasons are free text, so every manual move counts as "manual".
std::string escalation_rule(std::string note) {
    if (note.rfind("manual", 0) == 0) return "manual";
    if (note.rfind("rule:", 0) == 0) return note.substr(5);
    return note;
}

v1::EscalationReport escalations_in(Connection& c, const ReportFilter& f) {
    const DaySeries days(f);
    auto stmt = query(c, "SELECT e.at, e.ticket_id, e.from_value, e.to_value, e.note" + escalation_source(f),
                      {f.from_ms, f.to_ms}, f);
    std::map<std::string, std::int64_t> by_group, by_target, by_rule;
    std::map<std::pair<std::string, std::string>, std::int64_t> rows;
    std::vector<std::int64_t> per_day(static_cast<std::size_t>(days.size()));
    std::unordered_set<std::int64_t> tickets;
    std::int64_t total = 0;
    while (stmt.step()) {
        ++total;
        if (int day = days.day(stmt.column_int(0)); day >= 0) ++per_day[static_cast<std::size_t>(day)];
        tickets.insert(stmt.column_int(1));
        auto group = group_of(stmt.column_text(2));
        auto rule = escalation_rule(stmt.column_text(4));
        ++by_group[group];
        ++by_target[group_of(stmt.column_text(3))];
        ++by_rule[rule];
        ++rows[{std::move(group), std::move(rule)}];
    }
    v1::EscalationReport report;
    report.set_escalations(i32(total));
    report.set_tickets(i32(static_cast<std::int64_t>(tickets.size())));
    add_named(*report.mutable_by_group(), by_group);
    add_named(*report.mutable_by_target(), by_target);
    add_named(*report.mutable_by_rule(), by_rule);
    for (const auto& [key, n] : most_first(rows)) {
        if (static_cast<std::size_t>(report.rows_size()) == kMaxEscalationRows) break;
        auto* row = report.add_rows();
        row->set_group(key.first);
        row->set_rule(key.second);
        row->set_count(i32(n));
    }
    for (std::size_t i = 0; i < per_day.size(); ++i) {
        auto* day = report.add_days();
        day->set_date(days.date(static_cast<int>(i)));
        day->set_count(i32(per_day[i]));
    }
    return report;
}

struct ReopenCounts {
    std::int64_t resolved = 0, reopened = 0, reopens = 0;

    void add(bool was_resolved, std::int64_t times) {
        if (was_resolved) ++resolved;
        if (times > 0) ++reopened;
        reopens += times;
    }
    void fill(v1::ReopenRow& row) const {
        row.set_resolved(i32(resolved));
        row.set_reopened(i32(reopened));
        row.set_reopens(i32(reopens));
        if (auto share = helpdesk::percent_of(reopened, resolved)) row.set_reopen_rate_percent(*share);
    }
};

v1::ReopenReport reopen_rate_in(Connection& c, const ReportFilter& f) {
    // Resolved at least once: resolved now, or reopened (resolved_at is cleared on reopen).
    auto stmt = query(c,
                      "SELECT coalesce(t.assignee, ''), t.resolved_at IS NOT NULL OR t.reopens > 0, t.reopens FROM "
                      "tickets t INDEXED BY tickets_report_created WHERE t.created_at >= ? AND t.created_at < ?" +
                          ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    std::map<std::string, ReopenCounts> by_technician;
    ReopenCounts all;
    while (stmt.step()) {
        const bool resolved = stmt.column_int(1) != 0;
        const auto reopens = stmt.column_int(2);
        by_technician[stmt.column_text(0)].add(resolved, reopens);
        all.add(resolved, reopens);
    }
    v1::ReopenReport report;
    for (const auto& [technician, counts] : by_technician) {
        auto* row = report.add_by_technician();
        row->set_technician(technician);
        counts.fill(*row);
    }
    all.fill(*report.mutable_all());
    return report;
}

struct SessionTally {
    std::int64_t sessions = 0, started = 0;
    std::unordered_set<std::int64_t> tickets;
    std::vector<std::int64_t> minutes_ms;

    void fill(v1::SessionRow& row) {
        row.set_sessions(i32(sessions));
        row.set_started(i32(started));
        row.set_tickets(i32(static_cast<std::int64_t>(tickets.size())));
        if (!tickets.empty()) {
            row.set_sessions_per_ticket(
                helpdesk::round_to(static_cast<double>(sessions) / static_cast<double>(tickets.size()), 2));
        }
        std::int64_t total_ms = 0;
        for (auto ms : minutes_ms)
            total_ms += ms;
        row.set_total_minutes(helpdesk::round_to(static_cast<double>(total_ms) / 60'000.0, 2));
        if (auto median = helpdesk::nearest_rank(minutes_ms, 50)) {
            row.set_median_minutes(helpdesk::round_to(static_cast<double>(*median) / 60'000.0, 2));
        }
    }
};

// The sessions requested in the range. The technician filter is the session's; group and category
// are its ticket's.
std::string session_source(const ReportFilter& f) {
    return std::string(" FROM sessions s INDEXED BY sessions_report") +
           (has_ticket_filters(f, false) ? " CROSS JOIN tickets t INDEXED BY tickets_report_owner ON t.id = s.ticket_id"
                                         : "") +
           " WHERE s.requested_at >= ? AND s.requested_at < ?" + ticket_filters(f, false) +
           (f.technician ? " AND s.technician = ?" : "");
}

Statement session_query(Connection& c, const std::string& columns, const ReportFilter& f) {
    auto stmt = query(c, "SELECT " + columns + session_source(f), {f.from_ms, f.to_ms}, f, false);
    if (f.technician) stmt.bind(3 + (f.group ? 1 : 0) + (f.category ? 1 : 0), *f.technician);
    return stmt;
}

v1::SessionReport sessions_in(Connection& c, const ReportFilter& f) {
    const DaySeries days(f);
    auto stmt = session_query(c, "s.technician, s.ticket_id, s.requested_at, s.started_at, s.ended_at", f);
    std::map<std::string, SessionTally> by_technician;
    SessionTally all;
    std::vector<std::pair<std::int64_t, std::int64_t>> per_day(static_cast<std::size_t>(days.size()));
    while (stmt.step()) {
        auto& tally = by_technician[stmt.column_text(0)];
        const auto ticket = stmt.column_int(1);
        const bool started = !stmt.column_is_null(3);
        const bool ended = started && !stmt.column_is_null(4);
        const auto ms = ended ? std::max<std::int64_t>(stmt.column_int(4) - stmt.column_int(3), 0) : 0;
        for (auto* t : {&tally, &all}) {
            ++t->sessions;
            t->tickets.insert(ticket);
            if (started) ++t->started;
            if (ended) t->minutes_ms.push_back(ms);
        }
        if (int day = days.day(stmt.column_int(2)); day >= 0) {
            ++per_day[static_cast<std::size_t>(day)].first;
            per_day[static_cast<std::size_t>(day)].second += ms;
        }
    }
    v1::SessionReport report;
    for (auto& [technician, tally] : by_technician) {
        auto* row = report.add_by_technician();
        row->set_technician(technician);
        tally.fill(*row);
    }
    all.fill(*report.mutable_all());
    for (std::size_t i = 0; i < per_day.size(); ++i) {
        auto* day = report.add_days();
        day->set_date(days.date(static_cast<int>(i)));
        day->set_sessions(i32(per_day[i].first));
        day->set_minutes(helpdesk::round_to(static_cast<double>(per_day[i].second) / 60'000.0, 2));
    }
    return report;
}

std::optional<double> average(std::int64_t total, std::int64_t n) {
    if (n == 0) return std::nullopt;
    return helpdesk::round_to(static_cast<double>(total) / static_cast<double>(n), 2);
}

v1::SatisfactionReport satisfaction_in(Connection& c, const ReportFilter& f) {
    const DaySeries days(f);
    auto stmt = query(c,
                      "SELECT t.satisfaction_at, t.satisfaction_rating FROM tickets t INDEXED BY tickets_report_rated "
                      "WHERE t.satisfaction_at >= ? AND t.satisfaction_at < ?" +
                          ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    std::array<std::int64_t, 5> distribution{};
    std::vector<std::pair<std::int64_t, std::int64_t>> per_day(static_cast<std::size_t>(days.size()));  // n, sum
    while (stmt.step()) {
        const auto rating = stmt.column_int(1);
        if (rating < 1 || rating > 5) continue;
        ++distribution[static_cast<std::size_t>(rating - 1)];
        if (int day = days.day(stmt.column_int(0)); day >= 0) {
            ++per_day[static_cast<std::size_t>(day)].first;
            per_day[static_cast<std::size_t>(day)].second += rating;
        }
    }
    v1::SatisfactionReport report;
    std::int64_t ratings = 0, total = 0;
    for (std::size_t i = 0; i < distribution.size(); ++i) {
        ratings += distribution[i];
        total += distribution[i] * static_cast<std::int64_t>(i + 1);
    }
    report.set_ratings(i32(ratings));
    if (auto mean = average(total, ratings)) report.set_average(*mean);
    for (std::size_t i = 0; i < distribution.size(); ++i) {
        auto* row = report.add_distribution();
        row->set_rating(static_cast<std::int32_t>(i + 1));
        row->set_count(i32(distribution[i]));
        row->set_percent(helpdesk::percent_of(distribution[i], ratings).value_or(0));
    }
    for (std::size_t i = 0; i < per_day.size(); ++i) {
        auto* day = report.add_days();
        day->set_date(days.date(static_cast<int>(i)));
        day->set_ratings(i32(per_day[i].first));
        if (auto mean = average(per_day[i].second, per_day[i].first)) day->set_average(*mean);
    }
    // Newest first through the index; only the rows read for the page leave it for the comment.
    auto comments =
        query(c,
              "SELECT t.id, t.satisfaction_rating, t.satisfaction_comment, t.satisfaction_at, "
              "coalesce(t.assignee, '') FROM tickets t INDEXED BY tickets_report_rated WHERE "
              "t.satisfaction_at >= ? AND t.satisfaction_at < ? AND t.satisfaction_comment != ''" +
                  ticket_filters(f) + " ORDER BY t.satisfaction_at DESC, t.id DESC LIMIT " + std::to_string(f.limit),
              {f.from_ms, f.to_ms}, f);
    while (comments.step()) {
        auto* comment = report.add_comments();
        comment->set_ticket_number(helpdesk::format_ticket_number(comments.column_int(0)));
        comment->set_rating(i32(comments.column_int(1)));
        comment->set_comment(comments.column_text(2));
        *comment->mutable_rated_at() = TimeUtil::MillisecondsToTimestamp(comments.column_int(3));
        comment->set_technician(comments.column_text(4));
    }
    return report;
}

struct OpenCount {
    std::int64_t tickets = 0, open = 0;
};

// Counts per `key` column of the tickets opened in the range, most first, and the total.
std::pair<std::vector<std::pair<std::string, OpenCount>>, std::int64_t> opened_by(Connection& c, const ReportFilter& f,
                                                                                  const std::string& key,
                                                                                  const std::string& extra) {
    auto stmt = query(c,
                      "SELECT " + key +
                          ", t.status < 4 FROM tickets t INDEXED BY tickets_report_created WHERE "
                          "t.created_at >= ? AND t.created_at < ?" +
                          extra + ticket_filters(f),
                      {f.from_ms, f.to_ms}, f);
    std::unordered_map<std::string, OpenCount> counts;
    std::int64_t total = 0;
    while (stmt.step()) {
        auto& n = counts[stmt.column_text(0)];
        ++n.tickets;
        n.open += stmt.column_int(1);
        ++total;
    }
    std::vector<std::pair<std::string, OpenCount>> rows(counts.begin(), counts.end());
    const auto top = std::min(rows.size(), static_cast<std::size_t>(f.limit));
    std::partial_sort(
        rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(top), rows.end(), [](const auto& a, const auto& b) {
            return a.second.tickets != b.second.tickets ? a.second.tickets > b.second.tickets : a.first < b.first;
        });
    rows.resize(top);
    return {std::move(rows), total};
}

v1::TopCategoriesReport top_categories_in(Connection& c, const ReportFilter& f) {
    auto [rows, total] = opened_by(c, f, "t.category", "");
    v1::TopCategoriesReport report;
    report.set_tickets(i32(total));
    for (const auto& [category, n] : rows) {
        auto* row = report.add_categories();
        row->set_category(category);
        row->set_tickets(i32(n.tickets));
        row->set_percent(helpdesk::percent_of(n.tickets, total).value_or(0));
        row->set_open(i32(n.open));
    }
    return report;
}

v1::TopDevicesReport top_devices_in(Connection& c, const ReportFilter& f) {
    auto [rows, total] = opened_by(c, f, "t.device_id", " AND t.device_id IS NOT NULL");
    v1::TopDevicesReport report;
    report.set_tickets(i32(total));
    auto device = c.prepare("SELECT hostname, grp FROM devices WHERE id = ?");
    for (const auto& [id, n] : rows) {
        auto* row = report.add_devices();
        row->set_device_id(id);
        row->set_tickets(i32(n.tickets));
        row->set_open(i32(n.open));
        device.bind(1, id);
        if (device.step()) {
            row->set_hostname(device.column_text(0));
            row->set_group(device.column_text(1));
        }
        device.reset();
    }
    return report;
}

// The headline figures, each as its report computes it, with one pass over each index range.
v1::SummaryReport summary_in(Connection& c, const ReportFilter& f) {
    v1::SummaryReport s;
    {
        auto stmt = query(c,
                          "SELECT t.first_response_at - t.created_at, t.resolved_at IS NOT NULL OR t.reopens > 0, "
                          "t.reopens FROM tickets t INDEXED BY tickets_report_created WHERE t.created_at >= ? AND "
                          "t.created_at < ?" +
                              ticket_filters(f),
                          {f.from_ms, f.to_ms}, f);
        std::int64_t opened = 0;
        std::vector<std::int64_t> response;
        ReopenCounts reopen;
        while (stmt.step()) {
            ++opened;
            if (!stmt.column_is_null(0)) response.push_back(std::max<std::int64_t>(stmt.column_int(0), 0));
            reopen.add(stmt.column_int(1) != 0, stmt.column_int(2));
        }
        s.set_opened(i32(opened));
        if (auto median = helpdesk::nearest_rank(response, 50)) {
            s.set_median_response_seconds(static_cast<double>(*median) / 1000.0);
        }
        if (auto share = helpdesk::percent_of(reopen.reopened, reopen.resolved)) s.set_reopen_rate_percent(*share);
    }
    {
        auto stmt = query(c,
                          "SELECT t.resolved_at - t.created_at, t.sla_state, t.response_breached, "
                          "t.resolution_breached FROM tickets t INDEXED BY tickets_report_resolved WHERE "
                          "t.resolved_at >= ? AND t.resolved_at < ?" +
                              ticket_filters(f),
                          {f.from_ms, f.to_ms}, f);
        std::vector<std::int64_t> resolution;
        SlaCounts sla;
        while (stmt.step()) {
            resolution.push_back(std::max<std::int64_t>(stmt.column_int(0), 0));
            if (stmt.column_int(1) != 0) sla.add(stmt.column_int(2) != 0, stmt.column_int(3) != 0);
        }
        s.set_resolved(i32(static_cast<std::int64_t>(resolution.size())));
        if (auto median = helpdesk::nearest_rank(resolution, 50)) {
            s.set_median_resolution_seconds(static_cast<double>(*median) / 1000.0);
        }
        if (auto share = helpdesk::percent_of(sla.met, sla.resolved)) s.set_sla_compliance_percent(*share);
    }
    s.set_backlog(i32(open_at_to(c, f)));
    s.set_escalations(i32(count(c, "SELECT count(*)" + escalation_source(f), {f.from_ms, f.to_ms}, f)));
    {
        auto stmt = session_query(c,
                                  "count(*), coalesce(sum(CASE WHEN s.started_at IS NOT NULL AND s.ended_at IS NOT "
                                  "NULL THEN max(s.ended_at - s.started_at, 0) ELSE 0 END), 0)",
                                  f);
        if (stmt.step()) {
            s.set_sessions(i32(stmt.column_int(0)));
            s.set_session_minutes(helpdesk::round_to(static_cast<double>(stmt.column_int(1)) / 60'000.0, 2));
        }
    }
    {
        auto stmt = query(c,
                          "SELECT count(*), coalesce(sum(t.satisfaction_rating), 0) FROM tickets t INDEXED BY "
                          "tickets_report_rated WHERE t.satisfaction_at >= ? AND t.satisfaction_at < ? AND "
                          "t.satisfaction_rating BETWEEN 1 AND 5" +
                              ticket_filters(f),
                          {f.from_ms, f.to_ms}, f);
        if (stmt.step()) {
            s.set_ratings(i32(stmt.column_int(0)));
            if (auto mean = average(stmt.column_int(1), stmt.column_int(0))) s.set_satisfaction_average(*mean);
        }
    }
    return s;
}

}  // namespace

v1::TicketsReport SqliteReportStore::tickets(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return tickets_in(c, f); });
}
v1::BacklogReport SqliteReportStore::backlog(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return backlog_in(c, f); });
}
v1::DurationReport SqliteReportStore::response_time(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return response_time_in(c, f); });
}
v1::DurationReport SqliteReportStore::resolution_time(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return resolution_time_in(c, f); });
}
v1::SlaReport SqliteReportStore::sla(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return sla_in(c, f); });
}
v1::EscalationReport SqliteReportStore::escalations(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return escalations_in(c, f); });
}
v1::ReopenReport SqliteReportStore::reopen_rate(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return reopen_rate_in(c, f); });
}
v1::SessionReport SqliteReportStore::sessions(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return sessions_in(c, f); });
}
v1::SatisfactionReport SqliteReportStore::satisfaction(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return satisfaction_in(c, f); });
}
v1::TopCategoriesReport SqliteReportStore::top_categories(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return top_categories_in(c, f); });
}
v1::TopDevicesReport SqliteReportStore::top_devices(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return top_devices_in(c, f); });
}
v1::SummaryReport SqliteReportStore::summary(const ReportFilter& f) {
    return in_snapshot(db_, [&](Connection& c) { return summary_in(c, f); });
}

}  // namespace lifeline::relay::store::sqlite
