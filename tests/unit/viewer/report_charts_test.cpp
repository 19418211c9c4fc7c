// The lead dashboard's chart data: the reports' query for a range in the viewer's offset, a point per
// day with gaps where there is no value, bars per priority, rating and category, the headline texts.
#include "viewer/models/report_charts.hpp"

#include <gtest/gtest.h>

namespace lifeline::viewer::models {
namespace {

constexpr qint64 kNov23 = 1'795'392'000'000;  // 2026-11-23T00:00:00Z

TEST(ReportCharts, the_query_names_whole_days_ending_today_in_the_viewers_offset) {
    EXPECT_EQ(dashboard_query(30, "2026-11-23", 3600, ""), "from=2026-10-25&to=2026-11-23&tz=%2B01:00");
    EXPECT_EQ(dashboard_query(1, "2026-11-23", 0, "  "), "from=2026-11-23&to=2026-11-23&tz=%2B00:00");
    EXPECT_EQ(dashboard_query(7, "2026-03-02", -19800, "help desk&x=1"),
              "from=2026-02-24&to=2026-03-02&tz=-05:30&group=help%20desk%26x%3D1");
}

TEST(ReportCharts, days_are_points_at_their_date_and_missing_values_are_gaps) {
    EXPECT_EQ(date_ms("2026-11-23"), kNov23);
    EXPECT_EQ(date_ms("2026-11-31"), -1);
    EXPECT_EQ(date_ms(""), -1);

    v1::TicketsReport tickets;
    for (auto [date, opened, resolved] : {std::tuple{"2026-11-23", 3, 1}, std::tuple{"2026-11-24", 0, 2}}) {
        auto* day = tickets.add_days();
        day->set_date(date);
        day->set_opened(opened);
        day->set_resolved(resolved);
    }
    const auto lines = ticket_lines(tickets);
    ASSERT_EQ(lines.size(), 2);
    EXPECT_EQ(lines[0].name, "Opened");
    ASSERT_EQ(lines[0].points.size(), 2);
    EXPECT_EQ(lines[0].points[0], QPointF(static_cast<double>(kNov23), 3));
    EXPECT_EQ(lines[0].points[1], QPointF(static_cast<double>(kNov23 + 86'400'000), 0));
    EXPECT_EQ(lines[1].points[1].y(), 2);

    v1::SlaReport sla;
    sla.add_days()->set_date("2026-11-23");  // nothing resolved: no compliance
    auto* met = sla.add_days();
    met->set_date("2026-11-24");
    met->set_compliance_percent(87.5);
    const auto line = sla_line(sla);
    ASSERT_EQ(line.points.size(), 1);
    EXPECT_EQ(line.points[0].y(), 87.5);
}

TEST(ReportCharts, bars_per_priority_rating_and_category) {
    v1::DurationReport response, resolution;
    for (auto priority : {v1::P1, v1::P2}) {
        auto* r = response.add_by_priority();
        r->set_priority(priority);
        auto* s = resolution.add_by_priority();
        s->set_priority(priority);
    }
    response.mutable_by_priority(0)->mutable_stats()->set_median_seconds(1800);
    resolution.mutable_by_priority(0)->mutable_stats()->set_median_seconds(7200);
    const auto hours = median_hours(response, resolution);
    EXPECT_EQ(hours.categories, (QStringList{"P1", "P2"}));
    ASSERT_EQ(hours.sets.size(), 2);
    EXPECT_EQ(hours.sets[0].values, (QList<double>{0.5, 0}));  // P2 had none: a zero bar
    EXPECT_EQ(hours.sets[1].values, (QList<double>{2, 0}));

    v1::SatisfactionReport satisfaction;
    for (int rating = 1; rating <= 5; ++rating) {
        auto* d = satisfaction.add_distribution();
        d->set_rating(rating);
        d->set_count(rating * 2);
    }
    const auto ratings = rating_bars(satisfaction);
    EXPECT_EQ(ratings.categories.size(), 5);
    EXPECT_EQ(ratings.sets[0].values.back(), 10);

    v1::TopCategoriesReport categories;
    categories.add_categories()->set_category("printing");
    categories.mutable_categories(0)->set_tickets(7);
    categories.add_categories()->set_tickets(2);  // no category
    const auto bars = category_bars(categories);
    EXPECT_EQ(bars.categories, (QStringList{"printing", "(none)"}));
    EXPECT_EQ(bars.sets[0].values, (QList<double>{7, 2}));
}

TEST(ReportCharts, headline_texts) {
    EXPECT_EQ(duration_text(std::nullopt), QString::fromUtf8("–"));
    EXPECT_EQ(duration_text(45), "45 s");
    EXPECT_EQ(duration_text(1260), "21 min");
    EXPECT_EQ(duration_text(12600), "3.5 h");
    EXPECT_EQ(duration_text(183600), "2.1 d");

    v1::SummaryReport summary;
    summary.set_opened(60);
    summary.set_median_response_seconds(1200);
    summary.set_sla_compliance_percent(87.456);
    summary.set_sessions(3);
    summary.set_session_minutes(41.6);
    summary.set_ratings(28);
    summary.set_satisfaction_average(2.89);
    std::map<QString, QString> shown;
    for (const auto& [label, value] : headline(summary))
        shown[label] = value;
    EXPECT_EQ(shown["Opened"], "60");
    EXPECT_EQ(shown["Median first response"], "20 min");
    EXPECT_EQ(shown["Median resolution"], QString::fromUtf8("–"));
    EXPECT_EQ(shown["SLA compliance"], "87.5 %");
    EXPECT_EQ(shown["Reopen rate"], QString::fromUtf8("–"));
    EXPECT_EQ(shown["Remote sessions"], "3 (42 min)");
    EXPECT_EQ(shown["Satisfaction"], "2.89 / 5 (28)");
    EXPECT_EQ(shown.size(), 10u);
}

}  // namespace
}  // namespace lifeline::viewer::models
