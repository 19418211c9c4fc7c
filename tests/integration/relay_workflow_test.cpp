// The helpdesk workflow through the real relay: routing by category and rule, round-robin
// assignment among online technicians, manual and automatic escalation with the rule in the
// history and the audit log, the SLA clock on the ticket (at risk, breached, escalation on a
// breach), the queue's "my groups" and SLA filters, and the requester's rating.
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/ws_test_client.hpp"

#include "helpdesk.pb.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <optional>
#include <thread>

namespace lifeline::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "workflow-password-1";

// Around the clock, so the test does not depend on the weekday it runs on. ESCALATION is replaced by
// the fixture's escalation timer; P4 has SLA targets of seconds.
constexpr const char* kRules = R"toml(
ESCALATION
fallback_group = "service-desk"

[calendar]
monday = "00:00-24:00"
tuesday = "00:00-24:00"
wednesday = "00:00-24:00"
thursday = "00:00-24:00"
friday = "00:00-24:00"
saturday = "00:00-24:00"
sunday = "00:00-24:00"

[[category]]
name = "Printing"
group = "office-it"

[[category]]
name = "Network"
group = "network"

[[route]]
name = "vip"
requester = "Jane Doe"
group = "vip-desk"
priority = "P2"

[[sla]]
priority = "P1"
response_minutes = 15
resolution_minutes = 240
hours = "always"

[[sla]]
priority = "P2"
response_minutes = 60
resolution_minutes = 480

[[sla]]
priority = "P3"
response_minutes = 240
resolution_minutes = 1800

[[sla]]
priority = "P4"
response_seconds = 10
resolution_seconds = 3600
)toml";

template <class Message>
Message parsed(const net::HttpResponse& response, unsigned expected = 200) {
    EXPECT_EQ(response.status, expected) << response.body;
    Message message;
    if (response.status == expected) from_json(response.body, message);
    return message;
}

// Polls `condition` every 100 ms for at most `timeout`.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return condition();
}

class RelayWorkflowTest : public ::testing::Test {
protected:
    // An hour: long enough that the timer never interferes with a test that does not wait for it.
    virtual std::string escalation() const { return "escalate_after_minutes = 60"; }

    void SetUp() override {
        {
            std::string rules = kRules;
            rules.replace(rules.find("ESCALATION"), 10, escalation());
            std::ofstream(relay_.data_dir() + "/helpdesk.toml") << rules;
            std::ofstream(relay_.data_dir() + "/relay.toml") << "[helpdesk]\nsweep_interval = 1\n";
        }
        relay_.start();
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
        for (const auto& [name, tier] : {std::pair{"amy", 1}, {"ben", 1}, {"cat", 2}, {"dan", 1}}) {
            admin_->create_user(name, v1::TECHNICIAN, kPassword, tier);
        }
        admin_->create_user("lee", v1::LEAD, kPassword, 0);
        for (const char* name : {"amy", "ben", "cat", "dan", "lee"}) {
            auto& client = staff_.emplace(name, ApiClient(relay_.client())).first->second;
            client.login(name, kPassword);
        }
        group("office-it", v1::Group::ROUND_ROBIN, {{"amy", 1}, {"ben", 1}, {"cat", 2}});
        group("service-desk", v1::Group::MANUAL, {{"dan", 1}});
        group("network", v1::Group::MANUAL, {{"dan", 1}});
    }

    ApiClient& as(const std::string& name) { return staff_.at(name); }

    void group(const std::string& name, v1::Group::Assignment assignment,
               std::vector<std::pair<std::string, int>> members) {
        v1::CreateGroupRequest request;
        request.set_name(name);
        request.set_display_name(name + " team");
        request.set_lead("lee");
        request.set_assignment(assignment);
        parsed<v1::Group>(as("lee").call("POST", "/api/v1/groups", request), 201);
        for (const auto& [username, tier] : members) {
            v1::SetMemberRequest member;
            member.set_tier(tier);
            parsed<v1::Group>(as("lee").call("PUT", "/api/v1/groups/" + name + "/members/" + username, member));
        }
    }

    v1::Ticket open(const std::string& subject, const std::string& category, v1::Priority priority = v1::P3,
                    const std::string& requester = "Bob Example") {
        v1::CreateTicketRequest request;
        request.set_subject(subject);
        request.set_category(category);
        request.set_priority(priority);
        request.mutable_requester()->set_name(requester);
        return parsed<v1::Ticket>(as("lee").call("POST", "/api/v1/tickets", request), 201);
    }

    v1::Ticket get(const std::string& number) {
        return parsed<v1::Ticket>(as("lee").call("GET", "/api/v1/tickets/" + number));
    }

    std::vector<v1::TicketEvent> history(const std::string& number, const std::string& action) {
        auto all = parsed<v1::TicketHistory>(as("lee").call("GET", "/api/v1/tickets/" + number + "/history"));
        std::vector<v1::TicketEvent> out;
        for (const auto& e : all.events()) {
            if (e.action() == action) out.push_back(e);
        }
        return out;
    }

    // Holds the viewer open for `username`: a staff event stream, which is what "online" means.
    std::unique_ptr<WsTestClient> online(const std::string& username) {
        auto stream = std::make_unique<WsTestClient>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(stream->connect("/v1/events", "Bearer " + as(username).token()), 101u) << stream->refusal_body();
        EXPECT_TRUE(eventually([&] {
            auto g = parsed<v1::Group>(as("lee").call("GET", "/api/v1/groups/office-it"));
            for (const auto& m : g.members()) {
                if (m.username() == username) return m.online();
            }
            return true;  // not in that group: nothing to wait for
        }));
        return stream;
    }

    RelayProcess relay_;
    std::optional<ApiClient> admin_;
    std::map<std::string, ApiClient> staff_;
};

TEST_F(RelayWorkflowTest, categories_and_rules_route_new_tickets) {
    auto categories = parsed<v1::CategoryList>(as("amy").call("GET", "/api/v1/categories"));
    ASSERT_EQ(categories.categories_size(), 2);
    EXPECT_EQ(categories.categories(0).name(), "Printing");

    auto printing = open("Paper jam on floor 2", "printing");
    EXPECT_EQ(printing.category(), "Printing");  // the configured spelling
    EXPECT_EQ(printing.group(), "office-it");
    EXPECT_EQ(printing.tier(), 1);
    auto routed = history(printing.number(), "group");
    ASSERT_EQ(routed.size(), 1u);
    EXPECT_EQ(routed[0].to(), "office-it");
    EXPECT_EQ(routed[0].note(), "category:Printing");

    // The VIP rule names a group that does not exist as a team: the ticket still goes there, and
    // raises the priority from P3 to P2.
    auto vip = open("Laptop slow", "Network", v1::P3, "Jane Doe");
    EXPECT_EQ(vip.group(), "vip-desk");
    EXPECT_EQ(vip.priority(), v1::P2);
    EXPECT_EQ(history(vip.number(), "priority").at(0).note(), "rule:vip");
    EXPECT_EQ(vip.sla().policy(), "P2");

    // Without a category a ticket goes to the fallback group.
    EXPECT_EQ(open("Something odd", "").group(), "service-desk");

    v1::CreateTicketRequest unknown;
    unknown.set_subject("x");
    unknown.set_category("Plumbing");
    auto refused = as("lee").call("POST", "/api/v1/tickets", unknown);
    EXPECT_EQ(refused.status, 400u);
    EXPECT_EQ(error_code(refused), "invalid_argument");
}

TEST_F(RelayWorkflowTest, round_robin_shares_tickets_among_the_online_technicians_of_the_tier) {
    // Nobody online: the ticket waits in the group's queue.
    EXPECT_EQ(open("Toner low", "Printing").assignee(), "");
    auto amy = online("amy");
    // The others coming and going reach amy's stream: who is online is what her assign menu shows.
    auto next_presence = [&] {
        for (;;) {
            const std::string frame = amy->receive();
            if (v1::StaffEventExtra extra; extra.ParseFromString(frame) && extra.has_presence())
                return extra.presence();
        }
    };
    auto ben = online("ben");
    auto presence = next_presence();
    EXPECT_EQ(presence.username(), "ben");
    EXPECT_TRUE(presence.online());
    auto cat = online("cat");  // tier 2: never given a tier-1 ticket
    EXPECT_EQ(next_presence().username(), "cat");
    {
        // A second window of ben's: no news while the first is open, and closing it leaves him online.
        auto ben_again = online("ben");
        ben_again->close();
    }
    std::map<std::string, int> given;
    std::vector<std::string> order;
    for (int i = 0; i < 6; ++i) {
        auto t = open("Printer " + std::to_string(i), "Printing");
        ++given[t.assignee()];
        order.push_back(t.assignee());
        EXPECT_EQ(history(t.number(), "assignee").at(0).note(), "rule:round_robin");
    }
    EXPECT_EQ(given, (std::map<std::string, int>{{"amy", 3}, {"ben", 3}}));
    for (std::size_t i = 1; i < order.size(); ++i)
        EXPECT_NE(order[i], order[i - 1]) << "turns alternate";

    // Offline again: no more tickets for ben.
    ben->close();
    presence = next_presence();
    EXPECT_EQ(presence.username(), "ben") << "his second window opening and closing was no news";
    EXPECT_FALSE(presence.online());
    ASSERT_TRUE(eventually([&] {
        auto g = parsed<v1::Group>(as("lee").call("GET", "/api/v1/groups/office-it"));
        for (const auto& m : g.members())
            if (m.username() == "ben") return !m.online();
        return false;
    }));
    EXPECT_EQ(open("Printer 6", "Printing").assignee(), "amy");
    EXPECT_EQ(open("Printer 7", "Printing").assignee(), "amy");
}

TEST_F(RelayWorkflowTest, a_technician_escalates_to_the_next_tier_with_a_reason) {
    auto t = open("Driver crash", "Printing");
    ASSERT_EQ(as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/claim").status, 200u);

    v1::EscalateRequest request;
    request.set_reason("needs a driver rollback");
    // Not ben's ticket: only the assignee or a lead may hand it over.
    auto refused = as("ben").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", request);
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_EQ(as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", R"({"reason":" "})").status, 400u);

    auto moved = parsed<v1::Ticket>(as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", request));
    EXPECT_EQ(moved.tier(), 2);
    EXPECT_EQ(moved.group(), "office-it");
    EXPECT_EQ(moved.assignee(), "");  // cat is not online: tier 2 claims it from the queue
    EXPECT_EQ(moved.escalations(), 1);
    auto escalated = history(t.number(), "escalated");
    ASSERT_EQ(escalated.size(), 1u);
    EXPECT_EQ(escalated[0].from(), "office-it/1");
    EXPECT_EQ(escalated[0].to(), "office-it/2");
    EXPECT_EQ(escalated[0].note(), "manual: needs a driver rollback");
    EXPECT_EQ(escalated[0].actor(), "amy");

    auto audit = parsed<v1::AuditPage>(admin_->call("GET", "/api/v1/audit?action=ticket.escalated"));
    ASSERT_EQ(audit.entries_size(), 1);
    EXPECT_EQ(audit.entries(0).ticket_number(), t.number());

    // No tier above 2 is staffed in office-it: a lead names another group instead.
    auto stuck = as("lee").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", request);
    EXPECT_EQ(stuck.status, 409u) << stuck.body;
    request.set_group("network");
    auto handed = parsed<v1::Ticket>(as("lee").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", request));
    EXPECT_EQ(handed.group(), "network");
    request.set_group("no-such-group");
    EXPECT_EQ(as("lee").call("POST", "/api/v1/tickets/" + t.number() + "/escalate", request).status, 400u);
}

// Unclaimed tickets move on after 2 s here.
class RelayEscalationTimerTest : public RelayWorkflowTest {
protected:
    std::string escalation() const override { return "escalate_after_seconds = 2"; }
};

TEST_F(RelayEscalationTimerTest, an_unclaimed_ticket_moves_up_by_itself_and_then_to_the_fallback_group) {
    auto t = open("Scanner offline", "Printing");
    EXPECT_TRUE(t.has_attention_at());
    // 2 s unclaimed at tier 1 -> tier 2 (cat); 2 s more -> no tier 3 in office-it -> service-desk.
    ASSERT_TRUE(eventually([&] { return get(t.number()).group() == "service-desk"; }, 30s)) << relay_.log();
    auto moves = history(t.number(), "escalated");
    ASSERT_EQ(moves.size(), 2u);
    EXPECT_EQ(moves[0].to(), "office-it/2");
    EXPECT_EQ(moves[0].note(), "rule:unclaimed");
    EXPECT_EQ(moves[0].actor(), "system");
    EXPECT_EQ(moves[1].from(), "office-it/2");
    EXPECT_EQ(moves[1].to(), "service-desk/3");
    auto now = get(t.number());
    EXPECT_EQ(now.escalations(), 2);
    // Nowhere left to go: the sweep leaves it alone.
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(history(t.number(), "escalated").size(), 2u);

    // A claimed ticket above tier 1 stays put.
    auto claimed = open("Printer noisy", "Printing");
    ASSERT_EQ(as("cat")
                  .call("POST", "/api/v1/tickets/" + claimed.number() + "/escalate",
                        R"({"reason":"straight to second line"})")
                  .status,
              200u);
    ASSERT_EQ(as("cat").call("POST", "/api/v1/tickets/" + claimed.number() + "/claim").status, 200u);
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(get(claimed.number()).tier(), 2);
    EXPECT_EQ(get(claimed.number()).assignee(), "cat");
}

TEST_F(RelayWorkflowTest, the_sla_clock_warns_breaches_and_hands_the_ticket_up) {
    // P4 here: first response due in 10 s, at risk from 8 s.
    auto t = open("Mouse double-clicks", "Printing", v1::P4);
    ASSERT_TRUE(t.has_sla());
    EXPECT_EQ(t.sla().policy(), "P4");
    EXPECT_EQ(t.sla().response().state(), v1::SLA_OK);
    EXPECT_EQ(t.sla().response().target_seconds(), 10);
    ASSERT_TRUE(t.sla().response().has_due());
    ASSERT_TRUE(eventually([&] { return get(t.number()).sla().response().state() == v1::SLA_BREACHED; }, 30s))
        << relay_.log();
    auto sla = history(t.number(), "sla");
    ASSERT_GE(sla.size(), 2u);
    EXPECT_EQ(sla[0].to(), "at_risk");
    EXPECT_EQ(sla[0].note(), "response");
    EXPECT_EQ(sla.back().to(), "breached");
    bool breach_escalated = false;
    for (const auto& e : history(t.number(), "escalated")) {
        if (e.note() == "rule:sla_breached:response") breach_escalated = true;
    }
    EXPECT_TRUE(breach_escalated);

    auto breached = parsed<v1::TicketPage>(as("lee").call("GET", "/api/v1/tickets?sla=breached"));
    ASSERT_EQ(breached.tickets_size(), 1);
    EXPECT_EQ(breached.tickets(0).number(), t.number());
    EXPECT_EQ(as("lee").call("GET", "/api/v1/tickets?sla=late").status, 400u);

    // The first public reply answers the response target (late, so it stays breached), and is
    // the ticket's first response.
    v1::AddCommentRequest reply;
    reply.set_body("Looking into it.");
    ASSERT_EQ(as("dan").call("POST", "/api/v1/tickets/" + t.number() + "/comments", reply).status, 201u);
    auto answered = get(t.number());
    EXPECT_TRUE(answered.has_first_response_at());
    EXPECT_TRUE(answered.sla().response().has_met_at());
    EXPECT_EQ(answered.sla().response().state(), v1::SLA_BREACHED);
}

TEST_F(RelayWorkflowTest, the_queue_shows_my_groups_and_sorts_by_priority_then_due_time) {
    auto network = open("VPN drops", "Network", v1::P3);
    auto printing = open("Printer offline", "Printing", v1::P3);
    auto urgent = open("Printer on fire", "Printing", v1::P1);
    auto mine = parsed<v1::TicketPage>(as("amy").call("GET", "/api/v1/tickets?group=mine"));
    ASSERT_EQ(mine.tickets_size(), 2);
    EXPECT_EQ(mine.tickets(0).number(), urgent.number());
    EXPECT_EQ(mine.tickets(1).number(), printing.number());
    auto dans = parsed<v1::TicketPage>(as("dan").call("GET", "/api/v1/tickets?group=mine"));
    ASSERT_EQ(dans.tickets_size(), 1);
    EXPECT_EQ(dans.tickets(0).number(), network.number());

    // Paging keeps the order across pages.
    auto first = parsed<v1::TicketPage>(as("lee").call("GET", "/api/v1/tickets?limit=2"));
    ASSERT_EQ(first.tickets_size(), 2);
    ASSERT_FALSE(first.next_cursor().empty());
    auto second =
        parsed<v1::TicketPage>(as("lee").call("GET", "/api/v1/tickets?limit=2&cursor=" + first.next_cursor()));
    ASSERT_EQ(second.tickets_size(), 1);
    EXPECT_EQ(first.tickets(0).number(), urgent.number());
    EXPECT_EQ(second.tickets(0).number(), printing.number());
}

TEST_F(RelayWorkflowTest, a_resolved_ticket_takes_the_requesters_rating) {
    auto t = open("Monitor flickers", "Printing");
    v1::SatisfactionRequest rating;
    rating.set_rating(4);
    rating.set_comment("Quick and friendly.");
    auto early = as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/satisfaction", rating);
    EXPECT_EQ(early.status, 409u) << early.body;

    v1::ChangeStatusRequest resolve;
    resolve.set_status(v1::Ticket::RESOLVED);
    resolve.set_note("Replaced the cable.");
    ASSERT_EQ(as("lee").call("POST", "/api/v1/tickets/" + t.number() + "/status", resolve).status, 200u);
    auto rated = parsed<v1::Ticket>(as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/satisfaction", rating));
    EXPECT_EQ(rated.satisfaction().rating(), 4);
    EXPECT_EQ(rated.satisfaction().comment(), "Quick and friendly.");
    EXPECT_EQ(get(t.number()).satisfaction().rating(), 4);
    EXPECT_EQ(history(t.number(), "satisfaction").at(0).to(), "4");
    EXPECT_EQ(rated.sla().resolution().state(), v1::SLA_MET);

    rating.set_rating(6);
    EXPECT_EQ(as("amy").call("POST", "/api/v1/tickets/" + t.number() + "/satisfaction", rating).status, 400u);
}

TEST_F(RelayWorkflowTest, groups_are_managed_by_leads_and_admins_only) {
    // Each committed change reaches the staff's event streams: the group as it is now.
    auto stream = online("amy");
    auto next_group = [&] {
        for (;;) {
            const std::string frame = stream->receive();
            v1::StaffEvent older;
            EXPECT_TRUE(older.ParseFromString(frame)) << "a StaffEvent to a viewer that predates the extras";
            v1::StaffEventExtra extra;
            if (extra.ParseFromString(frame) && extra.has_group()) {
                EXPECT_EQ(older.body_case(), v1::StaffEvent::BODY_NOT_SET);
                return extra.group();
            }
        }
    };
    v1::CreateGroupRequest request;
    request.set_name("desk-2");
    EXPECT_EQ(as("amy").call("POST", "/api/v1/groups", request).status, 403u);
    request.set_name("Bad Name");
    EXPECT_EQ(as("lee").call("POST", "/api/v1/groups", request).status, 400u);
    request.set_name("office-it");
    EXPECT_EQ(as("lee").call("POST", "/api/v1/groups", request).status, 409u);
    v1::SetMemberRequest member;
    member.set_tier(4);
    EXPECT_EQ(as("lee").call("PUT", "/api/v1/groups/office-it/members/dan", member).status, 400u);
    member.set_tier(3);
    EXPECT_EQ(as("lee").call("PUT", "/api/v1/groups/office-it/members/nobody", member).status, 400u);
    EXPECT_EQ(as("lee").call("PUT", "/api/v1/groups/no-group/members/dan", member).status, 404u);
    auto with_dan = parsed<v1::Group>(as("lee").call("PUT", "/api/v1/groups/office-it/members/dan", member));
    EXPECT_EQ(with_dan.members_size(), 4);
    auto pushed = next_group();
    EXPECT_EQ(pushed.name(), "office-it");
    EXPECT_EQ(pushed.members_size(), 4) << "the refused changes published nothing";
    auto without = parsed<v1::Group>(as("lee").call("DELETE", "/api/v1/groups/office-it/members/dan"));
    EXPECT_EQ(without.members_size(), 3);
    EXPECT_EQ(next_group().members_size(), 3);
    EXPECT_EQ(as("lee").call("DELETE", "/api/v1/groups/office-it/members/dan").status, 404u);
    auto list = parsed<v1::GroupList>(as("amy").call("GET", "/api/v1/groups"));
    EXPECT_EQ(list.groups_size(), 3);
    auto audit = parsed<v1::AuditPage>(admin_->call("GET", "/api/v1/audit?action=group."));
    EXPECT_GE(audit.entries_size(), 3 + 5 + 2);  // created x3, members set x5+1, removed x1
}

}  // namespace
}  // namespace lifeline::testing
