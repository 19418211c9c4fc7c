// The reports' plain logic: ranges and their days in a UTC offset, nearest-rank percentiles, duration
// figures, the catalogue, and CSV that quotes properly and never hands a spreadsheet a formula.
#include "relay/helpdesk/reports.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::helpdesk {
namespace {

constexpr std::int64_t kHour = 3'600'000;

// 2026-11-23T00:00:00Z
constexpr std::int64_t kNov23 = 1'795'392'000'000;

ReportPeriod period(const char* from, const char* to, const char* tz = nullptr, std::int64_t now = kNov23) {
    auto p = parse_report_period(from ? std::optional<std::string>(from) : std::nullopt,
                                 to ? std::optional<std::string>(to) : std::nullopt,
                                 tz ? std::optional<std::string>(tz) : std::nullopt, now);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return p ? *p : ReportPeriod{};
}

std::string error_of(const char* from, const char* to, const char* tz = nullptr) {
    auto p = parse_report_period(from ? std::optional<std::string>(from) : std::nullopt,
                                 to ? std::optional<std::string>(to) : std::nullopt,
                                 tz ? std::optional<std::string>(tz) : std::nullopt, kNov23);
    EXPECT_FALSE(p);
    return p ? "" : p.error().message;
}

TEST(ReportPeriod, civil_dates_round_trip_and_refuse_what_is_not_a_day) {
    EXPECT_EQ(parse_civil_date("1970-01-01"), 0);
    EXPECT_EQ(parse_civil_date("2026-11-23"), kNov23 / kDayMs);
    EXPECT_EQ(format_civil_date(kNov23 / kDayMs), "2026-11-23");
    EXPECT_EQ(parse_civil_date("2024-02-29"), parse_civil_date("2024-02-28").value() + 1);
    EXPECT_EQ(format_civil_date(*parse_civil_date("2024-03-01") - 1), "2024-02-29");
    for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-11-31", "2026-1-01", "26-11-01",
                            "2026/11/01", "2026-11-0a", "", "2026-11-011"}) {
        EXPECT_FALSE(parse_civil_date(bad)) << bad;
    }
}

TEST(ReportPeriod, dates_cover_whole_days_and_the_to_day_is_included) {
    auto p = period("2026-11-01", "2026-11-30");
    EXPECT_EQ(p.from_ms, *parse_civil_date("2026-11-01") * kDayMs);
    EXPECT_EQ(p.to_ms, *parse_civil_date("2026-12-01") * kDayMs);
    EXPECT_EQ(p.day_count(), 30);
    EXPECT_EQ(p.date(0), "2026-11-01");
    EXPECT_EQ(p.date(29), "2026-11-30");
    EXPECT_EQ(p.day_end_ms(0), p.from_ms + kDayMs);
    EXPECT_EQ(p.day_end_ms(29), p.to_ms);

    auto one = period("2026-11-23", "2026-11-23");
    EXPECT_EQ(one.day_count(), 1);
    EXPECT_EQ(one.to_ms - one.from_ms, kDayMs);
}

TEST(ReportPeriod, days_are_cut_at_local_midnight_of_the_offset) {
    // Berlin in winter: the local 23rd runs from 22nd 23:00Z to 23rd 23:00Z.
    auto p = period("2026-11-23", "2026-11-24", "+01:00");
    EXPECT_EQ(p.from_ms, kNov23 - kHour);
    EXPECT_EQ(p.to_ms, kNov23 + 2 * kDayMs - kHour);
    EXPECT_EQ(p.day_count(), 2);
    EXPECT_EQ(p.day_index(kNov23 - kHour), 0);               // 00:00 local on the 23rd
    EXPECT_EQ(p.day_index(kNov23 + kDayMs - kHour - 1), 0);  // 23:59:59.999 local
    EXPECT_EQ(p.day_index(kNov23 + kDayMs - kHour), 1);
    EXPECT_EQ(p.date(1), "2026-11-24");

    // West of UTC, and an instant range that starts and ends mid-day: partial first and last days.
    auto west = period("2026-11-23T12:00:00Z", "2026-11-25T03:00:00Z", "-05:00");
    EXPECT_EQ(west.from_ms, kNov23 + 12 * kHour);
    EXPECT_EQ(west.date(0), "2026-11-23");  // 07:00 local
    EXPECT_EQ(west.day_count(), 2);         // ends 24th 22:00 local
    EXPECT_EQ(west.date(1), "2026-11-24");
    EXPECT_EQ(west.day_end_ms(0), kNov23 + kDayMs + 5 * kHour);
    EXPECT_EQ(west.day_end_ms(1), west.to_ms);
}

TEST(ReportPeriod, rfc3339_bounds_are_instants_and_to_is_excluded) {
    auto p = period("2026-11-23T08:30:00+02:00", "2026-11-23T10:00:00Z");
    EXPECT_EQ(p.from_ms, kNov23 + 6 * kHour + kHour / 2);
    EXPECT_EQ(p.to_ms, kNov23 + 10 * kHour);
    EXPECT_EQ(p.day_count(), 1);
    // An unencoded '+' in a query string arrives as a blank.
    EXPECT_EQ(period("2026-11-23T08:30:00 02:00", "2026-11-24").from_ms, p.from_ms);
    EXPECT_EQ(period("2026-11-23", "2026-11-24", " 01:00").utc_offset_minutes, 60);
}

TEST(ReportPeriod, defaults_to_the_last_30_days_ending_with_today) {
    const std::int64_t now = kNov23 + 15 * kHour;
    auto p = period(nullptr, nullptr, nullptr, now);
    EXPECT_EQ(p.to_ms, kNov23 + kDayMs);  // the end of today
    EXPECT_EQ(p.from_ms, p.to_ms - 30 * kDayMs);
    EXPECT_EQ(p.day_count(), 30);
    EXPECT_EQ(p.date(29), "2026-11-23");

    // Today in +10:00 is already the 24th.
    auto east = period(nullptr, nullptr, "+10:00", now);
    EXPECT_EQ(east.date(east.day_count() - 1), "2026-11-24");

    auto only_to = period(nullptr, "2026-10-31");
    EXPECT_EQ(only_to.day_count(), 30);
    EXPECT_EQ(only_to.date(0), "2026-10-02");
    auto only_from = period("2026-11-20", nullptr, nullptr, now);
    EXPECT_EQ(only_from.day_count(), 4);
}

TEST(ReportPeriod, bad_ranges_are_refused_naming_the_parameter) {
    EXPECT_NE(error_of("2026-11-31", nullptr).find("from must be a date"), std::string::npos);
    EXPECT_NE(error_of(nullptr, "yesterday").find("to must be a date"), std::string::npos);
    EXPECT_NE(error_of("2026-11-01T25:00:00Z", nullptr).find("from"), std::string::npos);
    EXPECT_NE(error_of("2026-11-10", "2026-11-01").find("from must be before to"), std::string::npos);
    EXPECT_NE(error_of("2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z").find("before"), std::string::npos);
    EXPECT_NE(error_of("2025-01-01", "2026-11-01").find("at most 366"), std::string::npos);
    EXPECT_NE(error_of("1999-12-31", "2000-01-05").find("from must be in the years 2000"), std::string::npos);
    EXPECT_NE(error_of("2026-11-01", "2026-11-02", "+15:00").find("tz"), std::string::npos);
    EXPECT_NE(error_of("2026-11-01", "2026-11-02", "Europe/Berlin").find("tz"), std::string::npos);
    // 366 days is the most, a leap year whole.
    EXPECT_EQ(period("2024-01-01", "2024-12-31").day_count(), 366);
}

TEST(ReportPeriod, utc_offsets_parse_and_print) {
    EXPECT_EQ(parse_utc_offset("Z").value(), 0);
    EXPECT_EQ(parse_utc_offset("+05:30").value(), 330);
    EXPECT_EQ(parse_utc_offset("-03").value(), -180);
    EXPECT_EQ(parse_utc_offset("+14:00").value(), 840);
    for (const char* bad : {"+14:01", "+5:30", "05:30", "+05:60", "+0530", "", "-"})
        EXPECT_FALSE(parse_utc_offset(bad)) << bad;
    EXPECT_EQ(format_utc_offset(0), "+00:00");
    EXPECT_EQ(format_utc_offset(-330), "-05:30");
    EXPECT_EQ(format_utc_offset(60), "+01:00");
}

TEST(Percentiles, nearest_rank_is_an_observed_value) {
    std::vector<std::int64_t> four{4, 1, 3, 2};
    EXPECT_EQ(nearest_rank(four, 50), 2);
    EXPECT_EQ(nearest_rank(four, 90), 4);
    std::vector<std::int64_t> ten{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    EXPECT_EQ(nearest_rank(ten, 50), 5);
    EXPECT_EQ(nearest_rank(ten, 90), 9);  // rank ceil(9.0) = 9, not 10
    EXPECT_EQ(nearest_rank(ten, 100), 10);
    std::vector<std::int64_t> eleven{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    EXPECT_EQ(nearest_rank(eleven, 50), 6);
    EXPECT_EQ(nearest_rank(eleven, 90), 10);  // rank ceil(9.9) = 10
    std::vector<std::int64_t> one{42};
    EXPECT_EQ(nearest_rank(one, 50), 42);
    EXPECT_EQ(nearest_rank(one, 90), 42);
    std::vector<std::int64_t> none;
    EXPECT_FALSE(nearest_rank(none, 50));
    // Many values: the rank comes from integers, so p90 of 1..30 is exactly the 27th.
    std::vector<std::int64_t> thirty;
    for (int i = 30; i >= 1; --i)
        thirty.push_back(i);
    EXPECT_EQ(nearest_rank(thirty, 90), 27);
}

TEST(Percentiles, duration_stats_are_in_seconds_and_absent_without_values) {
    auto stats = duration_stats({60'000, 1'500, 120'000, 30'000});
    EXPECT_EQ(stats.count(), 4);
    EXPECT_DOUBLE_EQ(stats.median_seconds(), 30.0);
    EXPECT_DOUBLE_EQ(stats.p90_seconds(), 120.0);
    EXPECT_DOUBLE_EQ(stats.average_seconds(), 52.875);
    auto empty = duration_stats({});
    EXPECT_EQ(empty.count(), 0);
    EXPECT_FALSE(empty.has_median_seconds());
    EXPECT_FALSE(empty.has_p90_seconds());
    EXPECT_FALSE(empty.has_average_seconds());
}

TEST(Percentiles, shares_round_to_hundredths_and_need_a_whole) {
    EXPECT_DOUBLE_EQ(percent_of(2, 3).value(), 66.67);
    EXPECT_DOUBLE_EQ(percent_of(1, 8).value(), 12.5);
    EXPECT_DOUBLE_EQ(percent_of(0, 5).value(), 0.0);
    EXPECT_FALSE(percent_of(0, 0));
}

TEST(ReportCatalog, lists_every_report_once_with_its_columns) {
    const auto& catalog = report_catalog();
    std::vector<std::string> names;
    for (const auto& r : catalog.reports()) {
        names.push_back(r.name());
        EXPECT_FALSE(r.title().empty()) << r.name();
        EXPECT_GE(r.csv_columns_size(), 2) << r.name();
        EXPECT_EQ(find_report(r.name()), &r);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"summary", "tickets", "backlog", "response_time", "resolution_time",
                                               "sla", "escalations", "reopen_rate", "sessions", "satisfaction",
                                               "top_categories", "top_devices"}));
    EXPECT_EQ(find_report("nope"), nullptr);
    EXPECT_EQ(find_report(""), nullptr);
}

TEST(ReportCsv, cells_are_quoted_and_formulas_neutralised) {
    EXPECT_EQ(csv_text("plain"), "plain");
    EXPECT_EQ(csv_text(""), "");
    EXPECT_EQ(csv_text("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csv_text("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csv_text("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
    EXPECT_EQ(csv_text("+1"), "'+1");
    EXPECT_EQ(csv_text("-2+3"), "'-2+3");
    EXPECT_EQ(csv_text("@SUM(A1)"), "'@SUM(A1)");
    EXPECT_EQ(csv_text("\tcmd"), "'\tcmd");
    EXPECT_EQ(csv_text("a=b"), "a=b");  // only a leading character starts a formula
    EXPECT_EQ(csv_text("Grüße"), "Grüße");
}

TEST(ReportCsv, each_report_is_its_table_with_the_catalogue_header) {
    v1::Report tickets;
    tickets.set_name("tickets");
    auto* day = tickets.mutable_tickets()->add_days();
    day->set_date("2026-11-01");
    day->set_opened(3);
    day->set_resolved(0);
    EXPECT_EQ(report_csv(tickets), "date,opened,resolved\r\n2026-11-01,3,0\r\n");

    v1::Report response;
    response.set_name("response_time");
    auto* p1 = response.mutable_response_time()->add_by_priority();
    p1->set_priority(v1::P1);
    p1->mutable_stats()->set_count(2);
    p1->mutable_stats()->set_median_seconds(90);
    p1->mutable_stats()->set_p90_seconds(1.5);
    p1->mutable_stats()->set_average_seconds(45.75);
    response.mutable_response_time()->mutable_all()->set_count(0);  // no median: empty cells
    EXPECT_EQ(report_csv(response),
              "priority,count,median_seconds,p90_seconds,average_seconds\r\nP1,2,90,1.5,45.75\r\nall,0,,,\r\n");

    v1::Report satisfaction;
    satisfaction.set_name("satisfaction");
    auto* comment = satisfaction.mutable_satisfaction()->add_comments();
    comment->set_ticket_number("LL-000007");
    comment->set_rating(1);
    comment->set_comment("=cmd|' /C calc'!A0, \"really\"");
    comment->set_technician("tina");
    comment->mutable_rated_at()->set_seconds(kNov23 / 1000);
    EXPECT_EQ(report_csv(satisfaction),
              "ticket,rated_at,rating,technician,comment\r\n"
              "LL-000007,2026-11-23T00:00:00Z,1,tina,\"'=cmd|' /C calc'!A0, \"\"really\"\"\"\r\n");

    v1::Report reopen;
    reopen.set_name("reopen_rate");
    auto* row = reopen.mutable_reopen_rate()->add_by_technician();
    row->set_technician("");
    row->set_resolved(3);
    row->set_reopened(1);
    row->set_reopens(2);
    row->set_reopen_rate_percent(33.33);
    reopen.mutable_reopen_rate()->mutable_all()->set_resolved(3);
    EXPECT_EQ(report_csv(reopen),
              "technician,resolved,reopened,reopens,reopen_rate_percent\r\n,3,1,2,33.33\r\n"
              "(all),3,0,0,\r\n");

    v1::Report summary;
    summary.set_name("summary");
    summary.mutable_summary()->set_opened(12);
    summary.mutable_summary()->set_sla_compliance_percent(87.5);
    const auto csv = report_csv(summary);
    EXPECT_EQ(csv.substr(0, csv.find("\r\nbacklog")), "metric,value\r\nopened,12\r\nresolved,0");
    EXPECT_NE(csv.find("\r\nsla_compliance_percent,87.5\r\n"), std::string::npos);
    EXPECT_NE(csv.find("\r\nmedian_response_seconds,\r\n"), std::string::npos);

    v1::Report unknown;
    unknown.set_name("nope");
    EXPECT_THROW(report_csv(unknown), std::logic_error);
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
