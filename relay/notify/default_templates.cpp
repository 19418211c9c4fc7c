// The notification texts compiled into the relay (English and German), used where no template file
// overrides them; `lifeline-relay init` writes them into DATA/templates/mail/ for admins to edit.
#include "relay/notify/mail_templates.hpp"

namespace lifeline::relay::notify {

namespace {

struct Embedded {
    std::string_view language;
    MailKind kind;
    std::string_view text;
};

constexpr Embedded kEmbedded[] = {
    {"en", MailKind::ticket_opened, R"txt(Subject: [{{ticket.number}}] We received your request: {{ticket.subject}}

Hello {{requester.name}},

thank you for contacting the helpdesk. Your request is recorded as ticket
{{ticket.number}}:

    {{ticket.subject}}

Please quote {{ticket.number}} whenever you contact us about it. We will write
to you here when a technician answers.

Your helpdesk
)txt"},
    {"en", MailKind::public_reply, R"txt(Subject: [{{ticket.number}}] New reply: {{ticket.subject}}

Hello {{requester.name}},

{{comment.author}} replied to your ticket {{ticket.number}} ("{{ticket.subject}}"):

{{comment.body}}

Please quote {{ticket.number}} when you contact us about this request.

Your helpdesk
)txt"},
    {"en", MailKind::resolved, R"txt(Subject: [{{ticket.number}}] Resolved: {{ticket.subject}}

Hello {{requester.name}},

your ticket {{ticket.number}} ("{{ticket.subject}}") has been resolved.

{{resolution}}

If the problem is still there, contact us and quote {{ticket.number}}: we will
reopen the ticket.

Your helpdesk
)txt"},
    {"en", MailKind::sla_at_risk, R"txt(Subject: [{{ticket.number}}] SLA at risk: {{ticket.subject}}

Hello {{recipient.name}},

the {{sla.target}} target of ticket {{ticket.number}}, assigned to you, is at
risk: 80 % of its time is used. It is due {{sla.due}}.

    Ticket:     {{ticket.number}} {{ticket.subject}}
    Priority:   {{ticket.priority}}
    Group:      {{ticket.group}}
    Requester:  {{requester.name}} {{requester.contact}}

Relay: {{relay.url}}
)txt"},
    {"en", MailKind::sla_breached, R"txt(Subject: [{{ticket.number}}] SLA breached: {{ticket.subject}}

Hello {{recipient.name}},

the {{sla.target}} target of ticket {{ticket.number}} in your group
{{ticket.group}} was breached: it was due {{sla.due}}.

    Ticket:     {{ticket.number}} {{ticket.subject}}
    Priority:   {{ticket.priority}}
    Assignee:   {{ticket.assignee}}
    Requester:  {{requester.name}} {{requester.contact}}

Relay: {{relay.url}}
)txt"},
    {"de", MailKind::ticket_opened, R"txt(Subject: [{{ticket.number}}] Ihre Anfrage ist eingegangen: {{ticket.subject}}

Guten Tag {{requester.name}},

vielen Dank für Ihre Nachricht an den Helpdesk. Ihre Anfrage ist als Ticket
{{ticket.number}} erfasst:

    {{ticket.subject}}

Bitte geben Sie {{ticket.number}} an, wenn Sie uns dazu kontaktieren. Sobald
ein Techniker antwortet, schreiben wir Ihnen hier.

Ihr Helpdesk
)txt"},
    {"de", MailKind::public_reply, R"txt(Subject: [{{ticket.number}}] Neue Antwort: {{ticket.subject}}

Guten Tag {{requester.name}},

{{comment.author}} hat auf Ihr Ticket {{ticket.number}} („{{ticket.subject}}“) geantwortet:

{{comment.body}}

Bitte geben Sie {{ticket.number}} an, wenn Sie uns zu dieser Anfrage kontaktieren.

Ihr Helpdesk
)txt"},
    {"de", MailKind::resolved, R"txt(Subject: [{{ticket.number}}] Gelöst: {{ticket.subject}}

Guten Tag {{requester.name}},

Ihr Ticket {{ticket.number}} („{{ticket.subject}}“) wurde gelöst.

{{resolution}}

Besteht das Problem weiter, melden Sie sich bitte mit {{ticket.number}}: wir
öffnen das Ticket dann wieder.

Ihr Helpdesk
)txt"},
    {"de", MailKind::sla_at_risk, R"txt(Subject: [{{ticket.number}}] SLA gefährdet: {{ticket.subject}}

Hallo {{recipient.name}},

das Ziel „{{sla.target}}“ des Tickets {{ticket.number}}, das Ihnen zugewiesen
ist, ist gefährdet: 80 % der Zeit sind verbraucht. Fällig: {{sla.due}}.

    Ticket:     {{ticket.number}} {{ticket.subject}}
    Priorität:  {{ticket.priority}}
    Gruppe:     {{ticket.group}}
    Anfragende: {{requester.name}} {{requester.contact}}

Relay: {{relay.url}}
)txt"},
    {"de", MailKind::sla_breached, R"txt(Subject: [{{ticket.number}}] SLA verletzt: {{ticket.subject}}

Hallo {{recipient.name}},

das Ziel „{{sla.target}}“ des Tickets {{ticket.number}} in Ihrer Gruppe
{{ticket.group}} wurde verfehlt: es war fällig {{sla.due}}.

    Ticket:     {{ticket.number}} {{ticket.subject}}
    Priorität:  {{ticket.priority}}
    Zuständig:  {{ticket.assignee}}
    Anfragende: {{requester.name}} {{requester.contact}}

Relay: {{relay.url}}
)txt"},
};

}  // namespace

std::optional<std::string_view> embedded_template(std::string_view language, MailKind kind) {
    for (const auto& entry : kEmbedded) {
        if (entry.language == language && entry.kind == kind) return entry.text;
    }
    return std::nullopt;
}

}  // namespace lifeline::relay::notify
