// The ticket-flow reports: tickets opened and resolved per day, the backlog, response and resolution times, SLA.
#include "relay/store/sqlite/report_queries.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace lifeline::relay::store::sqlite::report_sql {

namespace {

constexpr std::array<v1::Priority, 4> kPriorities = {v1::P1, v1::P2, v1::P3, v1::P4};

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

std::int64_t sum(const std::vector<std::int64_t>& values) {
    std::int64_t total = 0;
    for (auto v : values)
        total += v;
    return total;
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

}  // namespace

// Tickets not resolved at `to`, counted back from now: open now, less those opened since, plus those
// resolved since. (A ticket resolved and reopened since counts as open throughout: resolved_at is
// cleared on reopen.) Walking back from the small set open now keeps the cost to the range and what
// came after it, where counting forward would read the whole history before `from`.
std::int64_t open_at_to(Connection& c, const ReportFilter& f) {
    return open_now(c, f) - opened_since(c, f, f.to_ms) + resolved_since(c, f, f.to_ms);
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

}  // namespace lifeline::relay::store::sqlite::report_sql
