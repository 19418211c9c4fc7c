// Turns helpdesk events into mail in the outbox: finds the recipient, renders the template and
// enqueues; the MailSender delivers later. Never talks SMTP, never throws: a notification that cannot
// be queued is logged, and the change that caused it stands.
#pragma once

#include "lifeline.pb.h"
#include "relay/notify/mail_templates.hpp"
#include "relay/store/mail_store.hpp"
#include "relay/store/store.hpp"
#include "shared/core/clock.hpp"

#include <functional>
#include <string>

namespace lifeline::relay::notify {

struct NotifierOptions {
    std::string language = "en";  // the templates' language (falls back to English per template)
    std::string relay_url;        // {{relay.url}}
};

// Every method may be called from any thread (the store decorator calls them on the worker pool, the
// escalation sweep on its own); each costs a template rendering, a user lookup where the recipient is
// staff, and one outbox write. A recipient without a usable address is skipped with a debug line.
class Notifier {
public:
    Notifier(store::MailStore& outbox, store::UserStore& users, const MailTemplates& templates,
             const core::Clock& clock, NotifierOptions options);

    // Called after each enqueued mail (the sender wakes up). Set before the first notification.
    void set_on_enqueued(std::function<void()> wake) { on_enqueued_ = std::move(wake); }

    // To the requester (ticket.requester().contact() when it is a mail address).
    void ticket_opened(const v1::Ticket& ticket);
    void public_reply(const v1::Ticket& ticket, const v1::Comment& comment);
    void resolved(const v1::Ticket& ticket, const std::string& resolution);

    // To the assignee's users.email: the first target (response, then resolution) that is at risk.
    void sla_at_risk(const v1::Ticket& ticket);
    // To that user's email: the first target that is breached.
    void sla_breached(const v1::Ticket& ticket, const std::string& group_lead_username);

    const NotifierOptions& options() const { return options_; }

private:
    TemplateValues ticket_values(const v1::Ticket& ticket) const;
    void to_requester(MailKind kind, const v1::Ticket& ticket, TemplateValues values);
    void to_staff(MailKind kind, const v1::Ticket& ticket, const std::string& username, v1::SlaState state);
    void enqueue(MailKind kind, const std::string& recipient, const v1::Ticket& ticket, const TemplateValues& values);

    store::MailStore& outbox_;
    store::UserStore& users_;
    const MailTemplates& templates_;
    const core::Clock& clock_;
    NotifierOptions options_;
    std::function<void()> on_enqueued_;
};

}  // namespace lifeline::relay::notify
