// Mail notifications through the real relay: it delivers to an SMTP server the test runs on
// loopback (STARTTLS with a test CA, AUTH PLAIN), and its outbox outlasts an SMTP outage and a restart.
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/smtp_sink.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <tuple>

namespace lifeline::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSmtpPassword = "smtp-password-7f3a";
constexpr auto kMailTimeout = 30s;

SmtpSinkOptions sink_options(const TestPki& pki) {
    SmtpSinkOptions o;
    o.certificate_chain_file = pki.chain_file;
    o.private_key_file = pki.key_file;
    o.username = "relay";
    o.password = kSmtpPassword;
    return o;
}

class RelayMailTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::ofstream(relay_.data_dir() + "/smtp.password") << kSmtpPassword << "\n";
        std::ofstream config(relay_.data_dir() + "/relay.toml", std::ios::trunc);
        config << "public_url = \"https://helpdesk.example.org:8443\"\n"
               << "[mail]\nenabled = true\nsmtp_host = \"127.0.0.1\"\nsmtp_port = " << sink_.port()
               << "\nsecurity = \"starttls\"\nca_file = \"" << pki_.ca_file
               << "\"\nusername = \"relay\"\npassword_file = \"smtp.password\"\n"
               << "from = \"helpdesk@example.org\"\nfrom_name = \"Example IT\"\ntimeout = 5\nretry_after = 1\n"
               << "[helpdesk]\nsweep_interval = 1\n";
        config.close();
        // P4 has SLA targets of seconds here, so the SLA mails arrive within a test.
        std::ofstream(relay_.data_dir() + "/helpdesk.toml")
            << "[[sla]]\npriority = \"P3\"\nresponse_minutes = 240\nresolution_minutes = 1800\n"
            << "[[sla]]\npriority = \"P4\"\nresponse_seconds = 5\nresolution_seconds = 3600\nhours = \"always\"\n";
        relay_.start({"--log-level", "debug"});
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
    }

    v1::Ticket open_ticket(const std::string& subject, const std::string& contact) {
        v1::CreateTicketRequest request;
        request.set_subject(subject);
        request.set_description("Details of " + subject);
        request.mutable_requester()->set_name("Mia Example");
        request.mutable_requester()->set_contact(contact);
        request.set_channel("phone");
        auto response = admin_->call("POST", "/api/v1/tickets", request);
        EXPECT_EQ(response.status, 201u) << response.body;
        v1::Ticket ticket;
        from_json(response.body, ticket);
        return ticket;
    }

    void comment(const std::string& number, const std::string& body, bool internal) {
        v1::AddCommentRequest request;
        request.set_body(body);
        request.set_internal(internal);
        auto response = admin_->call("POST", "/api/v1/tickets/" + number + "/comments", request);
        ASSERT_EQ(response.status, 201u) << response.body;
    }

    // The relay's outbox, read from its database file beside the running relay.
    std::vector<relay::store::OutboxMail> outbox() {
        relay::store::sqlite::Database db(relay_.data_dir() + "/lifeline.db", false);
        relay::store::sqlite::SqliteMailStore mail(db);
        return mail.list_outbox(100);
    }

    // Waits until the mail for `ticket` has failed at least once.
    bool failed_once(const std::string& ticket) {
        const auto deadline = std::chrono::steady_clock::now() + kMailTimeout;
        while (std::chrono::steady_clock::now() < deadline) {
            for (const auto& m : outbox())
                if (m.mail.ticket == ticket && m.attempts >= 1) return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // Waits until the outbox holds `count` mails, every one sent.
    bool all_sent(std::size_t count) {
        const auto deadline = std::chrono::steady_clock::now() + kMailTimeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto rows = outbox();
            if (rows.size() == count && std::all_of(rows.begin(), rows.end(), [](const auto& m) { return m.sent_at; }))
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    TestPki pki_;
    SmtpSink sink_{sink_options(pki_)};
    RelayProcess relay_;
    std::optional<ApiClient> admin_;
};

TEST_F(RelayMailTest, the_requester_hears_of_the_new_ticket_public_replies_and_the_resolution) {
    auto ticket = open_ticket("Printer jams on floor 2", "user@example.org");
    ASSERT_TRUE(sink_.wait_for_messages(1, kMailTimeout)) << relay_.log();
    auto opened = sink_.messages()[0];
    EXPECT_EQ(opened.recipients, (std::vector<std::string>{"user@example.org"}));
    EXPECT_EQ(opened.mail_from, "helpdesk@example.org");
    EXPECT_TRUE(opened.over_tls);
    EXPECT_EQ(opened.auth_user, "relay");
    EXPECT_EQ(opened.header("From"), "\"Example IT\" <helpdesk@example.org>");
    EXPECT_EQ(opened.header("Subject"), "[" + ticket.number() + "] We received your request: Printer jams on floor 2");
    EXPECT_NE(opened.body().find(ticket.number()), std::string::npos);
    EXPECT_NE(opened.body().find("Hello Mia Example,"), std::string::npos);

    // The internal note is queued (or not) before the reply: had it been mailed, it would arrive first.
    comment(ticket.number(), "Internal: the toner supplier is late again.", true);
    comment(ticket.number(), "We are sending a technician this afternoon.", false);
    ASSERT_TRUE(sink_.wait_for_messages(2, kMailTimeout)) << relay_.log();
    auto reply = sink_.messages()[1];
    EXPECT_EQ(reply.header("Subject"), "[" + ticket.number() + "] New reply: Printer jams on floor 2");
    EXPECT_NE(reply.body().find("We are sending a technician this afternoon."), std::string::npos);
    EXPECT_EQ(reply.body().find("toner supplier"), std::string::npos);

    v1::ChangeStatusRequest resolve;
    resolve.set_status(v1::Ticket::RESOLVED);
    resolve.set_note("Replaced the fuser unit.");
    auto response = admin_->call("POST", "/api/v1/tickets/" + ticket.number() + "/status", resolve);
    ASSERT_EQ(response.status, 200u) << response.body;
    ASSERT_TRUE(sink_.wait_for_messages(3, kMailTimeout)) << relay_.log();
    auto resolved = sink_.messages()[2];
    EXPECT_EQ(resolved.header("Subject"), "[" + ticket.number() + "] Resolved: Printer jams on floor 2");
    EXPECT_NE(resolved.body().find("Replaced the fuser unit."), std::string::npos);

    // No mail for a requester reached by phone: the next mail is the following ticket's.
    open_ticket("Phone call", "+49 30 1234567");
    auto next = open_ticket("Monitor flickers", "other@example.org");
    ASSERT_TRUE(sink_.wait_for_messages(4, kMailTimeout)) << relay_.log();
    EXPECT_EQ(sink_.messages()[3].recipients, (std::vector<std::string>{"other@example.org"}));
    EXPECT_NE(sink_.messages()[3].header("Subject").find(next.number()), std::string::npos);
    EXPECT_EQ(sink_.messages().size(), 4u);

    // The sink has the data before the relay hears its "250" and records the mail as sent.
    EXPECT_TRUE(all_sent(4)) << relay_.log();
    // The SMTP password stays out of the log, even at debug level.
    EXPECT_EQ(relay_.log().find(kSmtpPassword), std::string::npos);
}

TEST_F(RelayMailTest, an_sla_at_risk_goes_to_the_assignee_and_a_breach_to_the_groups_lead) {
    for (const auto& [name, role, tier] : {std::tuple{"tom", "TECHNICIAN", 1}, {"lena", "LEAD", 0}}) {
        std::string body = std::string(R"({"username":")") + name + R"(","role":")" + role + R"(","tier":)" +
                           std::to_string(tier) + R"(,"password":"a-long-password-1","email":")" + name +
                           R"(@example.org"})";
        ASSERT_EQ(admin_->call("POST", "/api/v1/users", body).status, 201u);
    }
    ASSERT_EQ(admin_->call("POST", "/api/v1/groups", R"({"name":"desk","lead":"lena"})").status, 201u);
    ASSERT_EQ(admin_->call("PUT", "/api/v1/groups/desk/members/tom", R"({"tier":1})").status, 200u);

    // Reached by phone: no requester mail, so the first two mails are the SLA's.
    v1::CreateTicketRequest request;
    request.set_subject("Keyboard types twice");
    request.set_priority(v1::P4);
    request.set_group("desk");
    request.mutable_requester()->set_contact("+49 30 1234567");
    auto created = admin_->call("POST", "/api/v1/tickets", request);
    ASSERT_EQ(created.status, 201u) << created.body;
    v1::Ticket ticket;
    from_json(created.body, ticket);
    ASSERT_EQ(admin_->call("POST", "/api/v1/tickets/" + ticket.number() + "/assign", R"({"assignee":"tom"})").status,
              200u);

    ASSERT_TRUE(sink_.wait_for_messages(2, kMailTimeout)) << relay_.log();
    auto at_risk = sink_.messages()[0];
    EXPECT_EQ(at_risk.recipients, (std::vector<std::string>{"tom@example.org"}));
    EXPECT_NE(at_risk.header("Subject").find(ticket.number()), std::string::npos);
    auto breached = sink_.messages()[1];
    EXPECT_EQ(breached.recipients, (std::vector<std::string>{"lena@example.org"}));
    EXPECT_NE(breached.header("Subject").find(ticket.number()), std::string::npos);
    EXPECT_NE(at_risk.header("Subject"), breached.header("Subject"));
}

TEST_F(RelayMailTest, mail_queued_while_the_smtp_server_is_down_arrives_once_it_is_up_also_after_a_restart) {
    sink_.stop();
    auto during_outage = open_ticket("VPN drops", "user@example.org");
    ASSERT_TRUE(failed_once(during_outage.number())) << relay_.log();
    sink_.start();
    ASSERT_TRUE(sink_.wait_for_messages(1, kMailTimeout)) << relay_.log();
    EXPECT_NE(sink_.messages()[0].header("Subject").find(during_outage.number()), std::string::npos);

    // Down again; the relay stops with the mail still queued, and sends it after its restart.
    sink_.stop();
    auto before_restart = open_ticket("Laptop battery", "user@example.org");
    ASSERT_TRUE(failed_once(before_restart.number())) << relay_.log();
    EXPECT_EQ(relay_.stop(), 0) << relay_.log();
    sink_.start();
    relay_.start();
    ASSERT_TRUE(sink_.wait_for_messages(2, kMailTimeout)) << relay_.log();
    EXPECT_NE(sink_.messages()[1].header("Subject").find(before_restart.number()), std::string::npos);
    EXPECT_EQ(sink_.messages().size(), 2u);
}

}  // namespace
}  // namespace lifeline::testing
