// The SMTP client against a real SMTP server on loopback (tests/support/smtp_sink): plain, STARTTLS
// and implicit TLS with the certificate verified, AUTH PLAIN, 4xx and 5xx answers, and timeouts.
#include "relay/notify/smtp_client.hpp"
#include "tests/support/smtp_sink.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace lifeline::relay::notify {
namespace {

using testing::SinkFault;
using testing::SmtpSink;
using testing::SmtpSinkOptions;
using testing::TestPki;

MailMessage mail(const std::string& subject = "[LL-000001] Printer jams", const std::string& body = "Hello\n") {
    return {"helpdesk@example.org",          "Lifeline helpdesk", "user@example.org", subject, body, {},
            std::chrono::system_clock::now()};
}

SmtpSettings settings_for(const SmtpSink& sink, SmtpSecurity security, const std::string& ca_file = {}) {
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = sink.port();
    s.security = security;
    s.ca_file = ca_file;
    s.helo_name = "relay.example.org";
    s.timeout = std::chrono::seconds(5);
    return s;
}

SmtpSinkOptions tls_sink(const TestPki& pki) {
    SmtpSinkOptions o;
    o.certificate_chain_file = pki.chain_file;
    o.private_key_file = pki.key_file;
    return o;
}

TEST(SmtpClient, delivers_over_plain_smtp_with_envelope_headers_and_dot_stuffed_body) {
    SmtpSink sink;
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    auto delivery = client.send(mail("[LL-000001] Printer jams", "first\n.\n.hidden\nlast"));
    ASSERT_EQ(delivery.status, DeliveryStatus::sent) << delivery.detail;
    ASSERT_EQ(sink.messages().size(), 1u);
    const auto m = sink.messages()[0];
    EXPECT_EQ(m.helo, "relay.example.org");
    EXPECT_EQ(m.mail_from, "helpdesk@example.org");
    EXPECT_EQ(m.recipients, (std::vector<std::string>{"user@example.org"}));
    EXPECT_FALSE(m.over_tls);
    EXPECT_EQ(m.header("Subject"), "[LL-000001] Printer jams");
    EXPECT_EQ(m.header("To"), "user@example.org");
    EXPECT_EQ(m.header("From"), "\"Lifeline helpdesk\" <helpdesk@example.org>");
    EXPECT_EQ(m.header("Content-Transfer-Encoding"), "7bit");
    EXPECT_FALSE(m.header("Date").empty());
    EXPECT_FALSE(m.header("Message-ID").empty());
    // The lone dot did not end the transfer, and the server undid the stuffing.
    EXPECT_EQ(m.body(), "first\r\n.\r\n.hidden\r\nlast\r\n");
}

TEST(SmtpClient, several_mails_share_one_connection) {
    SmtpSink sink;
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(client.send(mail()).status, DeliveryStatus::sent);
    client.quit();
    EXPECT_EQ(sink.messages().size(), 3u);
    EXPECT_EQ(sink.connections(), 1);
    ASSERT_EQ(client.send(mail()).status, DeliveryStatus::sent);  // after QUIT: a new connection
    EXPECT_EQ(sink.connections(), 2);
}

TEST(SmtpClient, non_ascii_text_goes_8bit_when_offered_and_quoted_printable_when_not) {
    SmtpSink sink;
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    ASSERT_EQ(client.send(mail("Grüße aus der IT", "Schöne Grüße\n")).status, DeliveryStatus::sent);
    auto m = sink.messages().at(0);
    EXPECT_EQ(m.mail_from_parameters, " BODY=8BITMIME");
    EXPECT_EQ(m.header("Content-Transfer-Encoding"), "8bit");
    EXPECT_EQ(m.header("Subject"), "=?UTF-8?B?R3LDvMOfZSBhdXMgZGVyIElU?=");
    EXPECT_EQ(m.body(), "Schöne Grüße\r\n");

    SmtpSinkOptions old_server;
    old_server.eight_bit_mime = false;
    SmtpSink seven_bit(old_server);
    SmtpClient to_old(settings_for(seven_bit, SmtpSecurity::none));
    ASSERT_EQ(to_old.send(mail("x", "Schöne Grüße\n")).status, DeliveryStatus::sent);
    m = seven_bit.messages().at(0);
    EXPECT_EQ(m.mail_from_parameters, "");
    EXPECT_EQ(m.header("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(m.body(), "Sch=C3=B6ne Gr=C3=BC=C3=9Fe\r\n");
}

TEST(SmtpClient, starttls_verifies_the_server_against_the_configured_ca) {
    TestPki pki;
    SmtpSink sink(tls_sink(pki));
    SmtpClient client(settings_for(sink, SmtpSecurity::starttls, pki.ca_file));
    auto delivery = client.send(mail());
    ASSERT_EQ(delivery.status, DeliveryStatus::sent) << delivery.detail;
    EXPECT_TRUE(sink.messages().at(0).over_tls);
}

TEST(SmtpClient, a_server_certificate_from_another_ca_is_refused_before_any_mail_is_sent) {
    TestPki pki;
    TestPki other;
    SmtpSink sink(tls_sink(pki));
    SmtpClient client(settings_for(sink, SmtpSecurity::starttls, other.ca_file));
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_TRUE(delivery.session_failed);
    EXPECT_NE(delivery.detail.find("certificate"), std::string::npos) << delivery.detail;
    EXPECT_TRUE(sink.messages().empty());
}

TEST(SmtpClient, starttls_that_the_server_does_not_offer_is_not_skipped) {
    SmtpSink sink;  // no certificate: no STARTTLS
    SmtpClient client(settings_for(sink, SmtpSecurity::starttls));
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_NE(delivery.detail.find("does not offer STARTTLS"), std::string::npos) << delivery.detail;
    EXPECT_TRUE(sink.messages().empty());
}

TEST(SmtpClient, implicit_tls_from_the_first_byte) {
    TestPki pki;
    auto options = tls_sink(pki);
    options.implicit_tls = true;
    SmtpSink sink(options);
    SmtpClient client(settings_for(sink, SmtpSecurity::tls, pki.ca_file));
    auto delivery = client.send(mail());
    ASSERT_EQ(delivery.status, DeliveryStatus::sent) << delivery.detail;
    EXPECT_TRUE(sink.messages().at(0).over_tls);
}

TEST(SmtpClient, auth_plain_over_tls) {
    TestPki pki;
    auto options = tls_sink(pki);
    options.username = "relay";
    options.password = "s3cret pass";
    SmtpSink sink(options);
    auto s = settings_for(sink, SmtpSecurity::starttls, pki.ca_file);
    s.username = "relay";
    s.password = "s3cret pass";
    SmtpClient client(s);
    auto delivery = client.send(mail());
    ASSERT_EQ(delivery.status, DeliveryStatus::sent) << delivery.detail;
    EXPECT_EQ(sink.messages().at(0).auth_user, "relay");

    // Wrong credentials concern the settings, not the mail: retried, and the password is not in the detail.
    s.password = "wrong-password";
    SmtpClient wrong(s);
    delivery = wrong.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_TRUE(delivery.session_failed);
    EXPECT_NE(delivery.detail.find("535"), std::string::npos) << delivery.detail;
    EXPECT_EQ(delivery.detail.find("wrong-password"), std::string::npos);
    EXPECT_EQ(sink.messages().size(), 1u);
}

TEST(SmtpClient, a_4xx_answer_is_retried_later_on_the_same_connection) {
    SmtpSink sink;
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    sink.set_fault(SinkFault::busy);
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_FALSE(delivery.session_failed);
    EXPECT_NE(delivery.detail.find("RCPT TO: 451"), std::string::npos) << delivery.detail;
    sink.set_fault(SinkFault::none);
    ASSERT_EQ(client.send(mail()).status, DeliveryStatus::sent);
    EXPECT_EQ(sink.connections(), 1);  // RSET kept the session usable
}

TEST(SmtpClient, a_5xx_answer_is_a_permanent_failure) {
    SmtpSink sink;
    sink.set_fault(SinkFault::reject);
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::rejected);
    EXPECT_NE(delivery.detail.find("550"), std::string::npos) << delivery.detail;
    EXPECT_TRUE(sink.messages().empty());
}

TEST(SmtpClient, a_server_that_never_answers_times_out) {
    SmtpSink sink;
    sink.set_fault(SinkFault::stall_greeting);
    auto s = settings_for(sink, SmtpSecurity::none);
    s.timeout = std::chrono::milliseconds(300);
    SmtpClient client(s);
    const auto started = std::chrono::steady_clock::now();
    auto delivery = client.send(mail());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_NE(delivery.detail.find("greeting: no answer within 300 ms"), std::string::npos) << delivery.detail;
}

TEST(SmtpClient, a_server_that_stalls_after_the_data_times_out) {
    SmtpSink sink;
    sink.set_fault(SinkFault::stall_data);
    auto s = settings_for(sink, SmtpSecurity::none);
    s.timeout = std::chrono::milliseconds(300);
    SmtpClient client(s);
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_TRUE(delivery.session_failed);
    EXPECT_NE(delivery.detail.find("end of data: no answer"), std::string::npos) << delivery.detail;
}

TEST(SmtpClient, a_refused_connection_is_retried) {
    std::uint16_t port = 0;
    {
        SmtpSink gone;
        port = gone.port();
    }
    SmtpSettings s;
    s.host = "127.0.0.1";
    s.port = port;
    s.security = SmtpSecurity::none;
    SmtpClient client(s);
    auto delivery = client.send(mail());
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_TRUE(delivery.session_failed);
    EXPECT_NE(delivery.detail.find("connect to 127.0.0.1:"), std::string::npos) << delivery.detail;
}

TEST(SmtpClient, cancel_ends_a_stalled_step_at_once) {
    SmtpSink sink;
    sink.set_fault(SinkFault::stall_greeting);
    auto s = settings_for(sink, SmtpSecurity::none);
    s.timeout = std::chrono::seconds(30);
    SmtpClient client(s);
    std::thread canceller([&] {
        // Wait until the client is connected and waiting for the greeting, then cancel.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (sink.connections() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        client.cancel();
    });
    const auto started = std::chrono::steady_clock::now();
    auto delivery = client.send(mail());
    canceller.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    EXPECT_EQ(delivery.status, DeliveryStatus::retry);
    EXPECT_NE(delivery.detail.find("cancelled"), std::string::npos) << delivery.detail;
}

TEST(SmtpClient, addresses_that_are_not_plain_are_never_sent) {
    SmtpSink sink;
    SmtpClient client(settings_for(sink, SmtpSecurity::none));
    auto m = mail();
    m.to = "user@example.org>\r\nRCPT TO:<other@example.org";
    EXPECT_EQ(client.send(m).status, DeliveryStatus::rejected);
    EXPECT_EQ(sink.connections(), 0);
}

}  // namespace
}  // namespace lifeline::relay::notify
