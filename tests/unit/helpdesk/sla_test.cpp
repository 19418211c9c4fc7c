// The SLA clock over business hours, holidays and pauses, on explicit times (2026-11-23 is a Monday).
#include "relay/helpdesk/sla.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::helpdesk {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

core::SystemTime at(year_month_day date, hours h, minutes m = 0min) {
    return core::SystemTime(sys_days(date).time_since_epoch()) + h + m;
}
constexpr year_month_day kMon = 2026y / November / 23;
constexpr year_month_day kTue = 2026y / November / 24;
constexpr year_month_day kWed = 2026y / November / 25;
constexpr year_month_day kFri = 2026y / November / 27;
constexpr year_month_day kSat = 2026y / November / 28;
constexpr year_month_day kNextMon = 2026y / November / 30;

TEST(BusinessTime, counts_only_office_hours) {
    auto office = BusinessCalendar::office_hours();
    EXPECT_EQ(business_time_between(office, at(kMon, 9h), at(kMon, 11h)), 2h);
    EXPECT_EQ(business_time_between(office, at(kMon, 6h), at(kMon, 9h)), 1h);    // starts before opening
    EXPECT_EQ(business_time_between(office, at(kMon, 17h), at(kMon, 23h)), 1h);  // runs past closing
    EXPECT_EQ(business_time_between(office, at(kMon, 11h), at(kMon, 9h)), 0s);
}

TEST(BusinessTime, skips_weekends_and_holidays) {
    auto office = BusinessCalendar::office_hours();
    EXPECT_EQ(business_time_between(office, at(kFri, 17h), at(kNextMon, 9h)), 2h);
    office.holidays.insert(sys_days(kTue));
    EXPECT_EQ(business_time_between(office, at(kMon, 17h), at(kWed, 9h)), 2h);
}

TEST(BusinessTime, adding_time_lands_in_the_next_working_interval) {
    auto office = BusinessCalendar::office_hours();
    EXPECT_EQ(add_business_time(office, at(kMon, 9h), 10h), at(kTue, 9h));  // 9 h Monday, 1 h Tuesday
    EXPECT_EQ(add_business_time(office, at(kSat, 10h), 4h), at(kNextMon, 12h));
    EXPECT_EQ(add_business_time(office, at(kFri, 18h), 0s), at(kNextMon, 8h));
    office.holidays.insert(sys_days(kTue));
    EXPECT_EQ(add_business_time(office, at(kMon, 17h), 2h), at(kWed, 9h));
}

TEST(BusinessTime, follows_the_helpdesk_utc_offset) {
    auto berlin_winter = BusinessCalendar::office_hours(60min);  // 08:00 local is 07:00 UTC
    EXPECT_EQ(business_time_between(berlin_winter, at(kMon, 6h), at(kMon, 8h)), 1h);
    EXPECT_EQ(add_business_time(berlin_winter, at(kSat, 12h), 1h), at(kNextMon, 8h));
}

TEST(BusinessTime, a_24x7_calendar_counts_everything_and_an_empty_one_never_comes_due) {
    EXPECT_EQ(business_time_between(BusinessCalendar::always(), at(kSat, 0h), at(kNextMon, 0h)), 48h);
    BusinessCalendar closed;
    EXPECT_EQ(add_business_time(closed, at(kMon, 9h), 1h), core::SystemTime::max());
    EXPECT_EQ(business_time_between(closed, at(kMon, 0h), at(kNextMon, 0h)), 0s);
}

TEST(SlaClock, runs_ok_then_at_risk_at_80_percent_then_breached) {
    auto office = BusinessCalendar::office_hours();
    SlaClock clock{at(kMon, 9h), 4h, {}, std::nullopt};
    auto early = evaluate(office, clock, at(kMon, 10h));
    EXPECT_EQ(early.state, SlaState::ok);
    EXPECT_EQ(early.consumed, 1h);
    EXPECT_EQ(early.due, at(kMon, 13h));
    EXPECT_EQ(evaluate(office, clock, at(kMon, 12h, 11min)).state, SlaState::ok);
    EXPECT_EQ(evaluate(office, clock, at(kMon, 12h, 12min)).state, SlaState::at_risk);
    auto late = evaluate(office, clock, at(kMon, 14h));
    EXPECT_EQ(late.state, SlaState::breached);
    EXPECT_EQ(late.due, at(kMon, 13h));  // when it was due
}

TEST(SlaClock, stands_still_while_the_ticket_waits_on_the_user) {
    auto office = BusinessCalendar::office_hours();
    SlaClock clock{at(kMon, 9h), 4h, {{at(kMon, 10h), at(kMon, 14h)}}, std::nullopt};
    auto after = evaluate(office, clock, at(kMon, 15h));
    EXPECT_EQ(after.consumed, 2h);
    EXPECT_EQ(after.state, SlaState::ok);
    EXPECT_EQ(after.due, at(kMon, 17h));

    clock.pauses = {{at(kMon, 10h), std::nullopt}};  // still pending
    auto pending = evaluate(office, clock, at(kTue, 16h));
    EXPECT_EQ(pending.state, SlaState::paused);
    EXPECT_EQ(pending.consumed, 1h);
    EXPECT_FALSE(pending.due);
}

TEST(SlaClock, a_pause_over_the_weekend_costs_no_working_time_twice) {
    auto office = BusinessCalendar::office_hours();
    SlaClock clock{at(kFri, 16h), 4h, {{at(kFri, 17h), at(kNextMon, 10h)}}, std::nullopt};
    auto status = evaluate(office, clock, at(kNextMon, 11h));
    EXPECT_EQ(status.consumed, 2h);  // Fri 16-17 and Mon 10-11
    EXPECT_EQ(status.due, at(kNextMon, 13h));
}

TEST(SlaClock, a_met_target_stops_and_a_late_one_stays_breached) {
    auto office = BusinessCalendar::office_hours();
    SlaClock met{at(kMon, 9h), 4h, {}, at(kMon, 11h)};
    auto status = evaluate(office, met, at(kWed, 9h));
    EXPECT_EQ(status.state, SlaState::met);
    EXPECT_EQ(status.consumed, 2h);
    SlaClock late{at(kMon, 9h), 4h, {}, at(kMon, 15h)};
    EXPECT_EQ(evaluate(office, late, at(kWed, 9h)).state, SlaState::breached);
}

TEST(SlaClock, a_priority_change_mid_flight_recomputes_against_the_new_target) {
    auto office = BusinessCalendar::office_hours();
    SlaClock clock{at(kMon, 9h), 8h, {}, std::nullopt};
    EXPECT_EQ(evaluate(office, clock, at(kMon, 12h)).state, SlaState::ok);
    clock.target = 2h;  // raised from P3 to P1: the time already spent still counts
    auto raised = evaluate(office, clock, at(kMon, 12h));
    EXPECT_EQ(raised.state, SlaState::breached);
    EXPECT_EQ(raised.due, at(kMon, 11h));
    clock.target = 16h;  // lowered: more room
    auto lowered = evaluate(office, clock, at(kMon, 12h));
    EXPECT_EQ(lowered.state, SlaState::ok);
    EXPECT_EQ(lowered.due, at(kTue, 15h));  // 13 h left: 6 h Monday, then 08:00 + 7 h Tuesday
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
