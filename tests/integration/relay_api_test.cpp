// The REST API through the real lifeline-relay process over HTTPS on loopback: sign-in, roles,
// the ticket life cycle, bad input, and concurrent creation.
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace lifeline::testing {
namespace {

constexpr const char* kTechPassword = "tech-password-1";
constexpr const char* kLeadPassword = "lead-password-1";

class RelayApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        relay_ = new RelayProcess();
        relay_->start();
        ApiClient admin(relay_->client());
        admin.login("admin", relay_->admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kTechPassword, 1);
        admin.create_user("tom", v1::TECHNICIAN, kTechPassword, 2);
        admin.create_user("lena", v1::LEAD, kLeadPassword, 0);
    }
    static void TearDownTestSuite() {
        EXPECT_EQ(relay_->stop(), 0) << relay_->log();
        delete relay_;
        relay_ = nullptr;
    }
    ApiClient signed_in(const std::string& user, const std::string& password) {
        ApiClient client(relay_->client());
        client.login(user, password);
        return client;
    }
    ApiClient admin() { return signed_in("admin", relay_->admin_password()); }
    ApiClient tech() { return signed_in("tina", kTechPassword); }
    ApiClient lead() { return signed_in("lena", kLeadPassword); }

    static RelayProcess* relay_;
};
RelayProcess* RelayApiTest::relay_ = nullptr;

template <class M>
M parse(const net::HttpResponse& response) {
    M message;
    from_json(response.body, message);
    return message;
}

TEST_F(RelayApiTest, login_gives_a_token_that_works_and_logout_revokes_it) {
    ApiClient client(relay_->client());
    auto login = client.login("tina", kTechPassword);
    EXPECT_EQ(login.token().size(), 43u);  // 256 bits, base64url
    EXPECT_EQ(login.user().role(), v1::TECHNICIAN);
    auto me = client.call("GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200u) << me.body;
    EXPECT_EQ(parse<v1::User>(me).username(), "tina");
    EXPECT_EQ(client.call("POST", "/api/v1/auth/logout").status, 204u);
    auto after = client.call("GET", "/api/v1/auth/me");
    EXPECT_EQ(after.status, 401u);
    EXPECT_EQ(error_code(after), "unauthenticated");
}

TEST_F(RelayApiTest, wrong_password_and_unknown_user_get_the_same_401) {
    ApiClient client(relay_->client());
    auto wrong = client.call("POST", "/api/v1/auth/login", R"({"username":"tom","password":"not-his-password"})");
    auto unknown = client.call("POST", "/api/v1/auth/login", R"({"username":"nobody","password":"whatever-123"})");
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(unknown.status, 401u);
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(relay_->log().find("not-his-password"), std::string::npos) << "a password reached the log";
}

TEST_F(RelayApiTest, routes_without_a_valid_token_are_401) {
    ApiClient client(relay_->client());
    auto none = client.call("GET", "/api/v1/tickets");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(error_code(none), "unauthenticated");
    client.set_token("forged-token-forged-token-forged-token-0000");
    EXPECT_EQ(client.call("GET", "/api/v1/tickets").status, 401u);
}

TEST_F(RelayApiTest, a_technician_cannot_administer_users) {
    auto t = tech();
    auto list = t.call("GET", "/api/v1/users");
    EXPECT_EQ(list.status, 403u);
    EXPECT_EQ(error_code(list), "permission_denied");
    EXPECT_EQ(t.call("POST", "/api/v1/users/tom/disable").status, 403u);
    EXPECT_EQ(t.call("POST", "/api/v1/users", R"({"username":"x","role":"ADMIN","password":"0123456789ab"})").status,
              403u);
    auto l = lead();
    EXPECT_EQ(l.call("POST", "/api/v1/users/tom/disable").status, 403u);
}

TEST_F(RelayApiTest, disabling_a_user_stops_their_tokens_at_once) {
    auto a = admin();
    a.create_user("temp", v1::TECHNICIAN, kTechPassword, 1);
    auto victim = signed_in("temp", kTechPassword);
    ASSERT_EQ(victim.call("GET", "/api/v1/tickets").status, 200u);
    auto disabled = a.call("POST", "/api/v1/users/temp/disable");
    ASSERT_EQ(disabled.status, 200u) << disabled.body;
    EXPECT_TRUE(parse<v1::User>(disabled).disabled());
    EXPECT_EQ(victim.call("GET", "/api/v1/tickets").status, 401u);
    ApiClient again(relay_->client());
    EXPECT_THROW(again.login("temp", kTechPassword), std::runtime_error);
    // Re-enabled, the old token stays dead but a new sign-in works.
    ASSERT_EQ(a.call("POST", "/api/v1/users/temp/enable").status, 200u);
    EXPECT_EQ(victim.call("GET", "/api/v1/tickets").status, 401u);
    EXPECT_NO_THROW(again.login("temp", kTechPassword));
}

TEST_F(RelayApiTest, admins_change_roles_tiers_and_passwords) {
    auto a = admin();
    a.create_user("rita", v1::TECHNICIAN, kTechPassword, 1);
    auto changed = a.call("PATCH", "/api/v1/users/rita", R"({"tier":3,"displayName":"Rita R."})");
    ASSERT_EQ(changed.status, 200u) << changed.body;
    EXPECT_EQ(parse<v1::User>(changed).tier(), 3);
    EXPECT_EQ(a.call("PATCH", "/api/v1/users/rita", R"({"tier":7})").status, 400u);
    auto promoted = a.call("PATCH", "/api/v1/users/rita", R"({"role":"LEAD"})");
    ASSERT_EQ(promoted.status, 200u) << promoted.body;
    EXPECT_EQ(parse<v1::User>(promoted).tier(), 0);
    EXPECT_EQ(a.call("POST", "/api/v1/users/rita/password", R"({"password":"short"})").status, 400u);
    EXPECT_EQ(a.call("POST", "/api/v1/users/rita/password", R"({"password":"a-new-long-password"})").status, 204u);
    EXPECT_NO_THROW(signed_in("rita", "a-new-long-password"));
    EXPECT_EQ(a.call("POST", "/api/v1/users/admin/disable").status, 409u);  // no self-lockout
    EXPECT_EQ(a.call("POST", "/api/v1/users", R"({"username":"rita","role":"LEAD","password":"0123456789ab"})").status,
              409u);
    auto list = parse<v1::UserList>(a.call("GET", "/api/v1/users"));
    EXPECT_GE(list.users_size(), 5);
}

TEST_F(RelayApiTest, a_ticket_lives_through_its_whole_cycle_with_history) {
    auto t = tech();
    v1::CreateTicketRequest request;
    request.set_subject("Printer on floor 2 jams");
    request.set_description("Every print job since this morning.");
    request.set_urgency(v1::HIGH);
    request.set_impact(v1::MEDIUM);
    request.set_category("printing");
    request.set_channel("phone");
    request.mutable_requester()->set_name("Paula Caller");
    request.mutable_requester()->set_contact("+1 555 0100");
    auto created = t.call("POST", "/api/v1/tickets", request);
    ASSERT_EQ(created.status, 201u) << created.body;
    auto ticket = parse<v1::Ticket>(created);
    EXPECT_EQ(ticket.priority(), v1::P2);  // high urgency x medium impact
    EXPECT_EQ(ticket.status(), v1::Ticket::NEW);
    EXPECT_EQ(ticket.channel(), "phone");
    EXPECT_EQ(ticket.requester().name(), "Paula Caller");
    EXPECT_EQ(created.header("Location"), "/api/v1/tickets/" + ticket.number());
    const std::string base = "/api/v1/tickets/" + ticket.number();

    auto claimed = t.call("POST", base + "/claim");
    ASSERT_EQ(claimed.status, 200u) << claimed.body;
    EXPECT_EQ(parse<v1::Ticket>(claimed).assignee(), "tina");
    EXPECT_EQ(parse<v1::Ticket>(claimed).status(), v1::Ticket::OPEN);
    auto other = signed_in("tom", kTechPassword);
    EXPECT_EQ(other.call("POST", base + "/claim").status, 409u);

    EXPECT_EQ(t.call("POST", base + "/status", R"({"status":"PENDING","note":"waiting for the user"})").status, 200u);
    EXPECT_EQ(t.call("POST", base + "/status", R"({"status":"OPEN"})").status, 200u);
    auto resolved = t.call("POST", base + "/status", R"({"status":"RESOLVED","note":"replaced the fuser"})");
    ASSERT_EQ(resolved.status, 200u);
    EXPECT_TRUE(parse<v1::Ticket>(resolved).has_resolved_at());
    EXPECT_EQ(t.call("POST", base + "/status", R"({"status":"OPEN"})").status, 200u);  // reopen
    EXPECT_EQ(t.call("POST", base + "/status", R"({"status":"RESOLVED"})").status, 200u);
    EXPECT_EQ(t.call("POST", base + "/status", R"({"status":"CLOSED"})").status, 200u);
    auto illegal = t.call("POST", base + "/status", R"({"status":"OPEN"})");
    EXPECT_EQ(illegal.status, 409u);
    EXPECT_EQ(error_code(illegal), "conflict");

    auto history = parse<v1::TicketHistory>(t.call("GET", base + "/history"));
    std::vector<std::string> moves;
    for (const auto& e : history.events()) {
        EXPECT_FALSE(e.actor().empty());
        if (e.action() == "status") moves.push_back(e.from() + ">" + e.to());
    }
    EXPECT_EQ(moves, (std::vector<std::string>{"new>open", "open>pending", "pending>open", "open>resolved",
                                               "resolved>open", "open>resolved", "resolved>closed"}));
    EXPECT_EQ(history.events(0).action(), "created");
}

TEST_F(RelayApiTest, priority_category_group_and_assignment_change_with_history) {
    auto t = tech();
    auto ticket = t.create_ticket("VPN drops every hour");
    EXPECT_EQ(ticket.priority(), v1::P3);
    const std::string base = "/api/v1/tickets/" + ticket.number();
    auto patched =
        t.call("PATCH", base, R"({"urgency":"HIGH","impact":"HIGH","category":"network","group":"net-ops"})");
    ASSERT_EQ(patched.status, 200u) << patched.body;
    EXPECT_EQ(parse<v1::Ticket>(patched).priority(), v1::P1);
    EXPECT_EQ(parse<v1::Ticket>(patched).group(), "net-ops");
    auto direct = t.call("PATCH", base, R"({"priority":"P4"})");
    EXPECT_EQ(parse<v1::Ticket>(direct).priority(), v1::P4);

    EXPECT_EQ(t.call("POST", base + "/assign", R"({"assignee":"tom"})").status, 403u);  // dispatchers only
    auto l = lead();
    EXPECT_EQ(l.call("POST", base + "/assign", R"({"assignee":"ghost"})").status, 400u);
    auto assigned = l.call("POST", base + "/assign", R"({"assignee":"tom"})");
    ASSERT_EQ(assigned.status, 200u) << assigned.body;
    EXPECT_EQ(parse<v1::Ticket>(assigned).assignee(), "tom");

    auto history = parse<v1::TicketHistory>(t.call("GET", base + "/history"));
    std::set<std::string> actions;
    for (const auto& e : history.events())
        actions.insert(e.action() + ":" + e.actor());
    for (const char* expected :
         {"urgency:tina", "impact:tina", "priority:tina", "category:tina", "group:tina", "assignee:lena"}) {
        EXPECT_TRUE(actions.count(expected)) << expected;
    }
}

TEST_F(RelayApiTest, comments_are_public_replies_or_internal_notes) {
    auto t = tech();
    auto ticket = t.create_ticket("Mailbox full");
    const std::string base = "/api/v1/tickets/" + ticket.number() + "/comments";
    ASSERT_EQ(t.call("POST", base, R"({"body":"Please archive old mail."})").status, 201u);
    ASSERT_EQ(t.call("POST", base, R"({"body":"Quota is 2 GB.","internal":true})").status, 201u);
    EXPECT_EQ(t.call("POST", base, R"({"body":"   "})").status, 400u);
    auto list = parse<v1::CommentList>(t.call("GET", base));
    ASSERT_EQ(list.comments_size(), 2);
    EXPECT_FALSE(list.comments(0).internal());
    EXPECT_TRUE(list.comments(1).internal());
    EXPECT_EQ(list.comments(1).author(), "tina");
}

TEST_F(RelayApiTest, the_queue_filters_orders_and_pages) {
    auto t = tech();
    std::string tag = "queue-" + std::to_string(::getpid());
    for (auto p : {v1::P4, v1::P1, v1::P3, v1::P1, v1::P2})
        t.create_ticket(tag + " " + v1::Priority_Name(p), p);
    auto all = parse<v1::TicketPage>(t.call("GET", "/api/v1/tickets?q=" + tag + "&limit=2"));
    ASSERT_EQ(all.tickets_size(), 2);
    EXPECT_EQ(all.tickets(0).priority(), v1::P1);
    EXPECT_EQ(all.tickets(1).priority(), v1::P1);
    EXPECT_LT(all.tickets(0).number(), all.tickets(1).number());  // same priority: older first
    ASSERT_FALSE(all.next_cursor().empty());
    auto next =
        parse<v1::TicketPage>(t.call("GET", "/api/v1/tickets?q=" + tag + "&limit=2&cursor=" + all.next_cursor()));
    ASSERT_EQ(next.tickets_size(), 2);
    EXPECT_EQ(next.tickets(0).priority(), v1::P2);
    auto p1 = parse<v1::TicketPage>(t.call("GET", "/api/v1/tickets?q=" + tag + "&priority=P1&status=new"));
    EXPECT_EQ(p1.tickets_size(), 2);
    auto mine = parse<v1::TicketPage>(t.call("GET", "/api/v1/tickets?q=" + tag + "&assignee=none"));
    EXPECT_EQ(mine.tickets_size(), 5);
    auto got = t.call("GET", "/api/v1/tickets/" + all.tickets(0).number());
    ASSERT_EQ(got.status, 200u);
    EXPECT_EQ(parse<v1::Ticket>(got).subject(), all.tickets(0).subject());
    EXPECT_EQ(t.call("GET", "/api/v1/tickets/LL-999999").status, 404u);
}

TEST_F(RelayApiTest, bad_input_gets_a_clear_4xx_and_the_server_keeps_serving) {
    auto t = tech();
    struct Case {
        std::string method, target, body;
        unsigned status;
        std::string code;
    };
    std::vector<Case> cases = {
        {"POST", "/api/v1/tickets", "{not json", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", R"({"subject":42})", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", R"({"subject":"x","colour":"red"})", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", R"({"subject":"  "})", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", R"({"subject":"x","priority":"P9"})", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", R"({"subject":"x","channel":"agent"})", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", "{\"subject\":\"" + std::string(300, 'a') + "\"}", 400, "invalid_argument"},
        {"POST", "/api/v1/tickets", "{\"subject\":\"bell\\u0007\"}", 400, "invalid_argument"},
        {"GET", "/api/v1/tickets?status=lost", "", 400, "invalid_argument"},
        {"GET", "/api/v1/tickets?limit=5000", "", 400, "invalid_argument"},
        {"GET", "/api/v1/tickets?sort=age", "", 400, "invalid_argument"},
        {"GET", "/api/v1/tickets?cursor=forged", "", 400, "invalid_argument"},
        {"GET", "/api/v1/nothing-here", "", 404, "not_found"},
        {"GET", "/api/v1/tickets/LL-000001/nope", "", 404, "not_found"},
        {"DELETE", "/api/v1/tickets", "", 405, "method_not_allowed"},
        {"POST", "/api/v1/tickets", std::string(2 << 20, 'x'), 413, "payload_too_large"},
    };
    for (const auto& c : cases) {
        auto response = t.call(c.method, c.target, c.body);
        EXPECT_EQ(response.status, c.status) << c.method << " " << c.target.substr(0, 60) << " " << response.body;
        EXPECT_EQ(error_code(response), c.code) << c.target.substr(0, 60) << " " << response.body;
        EXPECT_EQ(response.content_type, "application/json");
    }
    auto wrong_method = t.call("DELETE", "/api/v1/tickets");
    EXPECT_NE(wrong_method.header("Allow").find("POST"), std::string::npos);
    // After all that, the same client (reconnecting where the server closed) is served normally.
    ApiClient fresh(relay_->client());
    fresh.set_token(t.token());
    EXPECT_EQ(fresh.call("GET", "/api/v1/tickets?limit=1").status, 200u);
}

TEST_F(RelayApiTest, eight_clients_creating_200_tickets_each_get_1600_distinct_gap_free_numbers) {
    constexpr int kClients = 8, kEach = 200;
    std::string token = tech().token();
    std::vector<std::vector<std::int64_t>> numbers(kClients);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            ApiClient client(relay_->client());
            client.set_token(token);
            v1::CreateTicketRequest request;
            request.set_subject("storm " + std::to_string(c));
            std::string body = to_json(request);
            for (int i = 0; i < kEach; ++i) {
                auto response = client.call("POST", "/api/v1/tickets", body);
                if (response.status != 201) {
                    ++failures;
                    continue;
                }
                v1::Ticket ticket;
                from_json(response.body, ticket);
                numbers[c].push_back(std::stoll(ticket.number().substr(3)));
            }
        });
    }
    for (auto& th : threads)
        th.join();
    ASSERT_EQ(failures.load(), 0);
    std::set<std::int64_t> all;
    for (const auto& list : numbers)
        all.insert(list.begin(), list.end());
    ASSERT_EQ(all.size(), static_cast<std::size_t>(kClients * kEach));
    EXPECT_EQ(*all.rbegin() - *all.begin() + 1, kClients * kEach) << "numbers have gaps";
    for (const auto& list : numbers)
        EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
}

}  // namespace
}  // namespace lifeline::testing
