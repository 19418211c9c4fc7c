// Delivers the outbox: a thread of its own that takes due mail, hands it to the SMTP server over one
// connection per batch, and records each outcome (sent, retry later with backoff, given up). Mail
// waits in the database, so a restart or an SMTP outage only delays it. A crash between the server's
// "250" and the store's "sent" sends that one mail again after the restart (at least once).
#pragma once

#include "relay/notify/smtp_client.hpp"
#include "relay/store/mail_store.hpp"
#include "shared/core/clock.hpp"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace lifeline::relay::notify {

struct MailSenderOptions {
    SmtpSettings smtp;
    std::string from;       // envelope sender and From: address
    std::string from_name;  // From: display name
    store::MailRetryPolicy retry;
    int batch = 50;                                // mails per SMTP connection
    std::chrono::milliseconds idle_check{60'000};  // re-reads the outbox this often even when nobody woke it
};

class MailSender {
public:
    // Throws std::runtime_error when the SMTP settings are unusable (the CA file).
    MailSender(store::MailStore& outbox, const core::Clock& clock, MailSenderOptions options);
    ~MailSender();  // stop() and join
    MailSender(const MailSender&) = delete;
    MailSender& operator=(const MailSender&) = delete;

    void start();
    // Any thread: mail was queued, look now.
    void wake();
    // Any thread, returns at once: the SMTP step in progress is abandoned (that mail is retried after
    // the restart) and the thread ends; the destructor joins it.
    void stop();

private:
    void run();
    // Sends what is due; answers false when stopping.
    bool deliver_due();
    void record_failure(const store::OutboxMail& row, const Delivery& delivery);

    store::MailStore& outbox_;
    const core::Clock& clock_;
    MailSenderOptions options_;
    SmtpClient client_;
    std::mutex mutex_;
    std::condition_variable wakeup_;
    bool woken_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace lifeline::relay::notify
