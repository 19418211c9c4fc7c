// The real agent's side of remote sessions against the real relay, on a real X server: the consent
// policies, the user's answer from the command line, the screen server behind the relay tunnel,
// stopping from the machine, and a lost relay link ending the session.
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/ws_test_client.hpp"
#include "tests/support/xvfb_process.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

constexpr const char* kTechPassword = "tech-password-1";

class AgentSessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
        admin_->create_user("tina", v1::TECHNICIAN, kTechPassword, 1);
        tina_.emplace(relay_.client());
        tina_->login("tina", kTechPassword);
    }

    // Enrolls and starts `agent` on the test's X display, opens a Get-help ticket and lets tina claim it.
    std::string start_with_ticket(AgentProcess& agent, const std::string& machine_id,
                                  const std::vector<std::string>& enroll_extra = {},
                                  const std::vector<std::string>& run_extra = {}) {
        auto enrolled = agent.enroll(relay_, machine_id, {}, {}, enroll_extra);
        EXPECT_EQ(enrolled.exit_code, 0) << enrolled.err;
        agent.start({"DISPLAY=" + xvfb_.display()}, 2, run_extra);
        agent.wait_connected(true);
        auto help = agent.command({"help", "--subject", "Cannot print"});
        std::smatch number;
        EXPECT_TRUE(std::regex_search(help.out, number, std::regex("LL-\\d{6}"))) << help.out << help.err;
        EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/" + number.str() + "/claim").status, 200u);
        return number.str();
    }

    v1::Session ask(const std::string& ticket, const std::string& mode) {
        auto response = tina_->call("POST", "/api/v1/tickets/" + ticket + "/sessions", R"({"mode":")" + mode + R"("})");
        EXPECT_EQ(response.status, 201u) << response.body;
        v1::Session s;
        from_json(response.body, s);
        return s;
    }

    v1::Session session(const std::string& id) {
        v1::Session s;
        from_json(tina_->call("GET", "/api/v1/sessions/" + id).body, s);
        return s;
    }

    v1::Session wait_state(const std::string& id, v1::Session::State want,
                           std::chrono::seconds timeout = std::chrono::seconds(10)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        v1::Session s = session(id);
        while (s.state() != want && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            s = session(id);
        }
        return s;
    }

    // Waits until the agent's status shows a pending request (the user is being asked).
    bool wait_asking(const AgentProcess& agent) {
        for (int i = 0; i < 100; ++i) {
            if (agent.status_json().find("pendingRequest") != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    std::unique_ptr<WsTestClient> viewer_socket(const std::string& id) {
        auto ws = std::make_unique<WsTestClient>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(ws->connect("/v1/sessions/" + id + "/viewer", "Bearer " + tina_->token()), 101u)
            << ws->refusal_body();
        return ws;
    }

    RelayProcess relay_;
    XvfbProcess xvfb_;
    std::optional<ApiClient> admin_, tina_;
};

TEST_F(AgentSessionTest, the_user_allows_and_the_screen_server_answers_through_the_relay) {
    AgentProcess agent;
    auto ticket = start_with_ticket(agent, "machine-allow");
    auto s = ask(ticket, "VIEW");
    ASSERT_TRUE(wait_asking(agent)) << agent.log();
    auto status = agent.command({"status"});
    EXPECT_NE(status.out.find("tina Example asks to see your screen for ticket " + ticket), std::string::npos)
        << status.out;
    EXPECT_EQ(session(s.id()).state(), v1::Session::REQUESTED) << "nothing happens before the user answers";

    auto allowed = agent.command({"consent", "allow"});
    ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_NE(allowed.out.find("tina Example can now see your screen"), std::string::npos) << allowed.out;
    ASSERT_EQ(wait_state(s.id(), v1::Session::ACTIVE).state(), v1::Session::ACTIVE);

    // The technician's socket is paired with the agent's screen server: RFB's greeting comes through.
    auto viewer = viewer_socket(s.id());
    EXPECT_EQ(viewer->receive(std::chrono::seconds(10)), "RFB 003.008\n");
    for (int i = 0; i < 100 && !session(s.id()).has_started_at(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto sharing = agent.command({"status"});
    EXPECT_NE(sharing.out.find("SHARING: tina Example can see this screen"), std::string::npos) << sharing.out;

    // The user stops sharing: the viewer is cut off and the relay records who ended it.
    auto stopped = agent.command({"session", "end"});
    ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_TRUE(viewer->closed_by_relay());
    auto ended = wait_state(s.id(), v1::Session::ENDED);
    EXPECT_EQ(ended.ended_by(), "user");
    EXPECT_EQ(ended.end_reason(), "the user stopped sharing");
    EXPECT_EQ(agent.status_json().find("\"session\""), std::string::npos) << "no session left at the agent";
    EXPECT_EQ(agent.command({"session", "end"}).exit_code, 1) << "nothing to stop";
}

TEST_F(AgentSessionTest, the_user_denies_or_does_not_answer) {
    AgentProcess agent;
    auto ticket = start_with_ticket(agent, "machine-deny", {}, {"--consent-window", "2"});
    auto denied = ask(ticket, "CONTROL");
    ASSERT_TRUE(wait_asking(agent));
    auto no = agent.command({"consent", "deny"});
    ASSERT_EQ(no.exit_code, 0) << no.err;
    auto record = wait_state(denied.id(), v1::Session::DENIED);
    EXPECT_EQ(record.state(), v1::Session::DENIED);
    EXPECT_EQ(record.end_reason(), "the user denied the request");
    EXPECT_EQ(agent.command({"consent", "allow"}).exit_code, 1) << "nothing is waiting any more";

    auto unanswered = ask(ticket, "VIEW");
    auto silence = wait_state(unanswered.id(), v1::Session::DENIED, std::chrono::seconds(15));
    EXPECT_EQ(silence.state(), v1::Session::DENIED);
    EXPECT_EQ(silence.end_reason(), "no answer from the user within 2 s");
}

TEST_F(AgentSessionTest, policy_deny_refuses_and_unattended_needs_the_relay_to_agree) {
    AgentProcess refusing;
    auto ticket = start_with_ticket(refusing, "machine-policy-deny", {"--consent", "deny"});
    auto refused = wait_state(ask(ticket, "VIEW").id(), v1::Session::DENIED);
    EXPECT_EQ(refused.end_reason(), "this machine's policy refuses remote sessions");

    AgentProcess unattended;
    auto kiosk = start_with_ticket(unattended, "machine-kiosk", {"--consent", "unattended"});
    // Only the machine's half: the user is asked as usual.
    auto first = ask(kiosk, "VIEW");
    ASSERT_TRUE(wait_asking(unattended)) << unattended.log();
    ASSERT_EQ(unattended.command({"consent", "deny"}).exit_code, 0);
    ASSERT_EQ(wait_state(first.id(), v1::Session::DENIED).state(), v1::Session::DENIED);
    // The admin's half too: the session starts without anyone at the machine.
    ASSERT_EQ(
        admin_->call("POST", "/api/v1/agents/" + unattended.device_id() + "/unattended", R"({"allowed":true})").status,
        200u);
    auto second = wait_state(ask(kiosk, "VIEW").id(), v1::Session::ACTIVE);
    EXPECT_EQ(second.state(), v1::Session::ACTIVE);
    auto viewer = viewer_socket(second.id());
    EXPECT_EQ(viewer->receive(std::chrono::seconds(10)), "RFB 003.008\n");
}

TEST_F(AgentSessionTest, losing_the_relay_link_ends_the_session_at_the_agent) {
    AgentProcess agent;
    auto ticket = start_with_ticket(agent, "machine-drop");
    auto s = ask(ticket, "CONTROL");
    ASSERT_TRUE(wait_asking(agent));
    ASSERT_EQ(agent.command({"consent", "allow"}).exit_code, 0);
    ASSERT_EQ(wait_state(s.id(), v1::Session::ACTIVE).state(), v1::Session::ACTIVE);
    auto viewer = viewer_socket(s.id());
    EXPECT_EQ(viewer->receive(std::chrono::seconds(10)), "RFB 003.008\n");
    for (int i = 0; i < 100 && agent.status_json().find("\"session\"") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));

    relay_.kill();
    bool ended = false;
    for (int i = 0; i < 100 && !ended; ++i) {
        ended = agent.status_json().find("\"session\"") == std::string::npos;
        if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(ended) << agent.log();
    // Whichever the agent noticed first, the control channel or the session socket, the session is over.
    EXPECT_NE(agent.log().find("session " + s.id() + " ended"), std::string::npos) << agent.log();
}

}  // namespace
}  // namespace lifeline::testing
