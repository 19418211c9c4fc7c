// The leads' reports as plain logic: the date range and the days it is cut into, percentiles and the
// other figures built from what the store read, the catalogue of reports and their CSV form. No I/O.
#pragma once

#include "reports.pb.h"
#include "shared/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::relay::helpdesk {

inline constexpr std::int64_t kDayMs = 86'400'000;
inline constexpr int kDefaultReportDays = 30;
inline constexpr int kMaxReportDays = 366;
inline constexpr int kMaxUtcOffsetMinutes = 14 * 60;

// The time a report covers, [from, to), and the fixed UTC offset its days are cut in (no zone
// database: libstdc++ 12 has none, as for the SLA calendar).
struct ReportPeriod {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    int utc_offset_minutes = 0;

    std::int64_t offset_ms() const { return std::int64_t{utc_offset_minutes} * 60'000; }
    // Local days since 1970-01-01 of the day holding `at_ms`.
    std::int64_t local_day(std::int64_t at_ms) const;
    // The days of the series: from the one holding `from` to the one holding the last instant before
    // `to`; the first and the last may be partial.
    int day_count() const;
    // The series index of the day holding `at_ms`; clamped to the series.
    int day_index(std::int64_t at_ms) const;
    std::string date(int index) const;  // YYYY-MM-DD
    // The end of the series' day `index` ([start, end)), never after `to`.
    std::int64_t day_end_ms(int index) const;
};

// The range of a report request. `from` and `to` are dates (YYYY-MM-DD: from the start of `from`'s
// day to the end of `to`'s, in `tz`) or RFC 3339 times (instants; `to` excluded). `tz` is a UTC
// offset: "Z", "+02:00", "-05:30" (default UTC). Without `to`: the end of today; without `from`:
// kDefaultReportDays before `to`. invalid_argument naming the parameter for a bad value, `from` not
// before `to`, a range over kMaxReportDays or a year outside 2000-9999. A blank stands for '+' (a
// query string's unencoded '+' arrives as one).
core::Result<ReportPeriod> parse_report_period(const std::optional<std::string>& from,
                                               const std::optional<std::string>& to,
                                               const std::optional<std::string>& tz, std::int64_t now_ms);

// Minutes east of UTC; invalid_argument for anything but Z, +HH:MM, -HH:MM or ±HH within ±14:00.
core::Result<int> parse_utc_offset(std::string_view text);
std::string format_utc_offset(int minutes);  // "+00:00", "-05:30"

// Days since 1970-01-01 of a YYYY-MM-DD date; nullopt unless well-formed and a real date.
std::optional<std::int64_t> parse_civil_date(std::string_view text);
std::string format_civil_date(std::int64_t days);

// The nearest-rank percentile: the smallest value with at least `percent` % of the values at or
// below it, i.e. the value at rank ceil(percent / 100 * n) of the sorted values. Always an
// observed value: the median of {1, 2, 3, 4} is 2, its p90 is 4. Reorders `values`; nullopt when empty.
std::optional<std::int64_t> nearest_rank(std::vector<std::int64_t>& values, int percent);

// Count, median, p90 and average of durations in milliseconds, as seconds.
v1::DurationStats duration_stats(std::vector<std::int64_t> durations_ms);

// `part` of `whole` in percent, to 0.01; nullopt when `whole` is 0.
std::optional<double> percent_of(std::int64_t part, std::int64_t whole);
double round_to(double value, int decimals);

// Every report, in the order GET /api/v1/reports lists them.
const v1::ReportList& report_catalog();
// nullptr for an unknown name.
const v1::ReportInfo* find_report(std::string_view name);

// One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
// Text starting with = + - @, a tab or a carriage return gets a leading ' so a spreadsheet shows it
// rather than running it as a formula.
std::string csv_text(std::string_view text);

// The report's table as CSV: the header of its ReportInfo, then its rows, CRLF line ends.
std::string report_csv(const v1::Report& report);

}  // namespace lifeline::relay::helpdesk
