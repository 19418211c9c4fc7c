// Each report's table as CSV: the columns of its catalogue entry, one row per day, priority,
// technician or item, numbers as JSON writes them and text neutralised for spreadsheets.
#include "relay/helpdesk/reports.hpp"

#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <stdexcept>
#include <variant>

namespace lifeline::relay::helpdesk {

namespace {

using google::protobuf::util::TimeUtil;

// A cell: text (quoted and neutralised), a count, a figure, or a figure that may be absent (empty).
using Cell = std::variant<std::string, std::int64_t, double, std::optional<double>>;

std::string number_text(double value) {
    char out[32];
    auto [end, ec] = std::to_chars(out, out + sizeof out, value);
    return ec == std::errc() ? std::string(out, end) : std::string();
}

class Table {
public:
    explicit Table(const v1::ReportInfo& info) {
        std::vector<Cell> header;
        for (const auto& column : info.csv_columns())
            header.emplace_back(column);
        columns_ = header.size();
        row(header);
    }

    void row(const std::vector<Cell>& cells) {
        if (cells.size() != columns_) throw std::logic_error("report CSV row does not match its columns");
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i > 0) out_ += ',';
            out_ += std::visit(
                [](const auto& cell) -> std::string {
                    using T = std::decay_t<decltype(cell)>;
                    if constexpr (std::is_same_v<T, std::string>) {
                        return csv_text(cell);
                    } else if constexpr (std::is_same_v<T, std::int64_t>) {
                        return std::to_string(cell);
                    } else if constexpr (std::is_same_v<T, double>) {
                        return number_text(cell);
                    } else {
                        return cell ? number_text(*cell) : std::string();
                    }
                },
                cells[i]);
        }
        out_ += "\r\n";
    }

    std::string take() { return std::move(out_); }

private:
    std::size_t columns_ = 0;
    std::string out_;
};

std::optional<double> opt(bool present, double value) { return present ? std::optional<double>(value) : std::nullopt; }

std::string priority_name(v1::Priority priority) {
    return priority == v1::PRIORITY_UNSPECIFIED ? "all" : v1::Priority_Name(priority);
}

std::vector<Cell> duration_row(const std::string& label, const v1::DurationStats& s) {
    return {label, std::int64_t{s.count()}, opt(s.has_median_seconds(), s.median_seconds()),
            opt(s.has_p90_seconds(), s.p90_seconds()), opt(s.has_average_seconds(), s.average_seconds())};
}

std::vector<Cell> sla_row(const v1::SlaRow& r) {
    return {priority_name(r.priority()),
            std::int64_t{r.resolved()},
            std::int64_t{r.met()},
            std::int64_t{r.response_breached()},
            std::int64_t{r.resolution_breached()},
            opt(r.has_compliance_percent(), r.compliance_percent())};
}

std::vector<Cell> reopen_row(const std::string& label, const v1::ReopenRow& r) {
    return {label, std::int64_t{r.resolved()}, std::int64_t{r.reopened()}, std::int64_t{r.reopens()},
            opt(r.has_reopen_rate_percent(), r.reopen_rate_percent())};
}

std::vector<Cell> session_row(const std::string& label, const v1::SessionRow& r) {
    return {label,
            std::int64_t{r.sessions()},
            std::int64_t{r.started()},
            std::int64_t{r.tickets()},
            opt(r.has_sessions_per_ticket(), r.sessions_per_ticket()),
            r.total_minutes(),
            opt(r.has_median_minutes(), r.median_minutes())};
}

// The total row of a per-technician table: usernames cannot hold parentheses.
constexpr const char* kAllTechnicians = "(all)";

void summary_rows(Table& table, const v1::SummaryReport& s) {
    table.row({std::string("opened"), std::int64_t{s.opened()}});
    table.row({std::string("resolved"), std::int64_t{s.resolved()}});
    table.row({std::string("backlog"), std::int64_t{s.backlog()}});
    table.row(
        {std::string("median_response_seconds"), opt(s.has_median_response_seconds(), s.median_response_seconds())});
    table.row({std::string("median_resolution_seconds"),
               opt(s.has_median_resolution_seconds(), s.median_resolution_seconds())});
    table.row({std::string("sla_compliance_percent"), opt(s.has_sla_compliance_percent(), s.sla_compliance_percent())});
    table.row({std::string("escalations"), std::int64_t{s.escalations()}});
    table.row({std::string("reopen_rate_percent"), opt(s.has_reopen_rate_percent(), s.reopen_rate_percent())});
    table.row({std::string("sessions"), std::int64_t{s.sessions()}});
    table.row({std::string("session_minutes"), s.session_minutes()});
    table.row({std::string("ratings"), std::int64_t{s.ratings()}});
    table.row({std::string("satisfaction_average"), opt(s.has_satisfaction_average(), s.satisfaction_average())});
}

}  // namespace

std::string csv_text(std::string_view text) {
    std::string value(text);
    if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                           value[0] == '\t' || value[0] == '\r')) {
        value.insert(value.begin(), '\'');
    }
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char ch : value) {
        if (ch == '"') quoted += '"';
        quoted += ch;
    }
    return quoted + "\"";
}

std::string report_csv(const v1::Report& report) {
    const v1::ReportInfo* info = find_report(report.name());
    if (!info) throw std::logic_error("no CSV form for report " + report.name());
    Table table(*info);
    switch (report.body_case()) {
        case v1::Report::kSummary: summary_rows(table, report.summary()); break;
        case v1::Report::kTickets:
            for (const auto& d : report.tickets().days())
                table.row({d.date(), std::int64_t{d.opened()}, std::int64_t{d.resolved()}});
            break;
        case v1::Report::kBacklog:
            for (const auto& d : report.backlog().days())
                table.row({d.date(), std::int64_t{d.open()}, std::int64_t{d.opened()}, std::int64_t{d.resolved()}});
            break;
        case v1::Report::kResponseTime:
        case v1::Report::kResolutionTime: {
            const auto& r = report.has_response_time() ? report.response_time() : report.resolution_time();
            for (const auto& p : r.by_priority())
                table.row(duration_row(priority_name(p.priority()), p.stats()));
            table.row(duration_row("all", r.all()));
            break;
        }
        case v1::Report::kSla:
            for (const auto& r : report.sla().by_priority())
                table.row(sla_row(r));
            table.row(sla_row(report.sla().all()));
            break;
        case v1::Report::kEscalations:
            for (const auto& r : report.escalations().rows())
                table.row({r.group(), r.rule(), std::int64_t{r.count()}});
            break;
        case v1::Report::kReopenRate:
            for (const auto& r : report.reopen_rate().by_technician())
                table.row(reopen_row(r.technician(), r));
            table.row(reopen_row(kAllTechnicians, report.reopen_rate().all()));
            break;
        case v1::Report::kSessions:
            for (const auto& r : report.sessions().by_technician())
                table.row(session_row(r.technician(), r));
            table.row(session_row(kAllTechnicians, report.sessions().all()));
            break;
        case v1::Report::kSatisfaction:
            for (const auto& c : report.satisfaction().comments())
                table.row({c.ticket_number(), TimeUtil::ToString(c.rated_at()), std::int64_t{c.rating()},
                           c.technician(), c.comment()});
            break;
        case v1::Report::kTopCategories:
            for (const auto& c : report.top_categories().categories())
                table.row({c.category(), std::int64_t{c.tickets()}, c.percent(), std::int64_t{c.open()}});
            break;
        case v1::Report::kTopDevices:
            for (const auto& d : report.top_devices().devices())
                table.row({d.device_id(), d.hostname(), d.group(), std::int64_t{d.tickets()}, std::int64_t{d.open()}});
            break;
        case v1::Report::BODY_NOT_SET: throw std::logic_error("report " + report.name() + " has no body");
    }
    return table.take();
}

}  // namespace lifeline::relay::helpdesk
