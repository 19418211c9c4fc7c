// Pushes a machine's ticket changes to it: a status change, or a public reply from staff.
#include "relay/ws/device_updates.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::ws {

v1::TicketSummary ticket_summary(const v1::Ticket& ticket) {
    v1::TicketSummary summary;
    summary.set_number(ticket.number());
    summary.set_subject(ticket.subject());
    summary.set_status(ticket.status());
    *summary.mutable_created_at() = ticket.created_at();
    *summary.mutable_updated_at() = ticket.updated_at();
    summary.set_assignee_name(ticket.assignee());
    if (ticket.has_satisfaction()) *summary.mutable_satisfaction() = ticket.satisfaction();
    return summary;
}

std::string machine_reply_author(const v1::Ticket& ticket) {
    const auto& requester = ticket.requester();
    const std::string& name = requester.name().empty() ? requester.contact() : requester.name();
    return name + " (from " + (requester.contact().empty() ? "their computer" : requester.contact()) + ")";
}

void DeviceUpdatingTicketStore::tell_machine(const v1::Ticket& ticket) {
    http::DevicePresence* presence = presence_;
    if (presence == nullptr || ticket.device_id().empty()) return;
    v1::RelayToAgent message;
    *message.mutable_ticket_update() = ticket_summary(ticket);
    if (presence->send(ticket.device_id(), message)) {
        spdlog::debug("agents: told device={} about {}", ticket.device_id(), ticket.number());
    }
}

core::Result<v1::Ticket> DeviceUpdatingTicketStore::modify_ticket(const std::string& number, const std::string& actor,
                                                                  core::SystemTime now,
                                                                  const store::TicketMutation& mutation) {
    // The status before the change is only known inside the store's transaction.
    auto before = v1::Ticket::STATUS_UNSPECIFIED;
    auto ticket =
        inner_.modify_ticket(number, actor, now, [&](v1::Ticket& t, std::vector<store::TicketEventDraft>& events) {
            before = t.status();
            return mutation(t, events);
        });
    if (ticket && ticket->status() != before) tell_machine(*ticket);
    return ticket;
}

core::Result<v1::Comment> DeviceUpdatingTicketStore::add_comment(const std::string& number, const std::string& author,
                                                                 const std::string& body, bool internal,
                                                                 core::SystemTime now) {
    auto comment = inner_.add_comment(number, author, body, internal, now);
    // An internal note is for staff only: the machine must not even learn that one was written.
    if (!comment || internal) return comment;
    if (auto ticket = inner_.get_ticket(number); ticket && author != machine_reply_author(*ticket)) {
        tell_machine(*ticket);
    }
    return comment;
}

}  // namespace lifeline::relay::ws
