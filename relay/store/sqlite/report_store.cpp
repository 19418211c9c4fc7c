// The leads' reports in SQLite. Each query walks one of migration 10's covering indexes over the
// report's range (named with INDEXED BY, so no planner guess sends a report through the wide ticket
// rows) and the rows are tallied here: a GROUP BY on a day or a name sorts the range first, which
// measured 1.2 to 2.4 times slower than stepping through it once (lifeline-bench-reports, 365 days
// of 1,000,000 tickets: tickets 350 -> 282 ms, top_categories 300 -> 124 ms). Medians and p90 take
// the one duration column of the range and helpdesk::duration_stats picks the ranks with
// nth_element (linear): sorting in SQL for an OFFSET or a row_number() window took 1.2 to 1.5 s
// there, the whole response_time report 0.18 s (docs/performance.md).
#include "relay/store/sqlite/report_queries.hpp"

#include <algorithm>
#include <vector>

namespace lifeline::relay::store::sqlite {

using namespace report_sql;

namespace {

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
