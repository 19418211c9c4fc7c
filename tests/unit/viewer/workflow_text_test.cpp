// The helpdesk workflow's text and colours without a display, from a fixed clock: SLA due times and
// states, colours that keep their contrast, the ticket panel's SLA lines, the history's workflow
// entries, the groups a user works in and the next tier, and the queue's URL parameters.
#include "viewer/models/workflow_text.hpp"
#include "viewer/models/ticket_text.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace lifeline::viewer::models {
namespace {

using google::protobuf::util::TimeUtil;

constexpr qint64 kNow = 1'764'600'000;  // unix seconds: the fixed clock

v1::SlaTarget target(v1::SlaState state, std::optional<qint64> due_in, qint64 target_s = 8 * 3600,
                     qint64 consumed_s = 0) {
    v1::SlaTarget t;
    t.set_state(state);
    t.set_target_seconds(target_s);
    t.set_consumed_seconds(consumed_s);
    if (due_in) *t.mutable_due() = TimeUtil::SecondsToTimestamp(kNow + *due_in);
    return t;
}

v1::TicketEvent event(const std::string& action, const std::string& actor, const std::string& from,
                      const std::string& to, const std::string& note) {
    v1::TicketEvent e;
    e.set_action(action);
    e.set_actor(actor);
    e.set_from(from);
    e.set_to(to);
    e.set_note(note);
    return e;
}

TEST(WorkflowText, DueTimesSayHowLongIsLeftOrHowLateItIs) {
    EXPECT_EQ(sla_due_text(target(v1::SLA_OK, 2 * 3600 + 10 * 60), kNow), "due in 2 h 10 min");
    EXPECT_EQ(sla_due_text(target(v1::SLA_AT_RISK, 20 * 60 + 30), kNow), "at risk, due in 20 min");
    EXPECT_EQ(sla_due_text(target(v1::SLA_BREACHED, -35 * 60), kNow), "overdue 35 min");
    EXPECT_EQ(sla_due_text(target(v1::SLA_PAUSED, std::nullopt), kNow), "paused");
    EXPECT_EQ(sla_due_text(target(v1::SLA_MET, std::nullopt), kNow), "met");
    EXPECT_EQ(sla_due_text(target(v1::SLA_OK, 3 * 86400 + 4 * 3600), kNow), "due in 3 d 4 h");
    EXPECT_EQ(sla_due_text(target(v1::SLA_OK, 40), kNow), "due in < 1 min");
    EXPECT_EQ(sla_due_text(v1::SlaTarget{}, kNow), "") << "no target, no text";

    // The relay's sweep has not looked yet, but the due time has passed: breached already.
    const auto late = target(v1::SLA_AT_RISK, -5 * 60);
    EXPECT_EQ(sla_state_at(late, kNow), v1::SLA_BREACHED);
    EXPECT_EQ(sla_due_text(late, kNow), "overdue 5 min");
    EXPECT_EQ(sla_state_at(target(v1::SLA_OK, 60), kNow), v1::SLA_OK);
    EXPECT_EQ(sla_state_at(target(v1::SLA_MET, -60), kNow), v1::SLA_MET) << "a met target stays met";

    EXPECT_EQ(span_text(7200), "2 h");
    EXPECT_EQ(span_text(2 * 86400), "2 d");
    EXPECT_EQ(span_text(-10), "< 1 min");
}

TEST(WorkflowText, ColoursForAttentionKeepTextReadable) {
    const auto amber = sla_colours(v1::SLA_AT_RISK);
    const auto red = sla_colours(v1::SLA_BREACHED);
    ASSERT_TRUE(amber && red);
    EXPECT_NE(amber->background, red->background);
    EXPECT_GT(amber->background.red(), amber->background.blue()) << "amber";
    EXPECT_GT(red->background.red(), 2 * red->background.green()) << "red";
    for (auto state : {v1::SLA_OK, v1::SLA_PAUSED, v1::SLA_MET, v1::SLA_STATE_UNSPECIFIED})
        EXPECT_FALSE(sla_colours(state).has_value()) << state;
    for (const auto& colours : {*amber, *red, *priority_colours(v1::P1), *priority_colours(v1::P2)})
        EXPECT_GE(contrast_ratio(colours.foreground, colours.background), 4.5)
            << colours.background.name().toStdString();
    EXPECT_FALSE(priority_colours(v1::P3).has_value());
    EXPECT_NEAR(contrast_ratio(Qt::black, Qt::white), 21.0, 0.01);
    EXPECT_NEAR(contrast_ratio(Qt::red, Qt::red), 1.0, 0.01);
}

TEST(WorkflowText, TheTicketsSlaBlockNamesBothTargets) {
    v1::Ticket ticket;
    EXPECT_TRUE(sla_lines(ticket, kNow).empty());
    EXPECT_EQ(sla_policy_text(ticket.sla()), "");
    auto* sla = ticket.mutable_sla();
    sla->set_policy("P2/printing");
    sla->set_calendar("business");
    *sla->mutable_response() = target(v1::SLA_MET, std::nullopt, 3600, 12 * 60);
    *sla->mutable_resolution() = target(v1::SLA_AT_RISK, 20 * 60, 8 * 3600, 7 * 3600);
    auto lines = sla_lines(ticket, kNow);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].text, "Response: met after 12 min (target 1 h)");
    EXPECT_EQ(lines[0].state, v1::SLA_MET);
    EXPECT_EQ(lines[1].text, "Resolution: at risk, due in 20 min (target 8 h)");
    EXPECT_EQ(lines[1].state, v1::SLA_AT_RISK);
    EXPECT_EQ(sla_policy_text(*sla), "SLA P2/printing, business hours");

    *sla->mutable_resolution() = target(v1::SLA_PAUSED, std::nullopt, 8 * 3600, 5 * 3600 + 50 * 60);
    EXPECT_EQ(sla_lines(ticket, kNow)[1].text, "Resolution: paused, 2 h 10 min left (target 8 h)");
    *sla->mutable_response() = target(v1::SLA_BREACHED, -20, 10);
    EXPECT_EQ(sla_lines(ticket, kNow)[0].text, "Response: overdue < 1 min (target 10 s)");
    *sla->mutable_resolution() = target(v1::SLA_OK, 2 * 86400 + 16 * 3600, 30 * 3600);
    EXPECT_EQ(sla_lines(ticket, kNow)[1].text, "Resolution: due in 2 d 16 h (target 30 h)")
        << "working time in hours, the due moment in calendar days";
    *sla->mutable_resolution() = target(v1::SLA_OK, 200, 200);
    EXPECT_EQ(sla_lines(ticket, kNow)[1].text, "Resolution: due in 3 min (target 3 min 20 s)");
}

TEST(WorkflowText, TheQueuesSlaCellAddsALateReply) {
    v1::Ticket ticket;
    EXPECT_EQ(queue_sla_text(ticket, kNow), "");
    EXPECT_EQ(queue_sla_state(ticket, kNow), v1::SLA_STATE_UNSPECIFIED);
    *ticket.mutable_sla()->mutable_response() = target(v1::SLA_MET, std::nullopt);
    *ticket.mutable_sla()->mutable_resolution() = target(v1::SLA_OK, 7 * 3600 + 10 * 60);
    EXPECT_EQ(queue_sla_text(ticket, kNow), "due in 7 h 10 min");
    EXPECT_EQ(queue_sla_state(ticket, kNow), v1::SLA_OK);
    *ticket.mutable_sla()->mutable_response() = target(v1::SLA_BREACHED, -5 * 60, 3600);
    EXPECT_EQ(queue_sla_text(ticket, kNow), "due in 7 h 10 min · reply overdue 5 min");
    EXPECT_EQ(queue_sla_state(ticket, kNow), v1::SLA_BREACHED) << "the worse target colours the cell";
    *ticket.mutable_sla()->mutable_resolution() = target(v1::SLA_BREACHED, -60);
    EXPECT_EQ(queue_sla_text(ticket, kNow), "overdue 1 min") << "the reply is no worse: said once";
}

TEST(WorkflowText, HistoryEntriesOfTheWorkflowReadAsSentences) {
    auto text = [](const v1::TicketEvent& e) {
        auto row = workflow_event_text(e);
        return row ? (row->first + " | " + row->second).toStdString() : std::string("(none)");
    };
    EXPECT_EQ(text(event("escalated", "lena", "office-it/1", "office-it/2", "manual: needs a rollback")),
              "Escalation | Escalated office-it/1 → office-it/2 by lena: needs a rollback (manual)");
    EXPECT_EQ(text(event("escalated", "system", "office-it/1", "office-it/2", "rule:unclaimed")),
              "Escalation | Escalated office-it/1 → office-it/2: nobody claimed it in time (automatic)");
    EXPECT_EQ(text(event("escalated", "system", "network/1", "service-desk/2", "rule:sla_breached:response")),
              "Escalation | Escalated network/1 → service-desk/2: the response target was breached (automatic)");
    EXPECT_EQ(text(event("sla", "system", "ok", "at_risk", "resolution")), "SLA | Resolution target at risk");
    EXPECT_EQ(text(event("sla", "system", "at_risk", "breached", "response")), "SLA | Response target breached");
    EXPECT_EQ(text(event("group", "system", "", "office-it", "category:Printing")),
              "Group | Routed to office-it (category Printing)");
    EXPECT_EQ(text(event("group", "lena", "office-it", "network", "")),
              "Group | Moved from office-it to network by lena");
    EXPECT_EQ(text(event("satisfaction", "device:d-1", "", "4", "quick <b>and</b> kind")),
              "Rating | Rated 4 of 5: quick <b>and</b> kind");
    EXPECT_EQ(text(event("assignee", "system", "", "amy", "rule:round_robin")),
              "Assignee | Assigned to amy (round robin)");
    EXPECT_EQ(text(event("assignee", "lena", "amy", "tina", "")), "Assignee | Reassigned from amy to tina by lena");
    EXPECT_EQ(text(event("assignee", "lena", "amy", "", "escalated")), "Assignee | amy no longer holds it (escalated)");
    EXPECT_EQ(text(event("status", "tina", "NEW", "OPEN", "")), "(none)") << "the general form stays";

    v1::Timeline timeline;
    auto* entry = timeline.add_entries();
    entry->set_kind("event");
    *entry->mutable_event() = event("escalated", "lena", "office-it/1", "office-it/2", "manual: needs a rollback");
    auto* twice = timeline.add_entries();  // the history's note of a reply the timeline shows as a comment
    twice->set_kind("event");
    *twice->mutable_event() = event("public_reply", "tina", "", "", "");
    const auto rows = timeline_rows(timeline);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].kind, "Escalation");
    EXPECT_EQ(rows[0].text, "Escalated office-it/1 → office-it/2 by lena: needs a rollback (manual)");
}

TEST(WorkflowText, PlacesRatingsGroupsAndTheNextTier) {
    EXPECT_EQ(place_text("office-it", 2), "office-it/2");
    EXPECT_EQ(place_text("", 0), "no group, tier 1");
    v1::Satisfaction rating;
    rating.set_rating(4);
    rating.set_comment("fast");
    EXPECT_EQ(satisfaction_text(rating), "★★★★☆ 4 of 5: fast");

    HelpdeskDirectory directory;
    auto* office = directory.groups.add_groups();
    office->set_name("office-it");
    office->set_display_name("Office IT & print");
    for (auto [name, tier] : {std::pair{"tina", 1}, std::pair{"omar", 3}}) {
        auto* member = office->add_members();
        member->set_username(name);
        member->set_tier(tier);
    }
    auto* network = directory.groups.add_groups();
    network->set_name("network");
    network->add_members()->set_username("tina");
    network->mutable_members(0)->set_tier(1);
    EXPECT_EQ(directory.groups_of("tina"), (std::set<std::string>{"network", "office-it"}));
    EXPECT_EQ(directory.groups_of("omar"), (std::set<std::string>{"office-it"}));
    EXPECT_TRUE(directory.groups_of("nobody").empty());
    EXPECT_TRUE(directory.set_online("tina", true));
    EXPECT_TRUE(directory.groups.groups(0).members(0).online());
    EXPECT_TRUE(directory.groups.groups(1).members(0).online()) << "tina is online in both of her groups";
    EXPECT_FALSE(directory.groups.groups(0).members(1).online()) << "omar is not";
    EXPECT_FALSE(directory.set_online("nobody", true));
    EXPECT_TRUE(directory.set_online("tina", false));
    EXPECT_FALSE(directory.groups.groups(1).members(0).online());
    EXPECT_EQ(directory.group_label("office-it"), "Office IT & print (office-it)");
    EXPECT_EQ(directory.group_label("network"), "network");

    v1::Ticket ticket;
    ticket.set_group("office-it");
    ticket.set_tier(1);
    EXPECT_EQ(directory.next_tier(ticket), 3) << "tier 2 is not staffed: the relay goes to the next staffed one";
    ticket.set_tier(3);
    EXPECT_EQ(directory.next_tier(ticket), std::nullopt);
    ticket.set_group("network");
    ticket.set_tier(1);
    EXPECT_EQ(directory.next_tier(ticket), std::nullopt);
    ticket.set_group("elsewhere");
    EXPECT_EQ(directory.next_tier(ticket), std::nullopt);
}

TEST(WorkflowText, TheQueuesUrlParameters) {
    EXPECT_EQ(queue_query({}, {}, {}, 200, {}), "limit=200&status=new%2Copen%2Cpending%2Cresolved")
        << "open work: every status but closed";
    EXPECT_EQ(queue_query({v1::Ticket::CLOSED}, "Printing & scanning", {}, 50, "3.1700000000000.1699999999000.42"),
              "limit=50&status=closed&category=Printing%20%26%20scanning&cursor=3.1700000000000.1699999999000.42");
    EXPECT_EQ(queue_query({v1::Ticket::PENDING, v1::Ticket::NEW}, {}, {}, 10, {}), "limit=10&status=new%2Cpending");
    EXPECT_EQ(queue_query({v1::Ticket::OPEN}, {}, {v1::SLA_BREACHED, v1::SLA_AT_RISK}, 10, {}),
              "limit=10&status=open&sla=at_risk%2Cbreached")
        << "the relay's names for the states";
}

}  // namespace
}  // namespace lifeline::viewer::models
