// The leads' reports' repository: read-only aggregates over tickets, their history, sessions and
// ratings. Calls block; the HTTP layer runs them off its I/O threads. Every call reads one
// snapshot of the database. Implementation: store/sqlite/report_store.cpp.
#pragma once

#include "reports.pb.h"

#include <cstdint>
#include <optional>
#include <string>

namespace lifeline::relay::store {

// What a report covers: [from_ms, to_ms) cut into days at a fixed UTC offset, and the tickets that
// count. The filters match a ticket's group, assignee and category as they are now; the sessions
// report's technician is the session's.
struct ReportFilter {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    int utc_offset_minutes = 0;
    std::optional<std::string> group;
    std::optional<std::string> technician;
    std::optional<std::string> category;
    int limit = 10;  // rows of the top lists, comments of the satisfaction report
};

class ReportStore {
public:
    virtual ~ReportStore() = default;

    virtual v1::TicketsReport tickets(const ReportFilter& filter) = 0;
    virtual v1::BacklogReport backlog(const ReportFilter& filter) = 0;
    virtual v1::DurationReport response_time(const ReportFilter& filter) = 0;
    virtual v1::DurationReport resolution_time(const ReportFilter& filter) = 0;
    virtual v1::SlaReport sla(const ReportFilter& filter) = 0;
    virtual v1::EscalationReport escalations(const ReportFilter& filter) = 0;
    virtual v1::ReopenReport reopen_rate(const ReportFilter& filter) = 0;
    virtual v1::SessionReport sessions(const ReportFilter& filter) = 0;
    virtual v1::SatisfactionReport satisfaction(const ReportFilter& filter) = 0;
    virtual v1::TopCategoriesReport top_categories(const ReportFilter& filter) = 0;
    virtual v1::TopDevicesReport top_devices(const ReportFilter& filter) = 0;
    virtual v1::SummaryReport summary(const ReportFilter& filter) = 0;
};

}  // namespace lifeline::relay::store
