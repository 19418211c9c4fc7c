// The mail outbox in SQLite (due mail, backoff, giving up) and the sender delivering it to a real SMTP
// server on loopback, through 4xx answers and an outage.
#include "relay/notify/mail_sender.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/unit/store/store_fixture.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

namespace lifeline::relay::notify {
namespace {

using namespace std::chrono_literals;
using store::MailRetryPolicy;
using store::NewMail;
using store::OutboxMail;
using store::sqlite::Database;
using store::sqlite::SqliteMailStore;
using store::sqlite::TempDir;
using testing::SinkFault;
using testing::SmtpSink;

core::SystemTime at(std::int64_t seconds) { return core::from_unix_ms(1'700'000'000'000 + seconds * 1000); }

NewMail outgoing(const std::string& ticket) {
    return {"user@example.org", "[" + ticket + "] opened", "Hello\n", "ticket_opened", ticket};
}

OutboxMail row(SqliteMailStore& outbox, std::int64_t id) {
    for (auto& m : outbox.list_outbox(100))
        if (m.id == id) return m;
    ADD_FAILURE() << "no outbox row " << id;
    return {};
}

// Polls `done` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

TEST(MailRetry, the_wait_grows_then_stays_and_the_mail_is_given_up_after_max_attempts) {
    const MailRetryPolicy policy{60s, 8};
    std::vector<std::int64_t> minutes;
    for (int attempt = 1; attempt < 8; ++attempt)
        minutes.push_back(store::mail_retry_delay(attempt, policy)->count() / 60);
    EXPECT_EQ(minutes, (std::vector<std::int64_t>{1, 5, 30, 120, 120, 120, 120}));
    EXPECT_FALSE(store::mail_retry_delay(8, policy));
    EXPECT_FALSE(store::mail_retry_delay(0, policy));
}

class OutboxTest : public ::testing::Test {
protected:
    TempDir dir;
    Database db{dir.file("mail.db"), true};
    SqliteMailStore outbox{db};
    const MailRetryPolicy policy{60s, 3};
};

TEST_F(OutboxTest, new_mail_is_due_at_once_and_oldest_first) {
    auto first = outbox.enqueue(outgoing("LL-000001"), at(0));
    auto second = outbox.enqueue(outgoing("LL-000002"), at(1));
    auto due = outbox.due_mail(at(1), 10);
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].id, first);
    EXPECT_EQ(due[1].id, second);
    EXPECT_EQ(due[0].mail.subject, "[LL-000001] opened");
    EXPECT_EQ(due[0].mail.ticket, "LL-000001");
    EXPECT_EQ(outbox.due_mail(at(1), 1).size(), 1u);
    EXPECT_EQ(outbox.next_due(), at(0));
}

TEST_F(OutboxTest, a_failed_mail_waits_out_its_backoff_and_keeps_its_error) {
    auto id = outbox.enqueue(outgoing("LL-000001"), at(0));
    EXPECT_EQ(outbox.mark_failed(id, "RCPT TO: 451 busy", false, policy, at(10)), at(70));
    EXPECT_TRUE(outbox.due_mail(at(69), 10).empty());
    EXPECT_EQ(outbox.due_mail(at(70), 10).size(), 1u);
    EXPECT_EQ(outbox.next_due(), at(70));
    EXPECT_EQ(outbox.mark_failed(id, "connect: refused", false, policy, at(70)), at(370));  // 5 x 60 s
    auto failed = row(outbox, id);
    EXPECT_EQ(failed.attempts, 2);
    EXPECT_EQ(failed.last_error, "connect: refused");
    EXPECT_EQ(failed.next_try_at, at(370));
    // The third failure is the last one the policy allows.
    EXPECT_FALSE(outbox.mark_failed(id, "connect: refused again", false, policy, at(400)));
    auto given_up = row(outbox, id);
    EXPECT_EQ(given_up.attempts, 3);
    EXPECT_FALSE(given_up.next_try_at);
    EXPECT_FALSE(given_up.sent_at);
    EXPECT_EQ(given_up.last_error, "connect: refused again");
    EXPECT_TRUE(outbox.due_mail(at(1'000'000), 10).empty());
    EXPECT_FALSE(outbox.next_due());
}

TEST_F(OutboxTest, a_permanent_failure_gives_the_mail_up_at_once) {
    auto id = outbox.enqueue(outgoing("LL-000001"), at(0));
    EXPECT_FALSE(outbox.mark_failed(id, "RCPT TO: 550 no such mailbox", true, policy, at(1)));
    EXPECT_TRUE(outbox.due_mail(at(1'000'000), 10).empty());
    EXPECT_EQ(row(outbox, id).last_error, "RCPT TO: 550 no such mailbox");
}

TEST_F(OutboxTest, sent_mail_is_never_due_again) {
    auto id = outbox.enqueue(outgoing("LL-000001"), at(0));
    outbox.mark_sent(id, at(2));
    EXPECT_TRUE(outbox.due_mail(at(100), 10).empty());
    EXPECT_EQ(row(outbox, id).sent_at, at(2));
    EXPECT_FALSE(outbox.mark_failed(id, "late", false, policy, at(3)));  // nothing changes once sent
    EXPECT_EQ(row(outbox, id).attempts, 0);
}

TEST_F(OutboxTest, the_outbox_survives_reopening_the_database) {
    auto id = outbox.enqueue(outgoing("LL-000009"), at(0));
    {
        Database again(dir.file("mail.db"), false);
        SqliteMailStore reopened(again);
        auto due = reopened.due_mail(at(0), 10);
        ASSERT_EQ(due.size(), 1u);
        EXPECT_EQ(due[0].id, id);
    }
}

class MailSenderTest : public OutboxTest {
protected:
    MailSenderOptions options_for(const SmtpSink& sink) {
        MailSenderOptions o;
        o.smtp.host = "127.0.0.1";
        o.smtp.port = sink.port();
        o.smtp.security = SmtpSecurity::none;
        o.smtp.timeout = 5s;
        o.from = "helpdesk@example.org";
        o.from_name = "Helpdesk";
        o.retry = {1s, 8};
        return o;
    }

    bool all_sent() {
        for (const auto& m : outbox.list_outbox(100))
            if (!m.sent_at) return false;
        return true;
    }

    core::SystemClock clock;
};

TEST_F(MailSenderTest, delivers_what_is_queued_and_marks_it_sent) {
    SmtpSink sink;
    outbox.enqueue(outgoing("LL-000001"), clock.now());
    MailSender sender(outbox, clock, options_for(sink));
    sender.start();
    ASSERT_TRUE(sink.wait_for_messages(1, 10s));
    outbox.enqueue(outgoing("LL-000002"), clock.now());
    sender.wake();
    ASSERT_TRUE(sink.wait_for_messages(2, 10s));
    EXPECT_TRUE(eventually([&] { return all_sent(); }, 10s));
    auto messages = sink.messages();
    EXPECT_EQ(messages[0].header("Subject"), "[LL-000001] opened");
    EXPECT_EQ(messages[1].header("Subject"), "[LL-000002] opened");
    EXPECT_EQ(messages[1].header("From"), "\"Helpdesk\" <helpdesk@example.org>");
}

TEST_F(MailSenderTest, a_busy_server_is_tried_again_after_the_backoff) {
    SmtpSink sink;
    sink.set_fault(SinkFault::busy);
    auto id = outbox.enqueue(outgoing("LL-000001"), clock.now());
    MailSender sender(outbox, clock, options_for(sink));
    sender.start();
    ASSERT_TRUE(eventually([&] { return row(outbox, id).attempts >= 1; }, 10s));
    EXPECT_NE(row(outbox, id).last_error.find("451"), std::string::npos);
    sink.set_fault(SinkFault::none);
    ASSERT_TRUE(sink.wait_for_messages(1, 15s));  // the retry comes 1 s (then 5 s) later
    EXPECT_TRUE(eventually([&] { return all_sent(); }, 10s));
}

TEST_F(MailSenderTest, a_rejected_mail_is_given_up_and_the_next_one_still_goes) {
    SmtpSink sink;
    sink.set_fault(SinkFault::reject);
    auto rejected = outbox.enqueue(outgoing("LL-000001"), clock.now());
    MailSender sender(outbox, clock, options_for(sink));
    sender.start();
    ASSERT_TRUE(eventually([&] { return row(outbox, rejected).attempts == 1; }, 10s));
    EXPECT_FALSE(row(outbox, rejected).next_try_at);
    sink.set_fault(SinkFault::none);
    outbox.enqueue(outgoing("LL-000002"), clock.now());
    sender.wake();
    ASSERT_TRUE(sink.wait_for_messages(1, 10s));
    EXPECT_EQ(sink.messages()[0].header("Subject"), "[LL-000002] opened");
    EXPECT_FALSE(row(outbox, rejected).sent_at);
}

TEST_F(MailSenderTest, mail_queued_during_an_outage_arrives_once_the_server_is_back) {
    SmtpSink sink;
    sink.stop();
    auto first = outbox.enqueue(outgoing("LL-000001"), clock.now());
    auto second = outbox.enqueue(outgoing("LL-000002"), clock.now());
    MailSender sender(outbox, clock, options_for(sink));
    sender.start();
    // One failed connection counts an attempt for the whole batch.
    ASSERT_TRUE(eventually([&] { return row(outbox, first).attempts >= 1 && row(outbox, second).attempts >= 1; }, 10s));
    EXPECT_NE(row(outbox, first).last_error.find("connect to 127.0.0.1"), std::string::npos);
    sink.start();
    ASSERT_TRUE(sink.wait_for_messages(2, 20s));
    EXPECT_TRUE(eventually([&] { return all_sent(); }, 10s));
}

TEST_F(MailSenderTest, stop_returns_at_once_even_while_the_server_stalls) {
    SmtpSink sink;
    sink.set_fault(SinkFault::stall_greeting);
    auto o = options_for(sink);
    o.smtp.timeout = 60s;
    auto id = outbox.enqueue(outgoing("LL-000001"), clock.now());
    const auto started = std::chrono::steady_clock::now();
    {
        MailSender sender(outbox, clock, o);
        sender.start();
        ASSERT_TRUE(eventually([&] { return sink.connections() >= 1; }, 10s));
        sender.stop();
    }  // joined here
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_FALSE(row(outbox, id).sent_at);  // still queued for the next start
}

}  // namespace
}  // namespace lifeline::relay::notify
