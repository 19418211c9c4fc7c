// Remote sessions through the real relay, both ends played by bare protocol clients: who may ask,
// the consent round trip, socket pairing and forwarding, refusals, and every way a session ends.
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/ws_test_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

namespace lifeline::testing {
namespace {

constexpr const char* kTechPassword = "tech-password-1";
constexpr const char* kLeadPassword = "lead-password-1";

class RelaySessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        write_config("");
        relay_.start({"--log-level", "info"});
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kTechPassword, 1);
        admin.create_user("tom", v1::TECHNICIAN, kTechPassword, 1);
        admin.create_user("lena", v1::LEAD, kLeadPassword, 0);
        tina_ = signed_in("tina", kTechPassword);
        tom_ = signed_in("tom", kTechPassword);
        lena_ = signed_in("lena", kLeadPassword);
    }

    void write_config(const std::string& session_table) {
        std::ofstream(relay_.data_dir() + "/relay.toml") << "[session]\n" << session_table;
    }

    ApiClient signed_in(const std::string& user, const std::string& password) {
        ApiClient client(relay_.client());
        client.login(user, password);
        return client;
    }

    using Machine = ChannelMachine;

    // A machine on its control channel with a Get-help ticket that tina has claimed.
    Machine machine_with_ticket(const std::string& machine_id, bool claim = true) {
        v1::SystemInfo info;
        info.set_hostname("pc-" + machine_id);
        auto m = testing::machine_with_ticket(relay_, machine_id, info, "Printer offline");
        if (claim) {
            EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/claim").status, 200u);
        }
        return m;
    }

    static net::HttpResponse ask(ApiClient& who, const std::string& ticket, const std::string& mode) {
        return who.call("POST", "/api/v1/tickets/" + ticket + "/sessions", R"({"mode":")" + mode + R"("})");
    }

    v1::Session session(const std::string& id) {
        auto response = lena_->call("GET", "/api/v1/sessions/" + id);
        EXPECT_EQ(response.status, 200u) << response.body;
        v1::Session s;
        from_json(response.body, s);
        return s;
    }

    // The session's audit rows, oldest first, as "action by actor".
    std::vector<std::string> audit_trail(const std::string& id) {
        auto response = lena_->call("GET", "/api/v1/audit?session=" + id);
        EXPECT_EQ(response.status, 200u) << response.body;
        v1::AuditPage page;
        from_json(response.body, page);
        std::vector<std::string> trail;
        for (auto it = page.entries().rbegin(); it != page.entries().rend(); ++it)
            trail.push_back(it->action() + " by " + it->actor());
        return trail;
    }

    // Waits until the session leaves `state`.
    v1::Session wait_state(const std::string& id, v1::Session::State want) {
        v1::Session s;
        for (int i = 0; i < 200; ++i) {
            s = session(id);
            if (s.state() == want) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return s;
    }

    // Asks for a session as tina, and answers it from the machine.
    v1::Session requested_and_answered(Machine& m, bool allow, const std::string& mode = "VIEW") {
        auto created = ask(*tina_, m.ticket, mode);
        EXPECT_EQ(created.status, 201u) << created.body;
        v1::Session s;
        from_json(created.body, s);
        auto request = m.channel->receive();
        EXPECT_TRUE(request.has_session_request()) << request.DebugString();
        v1::AgentToRelay answer;
        answer.mutable_session_answer()->set_session_id(request.session_request().session_id());
        answer.mutable_session_answer()->set_allow(allow);
        if (!allow) answer.mutable_session_answer()->set_reason("the user denied the request");
        m.channel->send(answer);
        return wait_state(s.id(), allow ? v1::Session::ACTIVE : v1::Session::DENIED);
    }

    std::unique_ptr<WsTestClient> agent_socket(const Machine& m, const std::string& id, unsigned expect = 101) {
        auto ws = std::make_unique<WsTestClient>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(ws->connect("/v1/sessions/" + id + "/agent",
                              "Bearer " + m.credential.device_id() + "." + m.credential.device_secret()),
                  expect)
            << ws->refusal_body();
        return ws;
    }

    std::unique_ptr<WsTestClient> viewer_socket(const ApiClient& who, const std::string& id, unsigned expect = 101,
                                                int receive_buffer = 0) {
        auto ws = std::make_unique<WsTestClient>(relay_.port(), relay_.ca_file());
        ws->set_receive_buffer(receive_buffer);
        EXPECT_EQ(ws->connect("/v1/sessions/" + id + "/viewer", "Bearer " + who.token()), expect) << ws->refusal_body();
        return ws;
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_, tom_, lena_;
};

TEST_F(RelaySessionTest, consent_pairs_the_sockets_and_bytes_flow_both_ways) {
    auto m = machine_with_ticket("m-flow");
    auto created = ask(*tina_, m.ticket, "CONTROL");
    ASSERT_EQ(created.status, 201u) << created.body;
    v1::Session s;
    from_json(created.body, s);
    EXPECT_EQ(s.state(), v1::Session::REQUESTED);

    // The machine is asked, naming the technician as registered and what they want.
    auto request = m.channel->receive();
    ASSERT_TRUE(request.has_session_request()) << request.DebugString();
    EXPECT_EQ(request.session_request().session_id(), s.id());
    EXPECT_EQ(request.session_request().technician_name(), "tina Example");
    EXPECT_EQ(request.session_request().ticket_number(), m.ticket);
    EXPECT_EQ(request.session_request().ticket_subject(), "Printer offline");
    EXPECT_EQ(request.session_request().mode(), v1::CONTROL);
    EXPECT_FALSE(request.session_request().unattended_allowed());

    // Nothing connects before the user said yes.
    viewer_socket(*tina_, s.id(), 409);
    agent_socket(m, s.id(), 409);
    EXPECT_EQ(ask(*tina_, m.ticket, "VIEW").status, 409u) << "one session per machine at a time";

    v1::AgentToRelay answer;
    answer.mutable_session_answer()->set_session_id(s.id());
    answer.mutable_session_answer()->set_allow(true);
    m.channel->send(answer);
    auto active = wait_state(s.id(), v1::Session::ACTIVE);
    ASSERT_EQ(active.state(), v1::Session::ACTIVE);
    EXPECT_TRUE(active.has_answered_at());

    // Not yours: another technician, another machine.
    viewer_socket(*tom_, s.id(), 403);
    auto other = machine_with_ticket("m-other");
    agent_socket(other, s.id(), 403);
    WsTestClient anonymous(relay_.port(), relay_.ca_file());
    EXPECT_EQ(anonymous.connect("/v1/sessions/" + s.id() + "/viewer", ""), 401u);
    WsTestClient cross_site(relay_.port(), relay_.ca_file());
    EXPECT_EQ(
        cross_site.connect("/v1/sessions/" + s.id() + "/viewer", "Bearer " + tina_->token(), "https://evil.example"),
        403u);

    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id());
    agent->send("RFB 003.008\n");
    EXPECT_EQ(viewer->receive(), "RFB 003.008\n");
    viewer->send("RFB 003.008\n");
    EXPECT_EQ(agent->receive(), "RFB 003.008\n");
    std::string big(300'000, 'x');
    agent->send(big);
    EXPECT_EQ(viewer->receive(), big);
    // A second socket for a connected side is refused.
    auto again = agent_socket(m, s.id());
    EXPECT_TRUE(again->closed_by_relay(std::chrono::seconds(5)));
    EXPECT_TRUE(wait_state(s.id(), v1::Session::ACTIVE).has_started_at());

    // The technician closes the viewer: the machine's socket is closed and the end is recorded.
    viewer->close();
    EXPECT_TRUE(agent->closed_by_relay());
    auto ended = wait_state(s.id(), v1::Session::ENDED);
    EXPECT_EQ(ended.state(), v1::Session::ENDED);
    EXPECT_EQ(ended.ended_by(), "technician:tina");
    EXPECT_EQ(ended.end_reason(), "the technician closed the viewer");
    EXPECT_EQ(ended.bytes_to_viewer(), 12 + 300'000);
    EXPECT_EQ(ended.bytes_to_agent(), 12);
    EXPECT_TRUE(ended.has_ended_at());
    // Already ended: refused.
    viewer_socket(*tina_, s.id(), 409);
    // The machine learns the session is over.
    auto told = m.channel->receive();
    ASSERT_TRUE(told.has_session_ended()) << told.DebugString();
    EXPECT_EQ(told.session_ended().session_id(), s.id());

    // The audit log has every step, with the end's figures.
    const std::string device = "device:" + m.credential.device_id();
    EXPECT_EQ(audit_trail(s.id()),
              (std::vector<std::string>{"session.requested by user:tina", "session.consented by " + device,
                                        "session.started by system", "session.ended by user:tina",
                                        "recording.finished by system"}));
    v1::AuditPage ends;
    from_json(lena_->call("GET", "/api/v1/audit?session=" + s.id() + "&action=session.ended").body, ends);
    ASSERT_EQ(ends.entries_size(), 1);
    const auto& end_fields = ends.entries(0).details().fields();
    EXPECT_EQ(end_fields.at("bytesToViewer").number_value(), 12 + 300'000);
    EXPECT_EQ(end_fields.at("reason").string_value(), "the technician closed the viewer");
    EXPECT_GE(end_fields.at("durationMs").number_value(), 0);
    EXPECT_EQ(ends.entries(0).ticket_number(), m.ticket);

    // The ticket's history shows the session's steps.
    auto history = tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/history");
    EXPECT_NE(history.body.find(s.id() + " control"), std::string::npos) << history.body;
    EXPECT_NE(history.body.find(R"("to":"ended")"), std::string::npos) << history.body;
    v1::SessionList list;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/sessions").body, list);
    ASSERT_EQ(list.sessions_size(), 1);
    EXPECT_EQ(list.sessions(0).id(), s.id());
}

TEST_F(RelaySessionTest, a_denial_is_recorded_and_no_socket_opens) {
    auto m = machine_with_ticket("m-deny");
    auto denied = requested_and_answered(m, false);
    EXPECT_EQ(denied.state(), v1::Session::DENIED);
    EXPECT_EQ(denied.ended_by(), "user");
    EXPECT_EQ(denied.end_reason(), "the user denied the request");
    viewer_socket(*tina_, denied.id(), 409);
    agent_socket(m, denied.id(), 409);
    // The machine is free for the next request.
    EXPECT_EQ(ask(*tina_, m.ticket, "VIEW").status, 201u);
}

TEST_F(RelaySessionTest, the_session_list_filters_pages_and_shows_technicians_only_their_own) {
    auto first = machine_with_ticket("m-list-1");
    auto tinas = requested_and_answered(first, false);
    auto second = machine_with_ticket("m-list-2", false);
    auto by_lead = ask(*lena_, second.ticket, "CONTROL");
    ASSERT_EQ(by_lead.status, 201u) << by_lead.body;
    v1::Session lenas;
    from_json(by_lead.body, lenas);

    auto list = [](ApiClient& who, const std::string& query) {
        auto response = who.call("GET", "/api/v1/sessions" + query);
        EXPECT_EQ(response.status, 200u) << query << ": " << response.body;
        v1::SessionList sessions;
        if (response.status == 200u) from_json(response.body, sessions);
        return sessions;
    };
    auto ids = [](const v1::SessionList& sessions) {
        std::vector<std::string> out;
        for (const auto& s : sessions.sessions())
            out.push_back(s.id());
        return out;
    };
    // A lead sees everyone's, newest first, each with its machine's name as the inventory has it.
    const v1::SessionList all = list(*lena_, "");
    EXPECT_EQ(ids(all), (std::vector<std::string>{lenas.id(), tinas.id()}));
    v1::Device machine;
    from_json(lena_->call("GET", "/api/v1/agents/" + second.credential.device_id()).body, machine);
    ASSERT_FALSE(machine.hostname().empty());
    ASSERT_EQ(all.sessions_size(), 2);
    EXPECT_EQ(all.sessions(0).device_hostname(), machine.hostname());
    EXPECT_NE(all.sessions(1).device_hostname(), machine.hostname()) << "the other machine's own name";
    EXPECT_FALSE(all.sessions(1).device_hostname().empty());
    EXPECT_EQ(ids(list(*lena_, "?technician=tina")), std::vector<std::string>{tinas.id()});
    EXPECT_EQ(ids(list(*lena_, "?ticket=" + second.ticket)), std::vector<std::string>{lenas.id()});
    EXPECT_EQ(ids(list(*lena_, "?device=" + first.credential.device_id())), std::vector<std::string>{tinas.id()});
    EXPECT_EQ(ids(list(*lena_, "?state=denied")), std::vector<std::string>{tinas.id()});
    EXPECT_EQ(ids(list(*lena_, "?state=requested")), std::vector<std::string>{lenas.id()});
    EXPECT_TRUE(list(*lena_, "?from=2999-01-01T00:00:00Z").sessions().empty());
    EXPECT_TRUE(list(*lena_, "?ticket=LL-999999").sessions().empty());

    // Pages: a cursor continues exactly where the last page ended.
    auto page = list(*lena_, "?limit=1");
    ASSERT_EQ(ids(page), std::vector<std::string>{lenas.id()});
    ASSERT_FALSE(page.next_cursor().empty());
    auto rest = list(*lena_, "?limit=1&cursor=" + page.next_cursor());
    EXPECT_EQ(ids(rest), std::vector<std::string>{tinas.id()});
    EXPECT_TRUE(rest.next_cursor().empty());

    // A technician sees their own sessions only, and may not ask for another's.
    EXPECT_EQ(ids(list(*tina_, "")), std::vector<std::string>{tinas.id()});
    EXPECT_TRUE(list(*tom_, "").sessions().empty());
    EXPECT_EQ(tina_->call("GET", "/api/v1/sessions?technician=lena").status, 403u);

    for (const char* bad : {"?state=bogus", "?limit=0", "?limit=501", "?from=yesterday", "?cursor=nonsense",
                            "?cursor=12.", "?colour=blue"}) {
        auto response = lena_->call("GET", std::string("/api/v1/sessions") + bad);
        EXPECT_EQ(response.status, 400u) << bad << ": " << response.body;
        EXPECT_EQ(error_code(response), "invalid_argument") << bad;
    }
}

TEST_F(RelaySessionTest, only_the_assignee_or_a_lead_may_ask_and_only_for_the_ticket_machine) {
    auto m = machine_with_ticket("m-who");
    EXPECT_EQ(ask(*tom_, m.ticket, "VIEW").status, 403u) << "not the assignee";
    EXPECT_EQ(ask(*tina_, m.ticket, "EVERYTHING").status, 400u);
    auto bare = tina_->create_ticket("Phone call about e-mail");
    EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/" + bare.number() + "/claim").status, 200u);
    auto no_machine = ask(*tina_, bare.number(), "VIEW");
    EXPECT_EQ(no_machine.status, 409u) << "no cold calls: the ticket has no machine";
    EXPECT_EQ(error_code(no_machine), "conflict");
    EXPECT_EQ(ask(*tina_, "LL-999999", "VIEW").status, 404u);

    auto unclaimed = machine_with_ticket("m-unclaimed", false);
    EXPECT_EQ(ask(*tina_, unclaimed.ticket, "VIEW").status, 403u) << "nobody's ticket yet";
    auto by_lead = ask(*lena_, unclaimed.ticket, "VIEW");
    EXPECT_EQ(by_lead.status, 201u) << by_lead.body;

    // An offline machine cannot be asked.
    m.channel->close();
    for (int i = 0; i < 100 && ask(*tina_, m.ticket, "VIEW").status != 409u; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto offline = ask(*tina_, m.ticket, "VIEW");
    EXPECT_EQ(offline.status, 409u);
    EXPECT_NE(offline.body.find("offline"), std::string::npos);

    // Agents and other technicians cannot read someone's session.
    v1::Session s;
    from_json(by_lead.body, s);
    EXPECT_EQ(tina_->call("GET", "/api/v1/sessions/" + s.id()).status, 403u);
    EXPECT_EQ(tina_->call("POST", "/api/v1/sessions/" + s.id() + "/end").status, 403u);
}

TEST_F(RelaySessionTest, a_lead_terminates_a_session_and_the_machine_is_told) {
    auto m = machine_with_ticket("m-lead");
    auto s = requested_and_answered(m, true);
    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id());
    agent->send("frame");
    EXPECT_EQ(viewer->receive(), "frame");

    auto ended = lena_->call("POST", "/api/v1/sessions/" + s.id() + "/end", R"({"reason":"policy check"})");
    ASSERT_EQ(ended.status, 200u) << ended.body;
    EXPECT_TRUE(agent->closed_by_relay());
    EXPECT_TRUE(viewer->closed_by_relay());
    auto told = m.channel->receive();
    ASSERT_TRUE(told.has_session_ended()) << told.DebugString();
    EXPECT_EQ(told.session_ended().ended_by(), "lead:lena");
    auto record = session(s.id());
    EXPECT_EQ(record.state(), v1::Session::ENDED);
    EXPECT_EQ(record.ended_by(), "lead:lena");
    EXPECT_EQ(record.end_reason(), "policy check");
    EXPECT_EQ(lena_->call("POST", "/api/v1/sessions/" + s.id() + "/end").status, 409u);
    // The end's audit row has what was forwarded until the lead stepped in, not zero.
    v1::AuditPage ends;
    from_json(lena_->call("GET", "/api/v1/audit?session=" + s.id() + "&action=session.ended").body, ends);
    ASSERT_EQ(ends.entries_size(), 1);
    EXPECT_EQ(ends.entries(0).details().fields().at("bytesToViewer").number_value(), 5);
    EXPECT_EQ(ends.entries(0).actor(), "user:lena");
}

TEST_F(RelaySessionTest, the_user_stops_sharing_and_resolving_the_ticket_ends_a_session) {
    auto m = machine_with_ticket("m-stop");
    auto s = requested_and_answered(m, true);
    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id());
    v1::AgentToRelay stop;
    stop.mutable_session_ended()->set_session_id(s.id());
    stop.mutable_session_ended()->set_reason("the user stopped sharing");
    m.channel->send(stop);
    EXPECT_TRUE(viewer->closed_by_relay());
    EXPECT_TRUE(agent->closed_by_relay());
    auto stopped = wait_state(s.id(), v1::Session::ENDED);
    EXPECT_EQ(stopped.ended_by(), "user");
    EXPECT_EQ(stopped.end_reason(), "the user stopped sharing");

    // A requested session, then the ticket is resolved: the request ends with the ticket.
    auto created = ask(*tina_, m.ticket, "VIEW");
    ASSERT_EQ(created.status, 201u) << created.body;
    v1::Session pending;
    from_json(created.body, pending);
    m.channel->receive();  // the request
    auto resolved = tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/status",
                                R"({"status":"RESOLVED","note":"Printer driver reinstalled"})");
    ASSERT_EQ(resolved.status, 200u) << resolved.body;
    auto closed = wait_state(pending.id(), v1::Session::ENDED);
    EXPECT_EQ(closed.end_reason(), "the ticket was closed");
    auto told = m.channel->receive();
    EXPECT_TRUE(told.has_session_ended()) << told.DebugString();
    EXPECT_EQ(ask(*tina_, m.ticket, "VIEW").status, 409u) << "resolved tickets take no sessions";
}

TEST_F(RelaySessionTest, view_to_control_needs_the_user_again) {
    auto m = machine_with_ticket("m-upgrade");
    auto s = requested_and_answered(m, true, "VIEW");
    EXPECT_EQ(tom_->call("POST", "/api/v1/sessions/" + s.id() + "/upgrade").status, 403u);

    auto asked = tina_->call("POST", "/api/v1/sessions/" + s.id() + "/upgrade");
    ASSERT_EQ(asked.status, 202u) << asked.body;
    auto request = m.channel->receive();
    ASSERT_TRUE(request.has_session_request());
    EXPECT_TRUE(request.session_request().upgrade());
    EXPECT_EQ(request.session_request().mode(), v1::CONTROL);
    EXPECT_TRUE(session(s.id()).upgrade_pending());
    v1::AgentToRelay no;
    no.mutable_session_answer()->set_session_id(s.id());
    no.mutable_session_answer()->set_allow(false);
    m.channel->send(no);
    for (int i = 0; i < 200 && session(s.id()).upgrade_pending(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    EXPECT_EQ(session(s.id()).mode(), v1::VIEW) << "the user said no: still view only";

    ASSERT_EQ(tina_->call("POST", "/api/v1/sessions/" + s.id() + "/upgrade").status, 202u);
    m.channel->receive();
    v1::AgentToRelay yes;
    yes.mutable_session_answer()->set_session_id(s.id());
    yes.mutable_session_answer()->set_allow(true);
    m.channel->send(yes);
    v1::Session upgraded;
    for (int i = 0; i < 200; ++i) {
        upgraded = session(s.id());
        if (upgraded.mode() == v1::CONTROL) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_EQ(upgraded.mode(), v1::CONTROL);
    EXPECT_TRUE(upgraded.has_upgraded_at());
    EXPECT_EQ(upgraded.state(), v1::Session::ACTIVE);
    EXPECT_EQ(tina_->call("POST", "/api/v1/sessions/" + s.id() + "/upgrade").status, 409u);
    const std::string device = "device:" + m.credential.device_id();
    EXPECT_EQ(audit_trail(s.id()),
              (std::vector<std::string>{"session.requested by user:tina", "session.consented by " + device,
                                        "session.upgrade_requested by user:tina", "session.upgrade_denied by " + device,
                                        "session.upgrade_requested by user:tina", "session.upgraded by " + device}));
}

TEST_F(RelaySessionTest, a_monitor_is_asked_for_by_index_and_passed_to_the_machine) {
    auto m = machine_with_ticket("m-monitor");
    auto out_of_range =
        tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/sessions", R"({"mode":"VIEW","monitor":99})");
    EXPECT_EQ(out_of_range.status, 400u) << out_of_range.body;
    EXPECT_EQ(error_code(out_of_range), "invalid_argument");
    auto created = tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/sessions", R"({"mode":"VIEW","monitor":1})");
    ASSERT_EQ(created.status, 201u) << created.body;
    v1::Session s;
    from_json(created.body, s);
    EXPECT_EQ(s.monitor(), 1);
    auto request = m.channel->receive();
    ASSERT_TRUE(request.has_session_request()) << request.DebugString();
    ASSERT_TRUE(request.session_request().has_monitor());
    EXPECT_EQ(request.session_request().monitor(), 1);
    EXPECT_EQ(session(s.id()).monitor(), 1) << "kept on the session's record";
}

TEST_F(RelaySessionTest, the_timeline_tells_the_tickets_story_in_time_order) {
    auto m = machine_with_ticket("m-timeline");
    ASSERT_EQ(
        tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/comments", R"({"body":"I will take a look"})").status,
        201u);
    auto denied = requested_and_answered(m, false);
    auto s = requested_and_answered(m, true);
    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id());
    agent->send("frame");
    EXPECT_EQ(viewer->receive(), "frame");
    ASSERT_EQ(lena_->call("POST", "/api/v1/sessions/" + s.id() + "/end", R"({"reason":"done"})").status, 200u);
    for (int i = 0; i < 200 && session(s.id()).recording_sha256().empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));

    auto response = lena_->call("GET", "/api/v1/tickets/" + m.ticket + "/timeline");
    ASSERT_EQ(response.status, 200u) << response.body;
    v1::Timeline timeline;
    from_json(response.body, timeline);
    EXPECT_EQ(timeline.ticket().number(), m.ticket);
    ASSERT_GT(timeline.entries_size(), 0);
    EXPECT_EQ(timeline.entries(0).kind(), "event");
    EXPECT_EQ(timeline.entries(0).event().action(), "created");
    auto to_ms = [](const google::protobuf::Timestamp& t) { return t.seconds() * 1000 + t.nanos() / 1'000'000; };
    std::vector<std::string> story;
    for (int i = 0; i < timeline.entries_size(); ++i) {
        const auto& e = timeline.entries(i);
        if (i > 0) {
            EXPECT_GE(to_ms(e.at()), to_ms(timeline.entries(i - 1).at())) << "entry " << i << " is out of order";
        }
        if (e.kind() == "system_info") story.push_back("system info of " + e.system_info().hostname());
        if (e.kind() == "comment") story.push_back("comment: " + e.comment().body());
        if (e.kind() == "session") story.push_back("asked " + e.session().session().id());
        if (e.kind() == "consent") {
            story.push_back(std::string(e.consent().allowed() ? "allowed " : "denied ") + e.consent().session_id() +
                            (e.consent().reason().empty() ? "" : ": " + e.consent().reason()));
        }
        if (e.kind() == "session_end" && e.session().session().state() == v1::Session::ENDED) {
            story.push_back("ended " + e.session().session().id() + " by " + e.session().session().ended_by());
            EXPECT_EQ(e.session().recording_url(), "/api/v1/sessions/" + s.id() + "/recording");
            EXPECT_GE(e.session().duration_ms(), 0);
        }
    }
    EXPECT_EQ(story, (std::vector<std::string>{
                         "system info of pc-m-timeline", "comment: I will take a look", "asked " + denied.id(),
                         "denied " + denied.id() + ": the user denied the request", "asked " + s.id(),
                         "allowed " + s.id(), "ended " + s.id() + " by lead:lena"}));

    EXPECT_EQ(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/timeline").status, 200u) << "staff read it";
    EXPECT_EQ(tina_->call("GET", "/api/v1/tickets/LL-999999/timeline").status, 404u);
    ApiClient machine(relay_.client());
    machine.set_token(m.credential.device_id() + "." + m.credential.device_secret());
    EXPECT_EQ(machine.call("GET", "/api/v1/tickets/" + m.ticket + "/timeline").status, 403u)
        << "a machine's credential does not read timelines";
}

TEST_F(RelaySessionTest, unattended_access_is_an_admins_decision_passed_to_the_machine) {
    auto m = machine_with_ticket("m-unattended");
    auto path = "/api/v1/agents/" + m.credential.device_id() + "/unattended";
    EXPECT_EQ(lena_->call("POST", path, R"({"allowed":true})").status, 403u) << "admins only";
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    auto allowed = admin.call("POST", path, R"({"allowed":true})");
    ASSERT_EQ(allowed.status, 200u) << allowed.body;
    EXPECT_NE(allowed.body.find("\"unattendedAllowed\":true"), std::string::npos) << allowed.body;
    ASSERT_EQ(ask(*tina_, m.ticket, "VIEW").status, 201u);
    auto request = m.channel->receive();
    ASSERT_TRUE(request.has_session_request());
    EXPECT_TRUE(request.session_request().unattended_allowed());
}

TEST_F(RelaySessionTest, a_slow_viewer_slows_the_machine_and_relay_memory_stays_flat) {
    auto m = machine_with_ticket("m-slow");
    auto s = requested_and_answered(m, true);
    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id(), 101, 64 * 1024);
    constexpr int kFrames = 200;
    constexpr std::size_t kFrameBytes = 256 * 1024;  // 50 MiB in all: more than the memory bound below
    auto rss_kib = [&] {
        std::ifstream status("/proc/" + std::to_string(relay_.pid()) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
        return 0L;
    };
    const long rss_before = rss_kib();
    std::atomic<int> sent{0};
    std::thread writer([&] {
        std::string frame(kFrameBytes, 'f');
        for (int i = 0; i < kFrames; ++i) {
            std::memcpy(frame.data(), &i, sizeof i);
            agent->send(frame);
            sent = i + 1;
        }
    });
    // The viewer reads nothing for a while: the machine's writes must stall, not pile up at the relay.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const int sent_while_stalled = sent;
    const long rss_stalled = rss_kib();
    EXPECT_LT(sent_while_stalled, kFrames / 2) << "the relay kept reading from the machine";
    EXPECT_LT(rss_stalled - rss_before, 48 * 1024) << "relay memory grew with the backlog";
    // Then it reads everything, in order, nothing lost.
    for (int i = 0; i < kFrames; ++i) {
        auto frame = viewer->receive(std::chrono::seconds(20));
        ASSERT_EQ(frame.size(), kFrameBytes);
        int index = -1;
        std::memcpy(&index, frame.data(), sizeof index);
        ASSERT_EQ(index, i);
    }
    writer.join();
    RecordProperty("frames_sent_while_viewer_stalled", sent_while_stalled);
    RecordProperty("relay_rss_growth_kib", static_cast<int>(rss_stalled - rss_before));
}

class RelaySessionTimeoutTest : public RelaySessionTest {
protected:
    void SetUp() override {
        RelaySessionTest::SetUp();
        relay_.stop();
        write_config("idle_timeout = 5\nconsent_timeout = 5\n");
        relay_.start({"--log-level", "info"});
        // The restart signed nobody out: tokens live in the database.
    }
};

TEST_F(RelaySessionTimeoutTest, an_idle_session_ends_and_an_unanswered_request_fails) {
    auto m = machine_with_ticket("m-idle");
    auto s = requested_and_answered(m, true);
    auto agent = agent_socket(m, s.id());
    auto viewer = viewer_socket(*tina_, s.id());
    agent->send("one frame, then silence");
    EXPECT_EQ(viewer->receive(), "one frame, then silence");
    EXPECT_TRUE(viewer->closed_by_relay(std::chrono::seconds(15)));
    auto idle = wait_state(s.id(), v1::Session::ENDED);
    EXPECT_EQ(idle.ended_by(), "relay");
    EXPECT_EQ(idle.end_reason(), "idle for 5 s");
    m.channel->receive();  // session ended

    auto created = ask(*tina_, m.ticket, "VIEW");
    ASSERT_EQ(created.status, 201u);
    v1::Session unanswered;
    from_json(created.body, unanswered);
    m.channel->receive();  // the request, left unanswered
    auto told = m.channel->receive(std::chrono::seconds(15));
    EXPECT_TRUE(told.has_session_ended()) << told.DebugString();
    auto failed = session(unanswered.id());
    EXPECT_EQ(failed.state(), v1::Session::FAILED);
    EXPECT_EQ(failed.end_reason(), "no answer from the machine");
}

TEST_F(RelaySessionTest, stopping_the_relay_ends_open_sessions_with_a_reason) {
    auto m = machine_with_ticket("m-restart");
    auto stopped = requested_and_answered(m, true);
    auto agent = agent_socket(m, stopped.id());
    ASSERT_EQ(relay_.stop(), 0);
    relay_.start({"--log-level", "info"});
    auto after_stop = session(stopped.id());
    EXPECT_EQ(after_stop.state(), v1::Session::ENDED);
    EXPECT_EQ(after_stop.ended_by(), "relay");
    EXPECT_EQ(after_stop.end_reason(), "the relay is shutting down");

    // A crash leaves no chance to record anything: the next start marks what was open as failed.
    m.channel = std::make_unique<AgentChannelClient>(relay_.port(), relay_.ca_file());
    ASSERT_EQ(m.channel->connect(m.credential.device_id(), m.credential.device_secret()), 101u);
    for (int i = 0; i < 100 && ask(*tina_, m.ticket, "VIEW").status != 201u; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto pending = tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/sessions");
    v1::SessionList list;
    from_json(pending.body, list);
    ASSERT_EQ(list.sessions_size(), 2);
    const std::string crashed = list.sessions(0).id();  // newest first
    relay_.kill();
    relay_.start({"--log-level", "info"});
    auto after_crash = session(crashed);
    EXPECT_EQ(after_crash.state(), v1::Session::FAILED);
    EXPECT_EQ(after_crash.end_reason(), "the relay restarted");
}

}  // namespace
}  // namespace lifeline::testing
