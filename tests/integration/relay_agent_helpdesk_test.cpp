// The machine user's helpdesk requests on the agents' control channel, through the real relay: a
// ticket's public replies (never internal notes), the user's reply and rating, Get help's categories
// and knowledge-base suggestions, and the ticket updates the relay pushes to the machine.
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include "helpdesk.pb.h"
#include "knowledge.pb.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>

namespace lifeline::testing {
namespace {

constexpr const char* kPassword = "helpdesk-password-1";

class AgentHelpdeskTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(relay_.data_dir() + "/helpdesk.toml")
            << "[[category]]\nname = \"Printing\"\ngroup = \"office-it\"\n\n"
               "[[category]]\nname = \"Email\"\ngroup = \"office-it\"\n";
        relay_.start();
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("lena", v1::LEAD, kPassword, 0);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
        lena_.emplace(relay_.client());
        lena_->login("lena", kPassword);
    }

    // A machine whose user is "mia" on "pc-NAME", with a ticket.
    ChannelMachine machine(const std::string& name) {
        v1::SystemInfo info;
        info.set_hostname("pc-" + name);
        info.set_user("mia");
        return machine_with_ticket(relay_, name, info, "Printer shows offline");
    }

    // Sends `message` and answers the relay's reply to it (pushed ticket updates are kept aside).
    static v1::RelayToAgent ask(ChannelMachine& m, const v1::AgentToRelay& message) {
        m.channel->send(message);
        return m.channel->receive();
    }

    // The ticket update pushed since the last call, if any: the relay answers a heartbeat after it has
    // queued the pushes of every change made before, so none can still be on its way.
    static std::optional<v1::TicketSummary> next_update(ChannelMachine& m) {
        v1::AgentToRelay beat;
        beat.mutable_heartbeat();
        m.channel->send(beat);
        EXPECT_TRUE(m.channel->receive().has_heartbeat());
        return m.channel->take_ticket_update();
    }

    static v1::AgentToRelay detail(std::int64_t id, const std::string& number) {
        v1::AgentToRelay message;
        message.mutable_ticket_detail()->set_request_id(id);
        message.mutable_ticket_detail()->set_number(number);
        return message;
    }

    static v1::AgentToRelay reply(std::int64_t id, const std::string& number, const std::string& body) {
        v1::AgentToRelay message;
        message.mutable_user_reply()->set_request_id(id);
        message.mutable_user_reply()->set_number(number);
        message.mutable_user_reply()->set_body(body);
        return message;
    }

    static v1::AgentToRelay rate(std::int64_t id, const std::string& number, int rating, const std::string& comment) {
        v1::AgentToRelay message;
        message.mutable_rate_ticket()->set_request_id(id);
        message.mutable_rate_ticket()->set_number(number);
        message.mutable_rate_ticket()->set_rating(rating);
        message.mutable_rate_ticket()->set_comment(comment);
        return message;
    }

    void comment(const std::string& number, const std::string& body, bool internal) {
        v1::AddCommentRequest request;
        request.set_body(body);
        request.set_internal(internal);
        auto response = tina_->call("POST", "/api/v1/tickets/" + number + "/comments", request);
        ASSERT_EQ(response.status, 201u) << response.body;
    }

    void set_status(const std::string& number, const std::string& status) {
        auto response =
            tina_->call("POST", "/api/v1/tickets/" + number + "/status", R"({"status":")" + status + R"("})");
        ASSERT_EQ(response.status, 200u) << response.body;
    }

    static void expect_refused(const v1::RelayToAgent& answer, std::int64_t id, const std::string& code) {
        ASSERT_TRUE(answer.has_error()) << answer.DebugString();
        EXPECT_EQ(answer.error().code(), code) << answer.error().message();
        EXPECT_EQ(answer.error().request_id(), id);
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_, lena_;
};

TEST_F(AgentHelpdeskTest, the_machine_reads_public_replies_only_and_hears_of_status_changes_and_replies) {
    auto m = machine("detail");
    EXPECT_FALSE(next_update(m)) << "opening its own ticket tells the machine nothing new";

    // Claiming opens the ticket: a new status, pushed.
    ASSERT_EQ(tina_->call("POST", "/api/v1/tickets/" + m.ticket + "/claim").status, 200u);
    auto opened = next_update(m);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->number(), m.ticket);
    EXPECT_EQ(opened->status(), v1::Ticket::OPEN);
    EXPECT_EQ(opened->subject(), "Printer shows offline");

    // A public reply is pushed; an internal note and a priority change are not.
    comment(m.ticket, "Please switch the printer off and on.", false);
    auto replied = next_update(m);
    ASSERT_TRUE(replied);
    EXPECT_EQ(replied->status(), v1::Ticket::OPEN);
    comment(m.ticket, "Printer is on the VIP floor; the user is impatient.", true);
    EXPECT_FALSE(next_update(m)) << "an internal note must not reach the user's machine";
    ASSERT_EQ(tina_->call("PATCH", "/api/v1/tickets/" + m.ticket, R"({"priority":"P2"})").status, 200u);
    EXPECT_FALSE(next_update(m));

    auto answer = ask(m, detail(41, m.ticket));
    ASSERT_TRUE(answer.has_ticket_detail()) << answer.DebugString();
    const auto& d = answer.ticket_detail();
    EXPECT_EQ(d.request_id(), 41);
    EXPECT_EQ(d.ticket().number(), m.ticket);
    EXPECT_EQ(d.ticket().status(), v1::Ticket::OPEN);
    ASSERT_EQ(d.replies_size(), 1) << "public replies only";
    EXPECT_EQ(d.replies(0).body(), "Please switch the printer off and on.");
    EXPECT_FALSE(d.replies(0).internal());
    EXPECT_EQ(d.replies(0).author(), "tina");

    // Another machine's ticket does not exist for this one; nor does an unknown number.
    auto other = machine("other");
    expect_refused(ask(other, detail(42, m.ticket)), 42, "not_found");
    expect_refused(ask(m, detail(43, "LL-999999")), 43, "not_found");

    // Resolving is a status change like any other.
    set_status(m.ticket, "RESOLVED");
    auto resolved = next_update(m);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->status(), v1::Ticket::RESOLVED);
    EXPECT_FALSE(next_update(other)) << "only the ticket's own machine hears of it";
}

TEST_F(AgentHelpdeskTest, the_user_replies_as_the_requester_from_the_machine_but_not_on_a_closed_ticket) {
    auto m = machine("reply");
    const std::string words = "It shows a red light now.\nAnd it beeps <three> times.";
    auto done = ask(m, reply(7, m.ticket, words));
    ASSERT_TRUE(done.has_done()) << done.DebugString();
    EXPECT_EQ(done.done().request_id(), 7);
    EXPECT_FALSE(next_update(m)) << "the user's own reply is no news to the user";

    v1::CommentList comments;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/comments").body, comments);
    ASSERT_EQ(comments.comments_size(), 1);
    EXPECT_EQ(comments.comments(0).body(), words);
    EXPECT_FALSE(comments.comments(0).internal());
    EXPECT_EQ(comments.comments(0).author(), "mia (from pc-reply)");
    v1::TicketHistory history;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/history").body, history);
    bool recorded = false;
    for (const auto& event : history.events())
        recorded |= event.action() == "public_reply" && event.actor() == "mia (from pc-reply)";
    EXPECT_TRUE(recorded) << history.DebugString();
    auto again = ask(m, detail(8, m.ticket));
    ASSERT_TRUE(again.has_ticket_detail());
    ASSERT_EQ(again.ticket_detail().replies_size(), 1);
    EXPECT_EQ(again.ticket_detail().replies(0).body(), words);

    expect_refused(ask(m, reply(9, m.ticket, " \n\t ")), 9, "invalid_argument");
    expect_refused(ask(m, reply(10, m.ticket, std::string((64 << 10) + 1, 'x'))), 10, "invalid_argument");
    expect_refused(ask(m, reply(11, m.ticket, "bell\a")), 11, "invalid_argument");
    auto other = machine("reply-other");
    expect_refused(ask(other, reply(12, m.ticket, "not mine")), 12, "not_found");

    set_status(m.ticket, "RESOLVED");
    ASSERT_TRUE(next_update(m));
    set_status(m.ticket, "CLOSED");
    ASSERT_TRUE(next_update(m));
    expect_refused(ask(m, reply(13, m.ticket, "one more thing")), 13, "conflict");
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/comments").body, comments);
    EXPECT_EQ(comments.comments_size(), 1);
}

TEST_F(AgentHelpdeskTest, the_users_reply_puts_a_pending_ticket_back_to_open) {
    auto m = machine("pending");
    set_status(m.ticket, "PENDING");
    ASSERT_TRUE(next_update(m));
    auto done = ask(m, reply(1, m.ticket, "Here is the error text you asked for."));
    ASSERT_TRUE(done.has_done()) << done.DebugString();
    v1::Ticket ticket;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket).body, ticket);
    EXPECT_EQ(ticket.status(), v1::Ticket::OPEN);
    v1::TicketHistory history;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/history").body, history);
    ASSERT_GT(history.events_size(), 0);
    const auto& last = history.events(history.events_size() - 1);
    EXPECT_EQ(last.action(), "status") << history.DebugString();
    EXPECT_EQ(last.from(), "pending");
    EXPECT_EQ(last.to(), "open");
    EXPECT_EQ(last.actor(), "mia (from pc-pending)");

    // An open ticket stays as it is: a reply changes no status but pending.
    auto more = ask(m, reply(2, m.ticket, "And it happened again."));
    ASSERT_TRUE(more.has_done()) << more.DebugString();
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/history").body, history);
    int status_changes = 0;
    for (const auto& event : history.events())
        status_changes += event.action() == "status" ? 1 : 0;
    EXPECT_EQ(status_changes, 2) << history.DebugString();  // to pending, and back
}

TEST_F(AgentHelpdeskTest, a_resolved_ticket_is_rated_from_its_machine_and_the_rating_is_on_the_ticket) {
    auto m = machine("rate");
    expect_refused(ask(m, rate(1, m.ticket, 5, "")), 1, "conflict");  // not solved yet
    set_status(m.ticket, "RESOLVED");
    ASSERT_TRUE(next_update(m));
    expect_refused(ask(m, rate(2, m.ticket, 0, "")), 2, "invalid_argument");
    expect_refused(ask(m, rate(3, m.ticket, 6, "")), 3, "invalid_argument");
    expect_refused(ask(m, rate(4, m.ticket, 4, std::string(4001, 'c'))), 4, "invalid_argument");
    auto other = machine("rate-other");
    expect_refused(ask(other, rate(5, m.ticket, 1, "")), 5, "not_found");

    auto done = ask(m, rate(6, m.ticket, 4, "Quick and kind."));
    ASSERT_TRUE(done.has_done()) << done.DebugString();
    EXPECT_EQ(done.done().request_id(), 6);
    EXPECT_FALSE(next_update(m)) << "the user's own rating is no news to the user";
    v1::Ticket ticket;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket).body, ticket);
    ASSERT_TRUE(ticket.has_satisfaction());
    EXPECT_EQ(ticket.satisfaction().rating(), 4);
    EXPECT_EQ(ticket.satisfaction().comment(), "Quick and kind.");

    // A second rating replaces the first; My tickets shows it.
    ASSERT_TRUE(ask(m, rate(7, m.ticket, 5, "")).has_done());
    v1::AgentToRelay list;
    list.mutable_list_tickets()->set_request_id(8);
    auto mine = ask(m, list);
    ASSERT_TRUE(mine.has_my_tickets());
    ASSERT_EQ(mine.my_tickets().tickets_size(), 1);
    EXPECT_EQ(mine.my_tickets().tickets(0).satisfaction().rating(), 5);
    v1::TicketHistory history;
    from_json(tina_->call("GET", "/api/v1/tickets/" + m.ticket + "/history").body, history);
    int ratings = 0;
    for (const auto& event : history.events()) {
        if (event.action() != "satisfaction") continue;
        ++ratings;
        EXPECT_EQ(event.actor(), "device:" + m.credential.device_id());
    }
    EXPECT_EQ(ratings, 2);
}

TEST_F(AgentHelpdeskTest, get_help_offers_the_relays_categories_and_published_answers_only) {
    auto m = machine("catalog");
    v1::AgentToRelay catalog;
    catalog.mutable_help_catalog()->set_request_id(21);
    auto offered = ask(m, catalog);
    ASSERT_TRUE(offered.has_help_catalog()) << offered.DebugString();
    EXPECT_EQ(offered.help_catalog().request_id(), 21);
    v1::CategoryList categories;
    from_json(tina_->call("GET", "/api/v1/categories").body, categories);
    ASSERT_EQ(offered.help_catalog().categories_size(), 2) << "as helpdesk.toml lists them";
    EXPECT_EQ(offered.help_catalog().categories(0), "Printing");
    EXPECT_EQ(offered.help_catalog().categories(1), "Email");
    ASSERT_EQ(categories.categories_size(), 2);
    for (int i = 0; i < categories.categories_size(); ++i)
        EXPECT_EQ(offered.help_catalog().categories(i), categories.categories(i).name());

    // One published answer, one draft with the same words.
    const auto write = [&](const std::string& title, const std::string& body) {
        v1::CreateKbArticleRequest request;
        request.set_title(title);
        request.set_body_markdown(body);
        auto created = tina_->call("POST", "/api/v1/kb/articles", request);
        EXPECT_EQ(created.status, 201u) << created.body;
        v1::KbArticle article;
        from_json(created.body, article);
        return article.id();
    };
    const auto published = write("Printer shows offline", "## Try this\n- Switch the printer **off** and on.");
    ASSERT_EQ(lena_->call("POST", "/api/v1/kb/articles/" + std::to_string(published) + "/publish").status, 200u);
    write("Printer offline: internal escalation notes", "Call the vendor.");

    v1::AgentToRelay suggest;
    suggest.mutable_kb_suggest()->set_request_id(22);
    suggest.mutable_kb_suggest()->set_subject("my printer is offline");
    auto hints = ask(m, suggest);
    ASSERT_TRUE(hints.has_kb_suggestions()) << hints.DebugString();
    EXPECT_EQ(hints.kb_suggestions().request_id(), 22);
    ASSERT_EQ(hints.kb_suggestions().articles_size(), 1) << "drafts do not exist for a machine";
    EXPECT_EQ(hints.kb_suggestions().articles(0).id(), published);
    EXPECT_EQ(hints.kb_suggestions().articles(0).title(), "Printer shows offline");
    EXPECT_EQ(hints.kb_suggestions().articles(0).body_markdown(), "## Try this\n- Switch the printer **off** and on.");

    // Nothing typed yet is no question; bad text is refused with the request's id.
    suggest.mutable_kb_suggest()->set_request_id(23);
    suggest.mutable_kb_suggest()->set_subject("  ");
    auto empty = ask(m, suggest);
    ASSERT_TRUE(empty.has_kb_suggestions()) << empty.DebugString();
    EXPECT_EQ(empty.kb_suggestions().articles_size(), 0);
    suggest.mutable_kb_suggest()->set_request_id(24);
    suggest.mutable_kb_suggest()->set_subject(std::string(201, 'p'));
    expect_refused(ask(m, suggest), 24, "invalid_argument");
    suggest.mutable_kb_suggest()->set_request_id(25);
    suggest.mutable_kb_suggest()->set_subject("\x1b[31mprinter");
    expect_refused(ask(m, suggest), 25, "invalid_argument");
}

}  // namespace
}  // namespace lifeline::testing
