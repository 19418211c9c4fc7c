// Report periods, percentiles and figures, and the catalogue of reports.
#include "relay/helpdesk/reports.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace lifeline::relay::helpdesk {

namespace {

using core::Errc;
using core::make_error;

constexpr std::int64_t kMinReportMs = 946'684'800'000;      // 2000-01-01T00:00:00Z
constexpr std::int64_t kMaxReportMs = 253'402'300'800'000;  // 10000-01-01T00:00:00Z

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int digits_value(std::string_view text) {
    int value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// A query string's '+' arrives as a blank; neither a date, a time nor an offset has blanks.
std::string plus_restored(std::string text) {
    std::replace(text.begin(), text.end(), ' ', '+');
    return text;
}

struct Bound {
    std::int64_t ms = 0;
    bool is_date = false;
};

core::Result<Bound> parse_bound(std::string_view name, const std::string& raw, int offset_minutes) {
    const std::string text = plus_restored(raw);
    if (auto days = parse_civil_date(text)) {
        return Bound{*days * kDayMs - std::int64_t{offset_minutes} * 60'000, true};
    }
    google::protobuf::Timestamp at;
    if (text.size() > 10 && google::protobuf::util::TimeUtil::FromString(text, &at)) {
        return Bound{google::protobuf::util::TimeUtil::TimestampToMilliseconds(at), false};
    }
    return make_error(Errc::invalid_argument, std::string(name) +
                                                  " must be a date (YYYY-MM-DD) or an RFC 3339 time "
                                                  "(2026-11-01T00:00:00Z)");
}

v1::ReportInfo info(std::string name, std::string title, std::string description,
                    std::initializer_list<const char*> columns) {
    v1::ReportInfo report;
    report.set_name(std::move(name));
    report.set_title(std::move(title));
    report.set_description(std::move(description));
    for (const char* column : columns)
        report.add_csv_columns(column);
    return report;
}

}  // namespace

std::int64_t ReportPeriod::local_day(std::int64_t at_ms) const { return floor_div(at_ms + offset_ms(), kDayMs); }

int ReportPeriod::day_count() const {
    if (to_ms <= from_ms) return 0;
    return static_cast<int>(local_day(to_ms - 1) - local_day(from_ms) + 1);
}

int ReportPeriod::day_index(std::int64_t at_ms) const {
    const auto index = local_day(at_ms) - local_day(from_ms);
    return static_cast<int>(std::clamp<std::int64_t>(index, 0, std::max(0, day_count() - 1)));
}

std::string ReportPeriod::date(int index) const { return format_civil_date(local_day(from_ms) + index); }

std::int64_t ReportPeriod::day_end_ms(int index) const {
    return std::min(to_ms, (local_day(from_ms) + index + 1) * kDayMs - offset_ms());
}

core::Result<int> parse_utc_offset(std::string_view raw) {
    const std::string text = plus_restored(std::string(raw));
    auto bad = [] {
        return make_error(Errc::invalid_argument, "tz must be a UTC offset: Z, +HH:MM or -HH:MM (at most 14:00)");
    };
    if (text == "Z" || text == "z" || text == "UTC") return 0;
    if (text.size() != 3 && text.size() != 6) return bad();
    if (text[0] != '+' && text[0] != '-') return bad();
    const std::string_view view(text);
    if (!all_digits(view.substr(1, 2))) return bad();
    int minutes = digits_value(view.substr(1, 2)) * 60;
    if (text.size() == 6) {
        if (text[3] != ':' || !all_digits(view.substr(4, 2))) return bad();
        const int extra = digits_value(view.substr(4, 2));
        if (extra > 59) return bad();
        minutes += extra;
    }
    if (minutes > kMaxUtcOffsetMinutes) return bad();
    return text[0] == '-' ? -minutes : minutes;
}

std::string format_utc_offset(int minutes) {
    const int magnitude = minutes < 0 ? -minutes : minutes;
    char out[16];
    std::snprintf(out, sizeof out, "%c%02d:%02d", minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    return out;
}

std::optional<std::int64_t> parse_civil_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (!all_digits(text.substr(0, 4)) || !all_digits(text.substr(5, 2)) || !all_digits(text.substr(8, 2))) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{digits_value(text.substr(0, 4))},
                                           std::chrono::month{static_cast<unsigned>(digits_value(text.substr(5, 2)))},
                                           std::chrono::day{static_cast<unsigned>(digits_value(text.substr(8, 2)))}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date}.time_since_epoch().count();
}

std::string format_civil_date(std::int64_t days) {
    const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()));
    return out;
}

core::Result<ReportPeriod> parse_report_period(const std::optional<std::string>& from,
                                               const std::optional<std::string>& to,
                                               const std::optional<std::string>& tz, std::int64_t now_ms) {
    ReportPeriod period;
    if (tz) {
        auto offset = parse_utc_offset(*tz);
        if (!offset) return offset.error();
        period.utc_offset_minutes = *offset;
    }
    if (to) {
        auto bound = parse_bound("to", *to, period.utc_offset_minutes);
        if (!bound) return bound.error();
        // A date names a day the range includes.
        period.to_ms = bound->is_date ? bound->ms + kDayMs : bound->ms;
    } else {
        period.to_ms = (period.local_day(now_ms) + 1) * kDayMs - period.offset_ms();
    }
    if (from) {
        auto bound = parse_bound("from", *from, period.utc_offset_minutes);
        if (!bound) return bound.error();
        period.from_ms = bound->ms;
    } else {
        period.from_ms = period.to_ms - kDefaultReportDays * kDayMs;
    }
    for (auto [name, ms] : {std::pair{"from", period.from_ms}, std::pair{"to", period.to_ms}}) {
        if (ms < kMinReportMs || ms > kMaxReportMs) {
            return make_error(Errc::invalid_argument, std::string(name) + " must be in the years 2000 to 9999");
        }
    }
    if (period.from_ms >= period.to_ms) return make_error(Errc::invalid_argument, "from must be before to");
    if (period.to_ms - period.from_ms > kMaxReportDays * kDayMs) {
        const auto days = (period.to_ms - period.from_ms + kDayMs - 1) / kDayMs;
        return make_error(Errc::invalid_argument, "from and to are " + std::to_string(days) +
                                                      " days apart; a report covers at most " +
                                                      std::to_string(kMaxReportDays));
    }
    return period;
}

std::optional<std::int64_t> nearest_rank(std::vector<std::int64_t>& values, int percent) {
    if (values.empty()) return std::nullopt;
    const auto n = static_cast<std::int64_t>(values.size());
    // ceil(percent * n / 100) in integers: no floating-point rank that lands a hair above an integer.
    const std::int64_t rank = std::clamp<std::int64_t>((std::int64_t{percent} * n + 99) / 100, 1, n);
    auto nth = values.begin() + (rank - 1);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
}

v1::DurationStats duration_stats(std::vector<std::int64_t> durations_ms) {
    v1::DurationStats stats;
    stats.set_count(static_cast<std::int32_t>(durations_ms.size()));
    if (durations_ms.empty()) return stats;
    long double sum = 0;
    for (auto ms : durations_ms)
        sum += static_cast<long double>(ms);
    stats.set_average_seconds(std::round(static_cast<double>(sum / static_cast<long double>(durations_ms.size()))) /
                              1000.0);
    stats.set_median_seconds(static_cast<double>(*nearest_rank(durations_ms, 50)) / 1000.0);
    stats.set_p90_seconds(static_cast<double>(*nearest_rank(durations_ms, 90)) / 1000.0);
    return stats;
}

double round_to(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

std::optional<double> percent_of(std::int64_t part, std::int64_t whole) {
    if (whole == 0) return std::nullopt;
    return round_to(100.0 * static_cast<double>(part) / static_cast<double>(whole), 2);
}

const v1::ReportList& report_catalog() {
    static const v1::ReportList catalog = [] {
        v1::ReportList list;
        auto add = [&](v1::ReportInfo report) { *list.add_reports() = std::move(report); };
        add(info("summary", "Summary", "The headline figure of each report.", {"metric", "value"}));
        add(info("tickets", "Tickets opened and resolved", "Tickets opened and resolved per day.",
                 {"date", "opened", "resolved"}));
        add(info("backlog", "Backlog", "Tickets not resolved at the end of each day.",
                 {"date", "open", "opened", "resolved"}));
        add(info("response_time", "First-response time",
                 "Creation to the first staff response of the tickets opened in the range: median, p90, per priority.",
                 {"priority", "count", "median_seconds", "p90_seconds", "average_seconds"}));
        add(info("resolution_time", "Resolution time",
                 "Creation to resolution of the tickets resolved in the range: median, p90, per priority.",
                 {"priority", "count", "median_seconds", "p90_seconds", "average_seconds"}));
        add(info("sla", "SLA compliance",
                 "Of the tickets resolved in the range under an SLA policy, the share with no target breached.",
                 {"priority", "resolved", "met", "response_breached", "resolution_breached", "compliance_percent"}));
        add(info("escalations", "Escalations", "Moves up a tier or to another group, per group and rule.",
                 {"group", "rule", "count"}));
        add(info("reopen_rate", "Reopen rate",
                 "Of the tickets opened in the range and resolved, the share reopened, per technician.",
                 {"technician", "resolved", "reopened", "reopens", "reopen_rate_percent"}));
        add(info("sessions", "Remote sessions", "Sessions per ticket and session minutes, per technician.",
                 {"technician", "sessions", "started", "tickets", "sessions_per_ticket", "total_minutes",
                  "median_minutes"}));
        add(info("satisfaction", "Customer satisfaction",
                 "Ratings given in the range: average, distribution and the latest comments.",
                 {"ticket", "rated_at", "rating", "technician", "comment"}));
        add(info("top_categories", "Top categories", "Categories of the tickets opened in the range, most first.",
                 {"category", "tickets", "percent", "open"}));
        add(info("top_devices", "Top devices", "Machines with the most tickets opened in the range.",
                 {"device_id", "hostname", "group", "tickets", "open"}));
        return list;
    }();
    return catalog;
}

const v1::ReportInfo* find_report(std::string_view name) {
    for (const auto& report : report_catalog().reports()) {
        if (report.name() == name) return &report;
    }
    return nullptr;
}

}  // namespace lifeline::relay::helpdesk
