// Inside the SQLite report store: the query helpers and tallies its reports share, and the reports, which
// report_ticket_flow.cpp (volumes, backlog, durations, SLA), report_breakdowns.cpp (escalations, reopens,
// sessions, satisfaction, top lists) and report_store.cpp (the summary, the store) hold.
#pragma once

#include "relay/helpdesk/reports.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

namespace lifeline::relay::store::sqlite::report_sql {

using helpdesk::ReportPeriod;

inline ReportPeriod period_of(const ReportFilter& f) { return {f.from_ms, f.to_ms, f.utc_offset_minutes}; }

// The filters on the ticket alias `t`, bound in this order after a statement's leading values.
std::string ticket_filters(const ReportFilter& f, bool with_technician = true);
bool has_ticket_filters(const ReportFilter& f, bool with_technician = true);
Statement query(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                const ReportFilter& f, bool with_technician = true);
std::int64_t count(Connection& c, const std::string& sql, std::initializer_list<std::int64_t> values,
                   const ReportFilter& f);

inline std::int32_t i32(std::int64_t value) { return static_cast<std::int32_t>(value); }
// Rounded to two places; nullopt for no values.
std::optional<double> average(std::int64_t total, std::int64_t n);

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

// Tickets not resolved at the range's end.
std::int64_t open_at_to(Connection& c, const ReportFilter& f);
// " FROM ... WHERE ..." of the range's escalation entries, bound like query(): from, to, then the filters.
std::string escalation_source(const ReportFilter& f);
// "SELECT columns FROM" the sessions requested in the range, with every filter bound.
Statement session_query(Connection& c, const std::string& columns, const ReportFilter& f);

v1::TicketsReport tickets_in(Connection& c, const ReportFilter& f);
v1::BacklogReport backlog_in(Connection& c, const ReportFilter& f);
v1::DurationReport response_time_in(Connection& c, const ReportFilter& f);
v1::DurationReport resolution_time_in(Connection& c, const ReportFilter& f);
v1::SlaReport sla_in(Connection& c, const ReportFilter& f);
v1::EscalationReport escalations_in(Connection& c, const ReportFilter& f);
v1::ReopenReport reopen_rate_in(Connection& c, const ReportFilter& f);
v1::SessionReport sessions_in(Connection& c, const ReportFilter& f);
v1::SatisfactionReport satisfaction_in(Connection& c, const ReportFilter& f);
v1::TopCategoriesReport top_categories_in(Connection& c, const ReportFilter& f);
v1::TopDevicesReport top_devices_in(Connection& c, const ReportFilter& f);

}  // namespace lifeline::relay::store::sqlite::report_sql
