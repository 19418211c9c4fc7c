// Recipients and placeholder values for each notification.
#include "relay/notify/notifier.hpp"

#include "shared/core/log.hpp"
#include "shared/core/text.hpp"

#include <ctime>

namespace lifeline::relay::notify {

namespace {

// "2024-03-05 14:07 UTC": what a person reads; the relay's clock is UTC.
std::string readable_time(const google::protobuf::Timestamp& at) {
    const std::time_t seconds = at.seconds();
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
    return text;
}

// The target's name in the templates' language; English for languages without built-in texts.
std::string target_name(std::string_view language, bool response) {
    if (language == "de" || language.substr(0, 3) == "de-") return response ? "Erstreaktion" : "Lösung";
    return response ? "first response" : "resolution";
}

}  // namespace

Notifier::Notifier(store::MailStore& outbox, store::UserStore& users, const MailTemplates& templates,
                   const core::Clock& clock, NotifierOptions options)
    : outbox_(outbox), users_(users), templates_(templates), clock_(clock), options_(std::move(options)) {}

TemplateValues Notifier::ticket_values(const v1::Ticket& ticket) const {
    const auto& requester = ticket.requester();
    return {
        {"ticket.number", ticket.number()},
        {"ticket.subject", ticket.subject()},
        {"ticket.priority", ticket.priority() == v1::PRIORITY_UNSPECIFIED ? "" : v1::Priority_Name(ticket.priority())},
        {"ticket.category", ticket.category()},
        {"ticket.group", ticket.group()},
        {"ticket.assignee", ticket.assignee()},
        // Mail to "Hello ," reads worse than mail to the address itself.
        {"requester.name", requester.name().empty() ? requester.contact() : requester.name()},
        {"requester.contact", requester.contact()},
        {"relay.url", options_.relay_url},
    };
}

void Notifier::enqueue(MailKind kind, const std::string& recipient, const v1::Ticket& ticket,
                       const TemplateValues& values) {
    auto mail = templates_.render(kind, options_.language, values);
    const auto id = outbox_.enqueue(
        {recipient, std::move(mail.subject), std::move(mail.body), std::string(kind_name(kind)), ticket.number()},
        clock_.now());
    spdlog::debug("mail: queued {} #{} for {}", kind_name(kind), id, ticket.number());
    if (on_enqueued_) on_enqueued_();
}

void Notifier::to_requester(MailKind kind, const v1::Ticket& ticket, TemplateValues values) {
    const std::string& address = ticket.requester().contact();
    if (!core::is_mail_address(address)) {
        spdlog::debug("mail: no {} mail for {}: the requester's contact is not a mail address", kind_name(kind),
                      ticket.number());
        return;
    }
    try {
        values.merge(ticket_values(ticket));
        values.emplace("recipient.name", values["requester.name"]);
        enqueue(kind, address, ticket, values);
    } catch (const std::exception& e) {
        spdlog::error("mail: could not queue {} for {}: {}", kind_name(kind), ticket.number(), e.what());
    }
}

void Notifier::to_staff(MailKind kind, const v1::Ticket& ticket, const std::string& username, v1::SlaState state) {
    try {
        if (username.empty()) {
            spdlog::debug("mail: no {} mail for {}: nobody to send it to", kind_name(kind), ticket.number());
            return;
        }
        auto user = users_.find_user(username);
        if (!user || user->user.disabled() || !core::is_mail_address(user->user.email())) {
            spdlog::debug("mail: no {} mail for {}: user '{}' has no usable mail address", kind_name(kind),
                          ticket.number(), username);
            return;
        }
        auto values = ticket_values(ticket);
        values["recipient.name"] = user->user.display_name().empty() ? username : user->user.display_name();
        const auto& sla = ticket.sla();
        const bool response = sla.response().state() == state || sla.resolution().state() != state;
        const auto& target = response ? sla.response() : sla.resolution();
        values["sla.target"] = target_name(options_.language, response);
        values["sla.due"] = target.has_due() ? readable_time(target.due()) : "";
        enqueue(kind, user->user.email(), ticket, values);
    } catch (const std::exception& e) {
        spdlog::error("mail: could not queue {} for {}: {}", kind_name(kind), ticket.number(), e.what());
    }
}

void Notifier::ticket_opened(const v1::Ticket& ticket) { to_requester(MailKind::ticket_opened, ticket, {}); }

void Notifier::public_reply(const v1::Ticket& ticket, const v1::Comment& comment) {
    std::string author = comment.author();
    try {
        if (auto user = users_.find_user(comment.author()); user && !user->user.display_name().empty()) {
            author = user->user.display_name();
        }
    } catch (const std::exception& e) {
        spdlog::warn("mail: cannot look up '{}': {}", comment.author(), e.what());
    }
    to_requester(MailKind::public_reply, ticket, {{"comment.author", author}, {"comment.body", comment.body()}});
}

void Notifier::resolved(const v1::Ticket& ticket, const std::string& resolution) {
    to_requester(MailKind::resolved, ticket, {{"resolution", resolution}});
}

void Notifier::sla_at_risk(const v1::Ticket& ticket) {
    to_staff(MailKind::sla_at_risk, ticket, ticket.assignee(), v1::SLA_AT_RISK);
}

void Notifier::sla_breached(const v1::Ticket& ticket, const std::string& group_lead_username) {
    to_staff(MailKind::sla_breached, ticket, group_lead_username, v1::SLA_BREACHED);
}

}  // namespace lifeline::relay::notify
