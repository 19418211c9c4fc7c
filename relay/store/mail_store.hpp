// The mail outbox's repository: notifications wait here until the SMTP server took them, so a relay
// restart or a mail server outage loses nothing. Calls block. Implementation: store/sqlite/mail_store.cpp.
#pragma once

#include "shared/core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::store {

struct NewMail {
    std::string recipient;  // a plain address (core::is_mail_address)
    std::string subject;    // one line, UTF-8
    std::string body;       // UTF-8, '\n' line ends
    std::string kind;       // "ticket_opened", "public_reply", ...
    std::string ticket;     // LL-000042, or empty
};

struct OutboxMail {
    std::int64_t id = 0;
    NewMail mail;
    core::SystemTime created_at;
    int attempts = 0;                             // failed deliveries so far
    std::optional<core::SystemTime> next_try_at;  // absent once sent or given up
    std::string last_error;
    std::optional<core::SystemTime> sent_at;
};

// How long a failed delivery waits before the next try: `first` after the first failure, then 5, 30
// and 120 times as long, staying at 120 times; after `max_attempts` failures the mail is given up
// (it stays in the outbox with its last error). With the default one minute: 1, 5, 30, 120, 120 ...
// minutes, about ten hours in all.
struct MailRetryPolicy {
    std::chrono::seconds first{60};
    int max_attempts = 8;
};

// The wait after `failed_attempts` failures (1 = the first); nullopt when the mail is given up.
inline std::optional<std::chrono::seconds> mail_retry_delay(int failed_attempts, const MailRetryPolicy& policy) {
    if (failed_attempts < 1 || failed_attempts >= policy.max_attempts) return std::nullopt;
    static constexpr int kFactors[] = {1, 5, 30, 120};
    const int factor = failed_attempts <= 4 ? kFactors[failed_attempts - 1] : 120;
    return policy.first * factor;
}

class MailStore {
public:
    virtual ~MailStore() = default;
    // Stores the mail, due at once; answers its id.
    virtual std::int64_t enqueue(const NewMail& mail, core::SystemTime now) = 0;
    // Unsent mail due at `now`, oldest first, at most `limit`.
    virtual std::vector<OutboxMail> due_mail(core::SystemTime now, int limit) = 0;
    virtual void mark_sent(std::int64_t id, core::SystemTime now) = 0;
    // Counts a failed delivery and keeps `error`. A temporary failure waits as `policy` says; a
    // permanent one (the server refused the mail) and the last allowed attempt give the mail up.
    // Answers the next try's time, nullopt when given up.
    virtual std::optional<core::SystemTime> mark_failed(std::int64_t id, const std::string& error, bool permanent,
                                                        const MailRetryPolicy& policy, core::SystemTime now) = 0;
    // When the earliest unsent mail is due, nullopt when none waits.
    virtual std::optional<core::SystemTime> next_due() = 0;
    // Newest first, sent and unsent: what an admin (or a test) looks at.
    virtual std::vector<OutboxMail> list_outbox(int limit) = 0;
};

}  // namespace lifeline::relay::store
