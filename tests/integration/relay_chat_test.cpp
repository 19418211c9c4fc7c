// Chat between a ticket's staff and the user of its machine, and the staff's event stream, through
// the real relay: who may write, what reaches whom, what the audit log and the timeline keep.
#include "shared/core/ids.hpp"
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/ws_test_client.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

namespace lifeline::testing {
namespace {

constexpr const char* kPassword = "chat-password-1";

class RelayChatTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("tom", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("lena", v1::LEAD, kPassword, 0);
        for (auto [name, client] : {std::pair{"tina", &tina_}, std::pair{"tom", &tom_}, std::pair{"lena", &lena_}}) {
            client->emplace(relay_.client());
            (*client)->login(name, kPassword);
        }
    }

    using Machine = ChannelMachine;

    // A machine on its control channel whose user is "mia", with a ticket tina has claimed.
    Machine machine_with_ticket(const std::string& machine_id) {
        v1::SystemInfo info;
        info.set_hostname("pc-" + machine_id);
        info.set_user("mia");
        auto m = testing::machine_with_ticket(relay_, machine_id, info, "Mail does not sync");
        EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/claim").status, 200u);
        return m;
    }

    static net::HttpResponse write(ApiClient& who, const std::string& ticket, const std::string& text) {
        v1::SendChatRequest request;
        request.set_text(text);
        return who.call("POST", "/api/v1/tickets/" + ticket + "/chat", request);
    }

    static v1::RelayToAgent user_writes(Machine& m, std::int64_t request_id, const std::string& ticket,
                                        const std::string& text) {
        v1::AgentToRelay send;
        send.mutable_chat_send()->set_request_id(request_id);
        send.mutable_chat_send()->set_ticket_number(ticket);
        send.mutable_chat_send()->set_text(text);
        m.channel->send(send);
        for (;;) {  // skip what staff wrote meanwhile
            auto frame = m.channel->receive();
            if (!frame.has_chat()) return frame;
        }
    }

    std::unique_ptr<WsTestClient> event_stream(const std::string& authorization, unsigned expect = 101,
                                               const std::string& origin = {}) {
        auto ws = std::make_unique<WsTestClient>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(ws->connect("/v1/events", authorization, origin), expect) << ws->refusal_body();
        return ws;
    }

    // The next event the predicate accepts; others (earlier changes) are skipped.
    static v1::StaffEvent next_event(WsTestClient& ws, const std::function<bool(const v1::StaffEvent&)>& wanted) {
        for (int i = 0; i < 50; ++i) {
            v1::StaffEvent event;
            EXPECT_TRUE(event.ParseFromString(ws.receive()));
            if (wanted(event)) return event;
        }
        ADD_FAILURE() << "the wanted event did not come";
        return {};
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_, tom_, lena_;
};

TEST_F(RelayChatTest, staff_and_the_user_talk_live_and_every_line_is_audited_and_on_the_timeline) {
    auto m = machine_with_ticket("chat-live");
    auto events = event_stream("Bearer " + lena_->token());

    const std::string hello = "Hello Mia, I am looking at your mail now.";
    auto written = write(*tina_, m.ticket, hello);
    ASSERT_EQ(written.status, 201u) << written.body;
    v1::ChatMessage mine;
    from_json(written.body, mine);
    EXPECT_GT(mine.id(), 0);
    EXPECT_EQ(mine.ticket_number(), m.ticket);
    EXPECT_EQ(mine.author(), "tina Example");
    EXPECT_FALSE(mine.from_user());
    EXPECT_TRUE(mine.session_id().empty()) << "no session is live";

    // The machine gets it at once; so does every signed-in viewer.
    auto pushed = m.channel->receive();
    ASSERT_TRUE(pushed.has_chat()) << pushed.DebugString();
    EXPECT_EQ(pushed.chat().text(), hello);
    EXPECT_EQ(pushed.chat().id(), mine.id());
    auto seen = next_event(*events, [](const auto& e) { return e.has_chat(); });
    EXPECT_EQ(seen.chat().text(), hello);

    // The user answers (markup is just text: it is stored and shown as written).
    const std::string answer = "Thanks! It says <b>error 0x80</b>\nand then nothing.";
    auto stored = user_writes(m, 7, m.ticket, answer);
    ASSERT_TRUE(stored.has_chat_history()) << stored.DebugString();
    EXPECT_EQ(stored.chat_history().request_id(), 7);
    ASSERT_EQ(stored.chat_history().messages_size(), 1);
    EXPECT_EQ(stored.chat_history().messages(0).author(), "mia");
    EXPECT_TRUE(stored.chat_history().messages(0).from_user());
    auto heard = next_event(*events, [](const auto& e) { return e.has_chat(); });
    EXPECT_EQ(heard.chat().text(), answer);

    // Both sides read the same conversation, oldest first.
    v1::ChatList list;
    from_json(tom_->call("GET", "/api/v1/tickets/" + m.ticket + "/chat").body, list);
    ASSERT_EQ(list.messages_size(), 2);
    EXPECT_EQ(list.messages(0).text(), hello);
    EXPECT_EQ(list.messages(1).text(), answer);
    v1::AgentToRelay ask;
    ask.mutable_chat_history()->set_request_id(8);
    ask.mutable_chat_history()->set_ticket_number(m.ticket);
    m.channel->send(ask);
    auto history = m.channel->receive();
    ASSERT_TRUE(history.has_chat_history()) << history.DebugString();
    EXPECT_EQ(history.chat_history().request_id(), 8);
    ASSERT_EQ(history.chat_history().messages_size(), 2);
    EXPECT_EQ(history.chat_history().messages(1).text(), answer);

    // Each line is an audit row carrying the text's digest, so an edited chat row is provable.
    v1::AuditPage audit;
    from_json(lena_->call("GET", "/api/v1/audit?action=chat.message&ticket=" + m.ticket).body, audit);
    ASSERT_EQ(audit.entries_size(), 2);  // newest first
    EXPECT_EQ(audit.entries(0).actor(), "device:" + m.credential.device_id());
    EXPECT_EQ(audit.entries(1).actor(), "user:tina");
    const auto& fields = audit.entries(0).details().fields();
    EXPECT_EQ(fields.at("from").string_value(), "user");
    EXPECT_EQ(fields.at("sha256").string_value(), core::sha256_hex(answer));
    EXPECT_EQ(fields.at("bytes").string_value(), std::to_string(answer.size()));
    EXPECT_EQ(audit.entries(0).device_id(), m.credential.device_id());

    v1::Timeline timeline;
    from_json(lena_->call("GET", "/api/v1/tickets/" + m.ticket + "/timeline").body, timeline);
    std::vector<std::string> chat;
    for (const auto& entry : timeline.entries()) {
        if (entry.kind() == "chat") chat.push_back(entry.chat().text());
    }
    EXPECT_EQ(chat, (std::vector<std::string>{hello, answer}));
}

TEST_F(RelayChatTest, only_whoever_works_the_ticket_writes_and_bad_lines_are_refused) {
    auto m = machine_with_ticket("chat-rules");
    EXPECT_EQ(write(*tom_, m.ticket, "hi").status, 403u) << "tom has not claimed it";
    EXPECT_EQ(write(*lena_, m.ticket, "a lead may step in").status, 201u);
    EXPECT_EQ(m.channel->receive().chat().author(), "lena Example");

    EXPECT_EQ(write(*tina_, m.ticket, " \n\t").status, 400u);
    EXPECT_EQ(write(*tina_, m.ticket, std::string(4001, 'x')).status, 400u);
    EXPECT_EQ(write(*tina_, m.ticket, "bell\a").status, 400u);
    auto not_utf8 = tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/chat", "{\"text\":\"ok \xff\xfe\"}");
    EXPECT_EQ(not_utf8.status, 400u) << not_utf8.body;
    EXPECT_EQ(write(*tina_, m.ticket, std::string(4000, 'x')).status, 201u);
    auto unknown = write(*lena_, "LL-999999", "anyone?");
    EXPECT_EQ(unknown.status, 404u);
    EXPECT_EQ(error_code(unknown), "not_found");
    auto malformed = tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/chat", "{\"text\":");
    EXPECT_EQ(malformed.status, 400u);

    // The machine's own credential does not open the staff's API.
    ApiClient device(relay_.client());
    device.set_token(m.credential.device_id() + "." + m.credential.device_secret());
    EXPECT_EQ(write(device, m.ticket, "hi").status, 403u);

    // Another machine cannot read or write this ticket's chat: to it the ticket does not exist.
    auto other = machine_with_ticket("chat-other");
    auto refused = user_writes(other, 11, m.ticket, "let me in");
    ASSERT_TRUE(refused.has_error()) << refused.DebugString();
    EXPECT_EQ(refused.error().code(), "not_found");
    EXPECT_EQ(refused.error().request_id(), 11);
    auto empty = user_writes(other, 12, other.ticket, "");
    ASSERT_TRUE(empty.has_error());
    EXPECT_EQ(empty.error().code(), "invalid_argument");
    v1::AgentToRelay peek;
    peek.mutable_chat_history()->set_request_id(13);
    peek.mutable_chat_history()->set_ticket_number(m.ticket);
    other.channel->send(peek);
    EXPECT_EQ(other.channel->receive().error().code(), "not_found");

    // A closed ticket takes no more chat.
    const std::string base = "/api/v1/tickets/" + m.ticket;
    ASSERT_EQ(tina_->call("POST", base + "/status", R"({"status":"RESOLVED","note":"fixed"})").status, 200u);
    EXPECT_EQ(write(*tina_, m.ticket, "anything else?").status, 201u) << "resolved is not closed";
    ASSERT_EQ(tina_->call("POST", base + "/status", R"({"status":"CLOSED"})").status, 200u);
    auto closed = write(*tina_, m.ticket, "too late");
    EXPECT_EQ(closed.status, 409u) << closed.body;
    EXPECT_EQ(user_writes(m, 14, m.ticket, "hello?").error().code(), "conflict");
}

TEST_F(RelayChatTest, a_line_written_during_a_session_names_the_session) {
    auto m = machine_with_ticket("chat-session");
    auto events = event_stream("Bearer " + lena_->token());
    auto created = tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/sessions", R"({"mode":"VIEW"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto request = m.channel->receive();
    ASSERT_TRUE(request.has_session_request()) << request.DebugString();
    const std::string id = request.session_request().session_id();
    v1::AgentToRelay answer;
    answer.mutable_session_answer()->set_session_id(id);
    answer.mutable_session_answer()->set_allow(true);
    m.channel->send(answer);
    // The viewers hear of the session's life on the event stream too.
    auto active = next_event(
        *events, [](const auto& e) { return e.has_session() && e.session().state() == v1::Session::ACTIVE; });
    EXPECT_EQ(active.session().id(), id);

    auto written = write(*tina_, m.ticket, "I can see your desktop now");
    ASSERT_EQ(written.status, 201u) << written.body;
    v1::ChatMessage message;
    from_json(written.body, message);
    EXPECT_EQ(message.session_id(), id);
    v1::AuditPage audit;
    from_json(lena_->call("GET", "/api/v1/audit?action=chat.message&session=" + id).body, audit);
    EXPECT_EQ(audit.entries_size(), 1);
}

TEST_F(RelayChatTest, the_event_stream_pushes_ticket_changes_and_presence_to_staff_only) {
    event_stream("", 401);
    event_stream("Bearer not-a-token", 401);
    event_stream("Bearer " + tina_->token(), 403, "https://evil.example");
    auto m = machine_with_ticket("events-device");
    event_stream("Bearer " + m.credential.device_id() + "." + m.credential.device_secret(), 401);

    auto events = event_stream("Bearer " + tom_->token());
    auto created = tina_->create_ticket("Projector flickers", v1::P2);
    auto ticket = next_event(*events, [&](const auto& e) { return e.has_ticket(); });
    EXPECT_EQ(ticket.ticket().number(), created.number());
    EXPECT_EQ(ticket.ticket().subject(), "Projector flickers");
    EXPECT_EQ(ticket.ticket().status(), v1::Ticket::NEW);

    ASSERT_EQ(tina_->call("POST", "/api/v1/tickets/" + created.number() + "/claim").status, 200u);
    auto claimed = next_event(*events, [](const auto& e) { return e.has_ticket(); });
    EXPECT_EQ(claimed.ticket().assignee(), "tina");

    // Tickets from machines come without the system info snapshot (the ticket API has it).
    auto second = machine_with_ticket("events-second");
    auto opened = next_event(*events, [](const auto& e) { return e.has_ticket(); });
    EXPECT_EQ(opened.ticket().number(), second.ticket);
    EXPECT_FALSE(opened.ticket().has_system_info());
    second.channel->close();
    auto offline = next_event(*events, [](const auto& e) { return e.has_device() && !e.device().online(); });
    EXPECT_EQ(offline.device().device_id(), second.credential.device_id());
    EXPECT_EQ(offline.device().hostname(), "pc-events-second");

    // The stream is one way: a client that talks is closed.
    events->send("hello?");
    EXPECT_TRUE(events->closed_by_relay());
}

}  // namespace
}  // namespace lifeline::testing
