// Routing, round-robin fairness, the escalation timer and the SLA record on a ticket, on explicit
// times with a controllable clock (2026-11-23 is a Monday).
#include "relay/helpdesk/assignment.hpp"
#include "relay/helpdesk/policy.hpp"
#include "relay/helpdesk/sla_tracking.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <map>

namespace lifeline::relay::helpdesk {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using google::protobuf::util::TimeUtil;

core::SystemTime at(year_month_day date, hours h, minutes m = 0min) {
    return core::SystemTime(sys_days(date).time_since_epoch()) + h + m;
}
constexpr year_month_day kMon = 2026y / November / 23;
constexpr year_month_day kTue = 2026y / November / 24;
constexpr year_month_day kFri = 2026y / November / 27;
constexpr year_month_day kNextMon = 2026y / November / 30;

google::protobuf::Timestamp stamp(core::SystemTime t) { return TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(t)); }
core::SystemTime time_of(const google::protobuf::Timestamp& t) {
    return core::from_unix_ms(TimeUtil::TimestampToMilliseconds(t));
}

HelpdeskPolicy office_policy() {
    HelpdeskPolicy policy = HelpdeskPolicy::defaults();
    v1::Category printing;
    printing.set_name("Printing");
    printing.set_group("office-it");
    policy.categories.push_back(printing);
    policy.rules.push_back({"vip", "", "", "", "Jane Doe", "vip-desk", v1::P2});
    policy.rules.push_back({"outage", "", "", "outage", "", "", v1::P1});
    policy.rules.push_back({"kiosks", "", "kiosk", "", "", "field", std::nullopt});
    policy.fallback_group = "service-desk";
    return policy;
}

v1::Ticket new_ticket(const HelpdeskPolicy& policy, v1::Priority priority, core::SystemTime created) {
    v1::Ticket t;
    t.set_number("LL-000001");
    t.set_status(v1::Ticket::NEW);
    t.set_priority(priority);
    t.set_tier(1);
    *t.mutable_created_at() = stamp(created);
    *t.mutable_routed_at() = stamp(created);
    start_sla(policy, t);
    v1::Ticket same = t;
    track(policy, same, t, {created, false, true});
    return t;
}

// Applies `change` at `now` the way the workflow does: the change, then track().
template <class F>
void change_at(const HelpdeskPolicy& policy, v1::Ticket& t, core::SystemTime now, F change, bool staff = false) {
    v1::Ticket before = t;
    change(t);
    track(policy, before, t, {now, staff, true});
}

TEST(Routing, the_category_names_the_group_and_the_first_matching_rule_wins) {
    auto policy = office_policy();
    auto by_category = route(policy, {"Paper jam", "printing", "", "Bob"});
    EXPECT_EQ(by_category.group, "office-it");
    EXPECT_EQ(by_category.rule, "category:Printing");
    EXPECT_FALSE(by_category.priority);

    auto vip = route(policy, {"Paper jam", "Printing", "", "jane doe"});
    EXPECT_EQ(vip.group, "vip-desk");
    EXPECT_EQ(vip.priority, v1::P2);
    EXPECT_EQ(vip.rule, "rule:vip");

    // A keyword is a whole word of the subject, and a rule may only raise the priority.
    auto outage = route(policy, {"Mail OUTAGE on floor 3", "", "", "Bob"});
    EXPECT_EQ(outage.priority, v1::P1);
    EXPECT_EQ(outage.group, "service-desk");  // no group from the rule or a category: the fallback
    EXPECT_EQ(route(policy, {"outages.log is big", "", "", "Bob"}).rule, "fallback");

    EXPECT_EQ(route(policy, {"Screen dark", "", "kiosk", "Bob"}).group, "field");
    policy.fallback_group.clear();
    EXPECT_EQ(route(policy, {"Anything", "", "", "Bob"}).group, "");
}

TEST(SlaPolicy, an_exact_category_wins_over_the_priority_catch_all) {
    auto policy = HelpdeskPolicy::defaults();
    policy.sla.push_back({v1::P3, "printing", 2h, 6h, true});
    EXPECT_EQ(find_sla_policy(policy, v1::P3, "Printing")->resolution, 6h);
    EXPECT_EQ(find_sla_policy(policy, v1::P3, "Network")->resolution, 30h);
    policy.sla.clear();
    EXPECT_EQ(find_sla_policy(policy, v1::P3, ""), nullptr);
}

TEST(RoundRobin, takes_turns_among_the_online_members_of_the_tier) {
    std::vector<AssignmentCandidate> members = {
        {"carol", 1, true, 0}, {"alice", 1, true, 0}, {"bob", 1, true, 0}, {"dave", 1, false, 0}, {"erin", 2, true, 0}};
    std::map<std::string, int> given;
    std::string last;
    for (int i = 0; i < 30; ++i) {
        auto who = choose_assignee(v1::Group::ROUND_ROBIN, 1, members, last);
        ASSERT_TRUE(who);
        ++given[*who];
        last = *who;
    }
    // Fair: ten each for the three online tier-1 members; nothing for the offline one or tier 2.
    EXPECT_EQ(given, (std::map<std::string, int>{{"alice", 10}, {"bob", 10}, {"carol", 10}}));
    EXPECT_EQ(choose_assignee(v1::Group::ROUND_ROBIN, 1, members, "bob"), "carol");
    EXPECT_EQ(choose_assignee(v1::Group::ROUND_ROBIN, 1, members, "carol"), "alice");  // wraps
    EXPECT_EQ(choose_assignee(v1::Group::ROUND_ROBIN, 3, members, ""), std::nullopt);
    EXPECT_EQ(choose_assignee(v1::Group::MANUAL, 1, members, ""), std::nullopt);
}

TEST(LeastLoaded, picks_the_fewest_open_tickets_and_breaks_ties_by_name) {
    std::vector<AssignmentCandidate> members = {
        {"alice", 1, true, 4}, {"bob", 1, true, 2}, {"carol", 1, true, 2}, {"dave", 1, false, 0}};
    EXPECT_EQ(choose_assignee(v1::Group::LEAST_LOADED, 1, members, ""), "bob");
}

TEST(SlaTracking, a_new_ticket_carries_both_due_times_and_the_first_attention) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P3, at(kMon, 9h));
    ASSERT_TRUE(t.has_sla());
    EXPECT_EQ(t.sla().policy(), "P3");
    EXPECT_EQ(t.sla().calendar(), "business");
    EXPECT_EQ(t.sla().response().state(), v1::SLA_OK);
    EXPECT_EQ(time_of(t.sla().response().due()), at(kMon, 13h));  // 4 working hours
    // 30 working hours: Monday 9 h, Tuesday and Wednesday 10 h each, then Thursday 08:00-09:00.
    EXPECT_EQ(time_of(t.sla().resolution().due()), at(2026y / November / 26, 9h));
    // First comes the escalation timer: 15 working minutes after routing.
    EXPECT_EQ(time_of(t.attention_at()), at(kMon, 9h, 15min));
}

TEST(SlaTracking, attention_moves_to_the_at_risk_instant_once_the_ticket_is_claimed_above_tier_1) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P3, at(kMon, 9h));
    change_at(
        policy, t, at(kMon, 9h, 5min),
        [](v1::Ticket& x) {
            x.set_tier(2);
            x.set_assignee("erin");
            x.set_status(v1::Ticket::OPEN);
        },
        true);
    // Claimed: the response target is met; the timer does not run at tier 2 with an assignee.
    EXPECT_EQ(t.sla().response().state(), v1::SLA_MET);
    EXPECT_EQ(time_of(t.first_response_at()), at(kMon, 9h, 5min));
    // 80 % of 30 h = 24 h of working time: Monday 9 h + Tuesday 10 h + Wednesday 5 h (13:00).
    EXPECT_EQ(time_of(t.attention_at()), at(2026y / November / 25, 13h));
}

TEST(SlaTracking, at_risk_then_breached_as_working_time_passes) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P2, at(kMon, 9h));  // response 1 h of business time
    change_at(policy, t, at(kMon, 9h, 49min), [](v1::Ticket&) {});
    EXPECT_EQ(t.sla().response().state(), v1::SLA_AT_RISK);
    v1::Ticket before = t;
    change_at(policy, t, at(kMon, 10h, 1min), [](v1::Ticket&) {});
    EXPECT_EQ(t.sla().response().state(), v1::SLA_BREACHED);
    auto moves = sla_transitions(before.sla(), t.sla());
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].target, "response");
    EXPECT_EQ(moves[0].from, v1::SLA_AT_RISK);
    EXPECT_EQ(moves[0].to, v1::SLA_BREACHED);
    EXPECT_EQ(overall_sla_state(t.sla()), v1::SLA_BREACHED);
    // A late answer does not undo the breach.
    change_at(
        policy, t, at(kMon, 11h), [](v1::Ticket& x) { x.set_status(v1::Ticket::OPEN); }, true);
    EXPECT_EQ(t.sla().response().state(), v1::SLA_BREACHED);
}

TEST(SlaTracking, the_clock_stands_still_while_the_ticket_waits_on_the_user) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P2, at(kMon, 9h));  // resolution 8 working hours
    change_at(
        policy, t, at(kMon, 10h), [](v1::Ticket& x) { x.set_status(v1::Ticket::PENDING); }, true);
    EXPECT_EQ(t.sla().resolution().state(), v1::SLA_PAUSED);
    EXPECT_FALSE(t.sla().resolution().has_due());
    // Pending until Friday: four days of waiting on the user do not count.
    change_at(policy, t, at(kFri, 10h), [](v1::Ticket& x) { x.set_status(v1::Ticket::OPEN); });
    EXPECT_EQ(t.sla().resolution().state(), v1::SLA_OK);
    EXPECT_EQ(t.sla().resolution().consumed_seconds(), 3600);
    EXPECT_EQ(time_of(t.sla().resolution().due()), at(kFri, 17h));  // the remaining 7 h
    ASSERT_EQ(t.sla().pauses_size(), 1);
    EXPECT_TRUE(t.sla().pauses(0).has_to());
}

TEST(SlaTracking, weekends_and_holidays_do_not_count) {
    auto policy = office_policy();
    policy.calendar.holidays.insert(sys_days(kNextMon));
    auto t = new_ticket(policy, v1::P2, at(kFri, 16h));  // 2 h on Friday, then Tuesday
    EXPECT_EQ(time_of(t.sla().resolution().due()), at(2026y / December / 1, 14h));
}

TEST(SlaTracking, p1_runs_around_the_clock) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P1, at(kFri, 23h));
    EXPECT_EQ(t.sla().calendar(), "always");
    EXPECT_EQ(time_of(t.sla().response().due()), at(kFri, 23h, 15min));
    EXPECT_EQ(time_of(t.sla().resolution().due()), at(2026y / November / 28, 3h));
}

TEST(SlaTracking, a_priority_change_mid_flight_applies_the_new_targets_from_the_same_start) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P4, at(kMon, 9h));
    EXPECT_EQ(time_of(t.sla().response().due()), at(kMon, 17h));
    change_at(policy, t, at(kMon, 9h, 30min), [](v1::Ticket& x) { x.set_priority(v1::P2); });
    EXPECT_EQ(t.sla().policy(), "P2");
    EXPECT_EQ(time_of(t.sla().response().due()), at(kMon, 10h));
    EXPECT_EQ(t.sla().response().state(), v1::SLA_OK);
    // Raised to P2 after 55 minutes: 92 % of the new target used, at risk at once.
    change_at(policy, t, at(kMon, 9h, 55min), [](v1::Ticket& x) { x.set_priority(v1::P2); });
    EXPECT_EQ(t.sla().response().state(), v1::SLA_AT_RISK);
}

TEST(SlaTracking, resolving_stops_the_clock_and_a_reopen_runs_it_on_without_the_resolved_span) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P2, at(kMon, 9h));
    change_at(
        policy, t, at(kMon, 11h),
        [](v1::Ticket& x) {
            x.set_status(v1::Ticket::RESOLVED);
            *x.mutable_resolved_at() = stamp(at(kMon, 11h));
        },
        true);
    EXPECT_EQ(t.sla().resolution().state(), v1::SLA_MET);
    EXPECT_FALSE(t.has_attention_at());
    change_at(policy, t, at(kTue, 9h), [](v1::Ticket& x) {
        x.set_status(v1::Ticket::OPEN);
        x.clear_resolved_at();
    });
    EXPECT_EQ(t.reopens(), 1);
    EXPECT_EQ(t.sla().resolution().state(), v1::SLA_OK);
    EXPECT_EQ(t.sla().resolution().consumed_seconds(), 2 * 3600);  // Monday 9-11 only
    EXPECT_EQ(time_of(t.sla().resolution().due()), at(kTue, 15h));
}

TEST(Escalation, the_timer_runs_for_unclaimed_and_tier_1_tickets_only) {
    auto policy = office_policy();
    auto t = new_ticket(policy, v1::P3, at(kMon, 17h, 50min));
    // 10 working minutes on Monday, 5 on Tuesday.
    EXPECT_EQ(escalation_due(policy, t), at(kTue, 8h, 5min));
    t.set_tier(2);
    t.set_assignee("erin");
    EXPECT_FALSE(escalation_timer_runs(policy, t));
    t.clear_assignee();
    EXPECT_TRUE(escalation_timer_runs(policy, t));
    t.set_status(v1::Ticket::PENDING);
    EXPECT_FALSE(escalation_timer_runs(policy, t));
    policy.escalate_after = 0s;
    t.set_status(v1::Ticket::OPEN);
    EXPECT_FALSE(escalation_timer_runs(policy, t));
}

TEST(Escalation, moves_to_the_next_staffed_tier_then_to_the_fallback_group) {
    v1::Ticket t;
    t.set_group("office-it");
    t.set_tier(1);
    auto next = next_escalation(t, {1, 1, 3}, "service-desk");  // nobody at tier 2
    ASSERT_TRUE(next);
    EXPECT_EQ(next->group, "office-it");
    EXPECT_EQ(next->tier, 3);
    t.set_tier(3);
    next = next_escalation(t, {1, 3}, "service-desk");
    ASSERT_TRUE(next);
    EXPECT_EQ(next->group, "service-desk");
    EXPECT_EQ(next->tier, 3);
    t.set_group("service-desk");
    EXPECT_FALSE(next_escalation(t, {1, 2, 3}, "service-desk"));
    t.set_group("office-it");
    EXPECT_FALSE(next_escalation(t, {1, 3}, ""));
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
