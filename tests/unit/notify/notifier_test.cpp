// Who gets which mail: the Notifier and the ticket store decorator over the real SQLite stores, read
// back from the outbox.
#include "relay/notify/notifier.hpp"
#include "relay/notify/notifying_ticket_store.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "tests/unit/store/store_fixture.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace lifeline::relay::notify {
namespace {

using google::protobuf::util::TimeUtil;
using store::sqlite::Database;
using store::sqlite::TempDir;

class NotifierTest : public ::testing::Test {
protected:
    void SetUp() override {
        add_user("tina", "Tina Tech", v1::TECHNICIAN, "tina@example.org");
        add_user("lena", "Lena Lead", v1::LEAD, "lena@example.org");
        add_user("tom", "Tom NoMail", v1::TECHNICIAN, "");
    }

    void add_user(const std::string& name, const std::string& display, v1::Role role, const std::string& email) {
        store::NewUser user;
        user.username = name;
        user.display_name = display;
        user.role = role;
        user.tier = role == v1::TECHNICIAN ? 1 : 0;
        user.password_hash = "x";
        user.email = email;
        ASSERT_TRUE(users.create_user(user, clock.now(), store::Actor::system()));
    }

    v1::Ticket open_ticket(const std::string& contact, const std::string& name = "Mia Example") {
        store::NewTicket request;
        request.ticket.set_subject("Printer jams");
        request.ticket.set_priority(v1::P2);
        request.ticket.set_group("printing");
        request.ticket.mutable_requester()->set_name(name);
        request.ticket.mutable_requester()->set_contact(contact);
        request.ticket.set_channel("phone");
        request.created_by = "tina";
        return tickets.create_ticket(request, clock.now());
    }

    std::vector<store::OutboxMail> mail() {
        auto rows = outbox.list_outbox(100);
        std::reverse(rows.begin(), rows.end());  // oldest first
        return rows;
    }

    static store::TicketMutation set_status(v1::Ticket::Status status, const std::string& note) {
        return [status, note](v1::Ticket& t, std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
            events.push_back({"status", "open", "resolved", note});
            t.set_status(status);
            return {};
        };
    }

    TempDir dir;
    Database db{dir.file("notify.db"), true};
    store::sqlite::SqliteUserStore users{db};
    store::sqlite::SqliteTicketStore ticket_rows{db};
    store::sqlite::SqliteMailStore outbox{db};
    core::SystemClock clock;
    MailTemplates templates{""};  // built-in texts only
    NotifierOptions options{"en", "https://relay.example.org:8443"};
    Notifier notifier{outbox, users, templates, clock, options};
    NotifyingTicketStore tickets{ticket_rows, notifier};
};

TEST_F(NotifierTest, a_new_ticket_mails_the_requester_its_number) {
    int woken = 0;
    notifier.set_on_enqueued([&] { ++woken; });
    auto ticket = open_ticket("user@example.org");
    auto queued = mail();
    ASSERT_EQ(queued.size(), 1u);
    EXPECT_EQ(queued[0].mail.recipient, "user@example.org");
    EXPECT_EQ(queued[0].mail.kind, "ticket_opened");
    EXPECT_EQ(queued[0].mail.ticket, ticket.number());
    EXPECT_EQ(queued[0].mail.subject, "[" + ticket.number() + "] We received your request: Printer jams");
    EXPECT_NE(queued[0].mail.body.find("Hello Mia Example,"), std::string::npos);
    EXPECT_NE(queued[0].mail.body.find(ticket.number()), std::string::npos);
    EXPECT_EQ(woken, 1);
}

TEST_F(NotifierTest, a_requester_without_a_mail_address_gets_nothing) {
    open_ticket("+49 30 123456");
    open_ticket("");
    open_ticket("not an address@");
    EXPECT_TRUE(mail().empty());
}

TEST_F(NotifierTest, a_public_reply_is_mailed_and_an_internal_note_is_not) {
    auto ticket = open_ticket("user@example.org");
    ASSERT_TRUE(tickets.add_comment(ticket.number(), "tina", "Checked the logs: toner is empty.", true, clock.now()));
    ASSERT_EQ(mail().size(), 1u);
    ASSERT_TRUE(tickets.add_comment(ticket.number(), "tina", "Please restart the printer.", false, clock.now()));
    auto queued = mail();
    ASSERT_EQ(queued.size(), 2u);
    EXPECT_EQ(queued[1].mail.kind, "public_reply");
    EXPECT_EQ(queued[1].mail.recipient, "user@example.org");
    EXPECT_NE(queued[1].mail.body.find("Tina Tech replied"), std::string::npos) << queued[1].mail.body;
    EXPECT_NE(queued[1].mail.body.find("Please restart the printer."), std::string::npos);
    EXPECT_EQ(queued[1].mail.body.find("toner is empty"), std::string::npos);
}

TEST_F(NotifierTest, resolving_mails_the_resolution_note_once) {
    auto ticket = open_ticket("user@example.org");
    ASSERT_TRUE(tickets.modify_ticket(ticket.number(), "tina", clock.now(), set_status(v1::Ticket::OPEN, "claimed")));
    ASSERT_EQ(mail().size(), 1u);  // not a resolution
    ASSERT_TRUE(tickets.modify_ticket(ticket.number(), "tina", clock.now(),
                                      set_status(v1::Ticket::RESOLVED, "Replaced the toner cartridge.")));
    auto queued = mail();
    ASSERT_EQ(queued.size(), 2u);
    EXPECT_EQ(queued[1].mail.kind, "resolved");
    EXPECT_EQ(queued[1].mail.subject, "[" + ticket.number() + "] Resolved: Printer jams");
    EXPECT_NE(queued[1].mail.body.find("Replaced the toner cartridge."), std::string::npos);
    // A change to a ticket that is resolved already is no new resolution.
    const store::TicketMutation rename = [](v1::Ticket& t,
                                            std::vector<store::TicketEventDraft>&) -> core::Result<void> {
        t.set_subject("Printer jams (floor 2)");
        return {};
    };
    ASSERT_TRUE(tickets.modify_ticket(ticket.number(), "tina", clock.now(), rename));
    EXPECT_EQ(mail().size(), 2u);
}

TEST_F(NotifierTest, a_refused_change_mails_nothing) {
    auto ticket = open_ticket("user@example.org");
    const store::TicketMutation refused = [](v1::Ticket& t,
                                             std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
        events.push_back({"status", "new", "resolved", "x"});
        t.set_status(v1::Ticket::RESOLVED);
        return core::make_error(core::Errc::conflict, "no");
    };
    EXPECT_FALSE(tickets.modify_ticket(ticket.number(), "tina", clock.now(), refused));
    EXPECT_EQ(mail().size(), 1u);
}

TEST_F(NotifierTest, sla_at_risk_goes_to_the_assignee_with_the_due_time) {
    auto ticket = open_ticket("+49 30 123456");
    ticket.set_assignee("tina");
    ticket.mutable_sla()->mutable_response()->set_state(v1::SLA_MET);
    ticket.mutable_sla()->mutable_resolution()->set_state(v1::SLA_AT_RISK);
    *ticket.mutable_sla()->mutable_resolution()->mutable_due() = TimeUtil::SecondsToTimestamp(1709647629);
    notifier.sla_at_risk(ticket);
    auto queued = mail();
    ASSERT_EQ(queued.size(), 1u);
    EXPECT_EQ(queued[0].mail.recipient, "tina@example.org");
    EXPECT_EQ(queued[0].mail.kind, "sla_at_risk");
    EXPECT_EQ(queued[0].mail.subject, "[" + ticket.number() + "] SLA at risk: Printer jams");
    EXPECT_NE(queued[0].mail.body.find("Hello Tina Tech,"), std::string::npos);
    EXPECT_NE(queued[0].mail.body.find("the resolution target"), std::string::npos) << queued[0].mail.body;
    EXPECT_NE(queued[0].mail.body.find("2024-03-05 14:07 UTC"), std::string::npos);
    EXPECT_NE(queued[0].mail.body.find("https://relay.example.org:8443"), std::string::npos);
}

TEST_F(NotifierTest, sla_breached_goes_to_the_named_lead) {
    auto ticket = open_ticket("user@example.org");
    ticket.set_assignee("tom");
    ticket.mutable_sla()->mutable_response()->set_state(v1::SLA_BREACHED);
    notifier.sla_breached(ticket, "lena");
    auto queued = mail();
    ASSERT_EQ(queued.size(), 2u);
    EXPECT_EQ(queued[1].mail.recipient, "lena@example.org");
    EXPECT_EQ(queued[1].mail.kind, "sla_breached");
    EXPECT_NE(queued[1].mail.body.find("the first response target"), std::string::npos) << queued[1].mail.body;
    EXPECT_NE(queued[1].mail.body.find("Assignee:   tom"), std::string::npos);
}

TEST_F(NotifierTest, staff_without_a_usable_address_are_skipped) {
    auto ticket = open_ticket("+49 30 123456");
    ticket.set_assignee("tom");  // no email
    notifier.sla_at_risk(ticket);
    ticket.set_assignee("");  // nobody
    notifier.sla_at_risk(ticket);
    notifier.sla_breached(ticket, "nobody-by-that-name");
    notifier.sla_breached(ticket, "");
    v1::UpdateUserRequest disable;
    disable.set_disabled(true);
    ASSERT_TRUE(users.update_user("lena", disable, store::Actor::system()));
    notifier.sla_breached(ticket, "lena");
    EXPECT_TRUE(mail().empty());
}

TEST_F(NotifierTest, the_configured_language_picks_the_texts) {
    Notifier german(outbox, users, templates, clock, {"de", ""});
    NotifyingTicketStore german_tickets(ticket_rows, german);
    store::NewTicket request;
    request.ticket.set_subject("Drucker");
    request.ticket.mutable_requester()->set_contact("user@example.org");
    auto ticket = german_tickets.create_ticket(request, clock.now());
    ticket.set_assignee("tina");
    ticket.mutable_sla()->mutable_response()->set_state(v1::SLA_AT_RISK);
    german.sla_at_risk(ticket);
    auto queued = mail();
    ASSERT_EQ(queued.size(), 2u);
    EXPECT_EQ(queued[0].mail.subject, "[" + ticket.number() + "] Ihre Anfrage ist eingegangen: Drucker");
    EXPECT_NE(queued[1].mail.body.find("„Erstreaktion“"), std::string::npos) << queued[1].mail.body;
}

}  // namespace
}  // namespace lifeline::relay::notify
