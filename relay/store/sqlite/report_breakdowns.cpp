// The breakdown reports: escalations, reopens, remote sessions, satisfaction, the top categories and devices.
#include "relay/store/sqlite/report_queries.hpp"

#include "relay/helpdesk/ticket_rules.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace lifeline::relay::store::sqlite::report_sql {

using google::protobuf::util::TimeUtil;

namespace {

constexpr std::size_t kMaxEscalationRows = 1000;  // group x rule pairs; rules are few, this is a guard

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

// The rule an "escalated" entry names (workflow/workflow_tickets.cpp writes "rule:NAME" or
// "manual: REASON"): reasons are free text, so every manual move counts as "manual".
std::string escalation_rule(std::string note) {
    if (note.rfind("manual", 0) == 0) return "manual";
    if (note.rfind("rule:", 0) == 0) return note.substr(5);
    return note;
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

}  // namespace

// The "escalated" history entries of the range, with their ticket's filter columns from
// tickets_report_owner. CROSS JOIN keeps the entries' range as the outer loop, rather than walking
// a group's tickets and scanning the range for each.
std::string escalation_source(const ReportFilter& f) {
    return std::string(" FROM ticket_events e INDEXED BY ticket_events_escalated") +
           (has_ticket_filters(f) ? " CROSS JOIN tickets t INDEXED BY tickets_report_owner ON t.id = e.ticket_id"
                                  : "") +
           " WHERE e.action = 'escalated' AND e.at >= ? AND e.at < ?" + ticket_filters(f);
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

}  // namespace lifeline::relay::store::sqlite::report_sql
