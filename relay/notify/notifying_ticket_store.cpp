// The notifications a ticket's requester gets, decided from committed results only.
#include "relay/notify/notifying_ticket_store.hpp"

namespace lifeline::relay::notify {

v1::Ticket NotifyingTicketStore::create_ticket(const store::NewTicket& ticket, core::SystemTime now) {
    auto created = inner_.create_ticket(ticket, now);
    notifier_.ticket_opened(created);
    return created;
}

core::Result<v1::Ticket> NotifyingTicketStore::modify_ticket(const std::string& number, const std::string& actor,
                                                             core::SystemTime now,
                                                             const store::TicketMutation& mutation) {
    // The mutation runs inside the store's transaction on the current row: the only place that
    // knows the status before the change and the note the change wrote.
    v1::Ticket::Status before = v1::Ticket::STATUS_UNSPECIFIED;
    std::string note;
    const store::TicketMutation watched = [&](v1::Ticket& ticket,
                                              std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
        before = ticket.status();
        note.clear();
        auto result = mutation(ticket, events);
        for (const auto& event : events) {
            if (event.action == "status") note = event.note;
        }
        return result;
    };
    auto ticket = inner_.modify_ticket(number, actor, now, watched);
    if (ticket && ticket->status() == v1::Ticket::RESOLVED && before != v1::Ticket::RESOLVED) {
        notifier_.resolved(*ticket, note);
    }
    return ticket;
}

core::Result<v1::Comment> NotifyingTicketStore::add_comment(const std::string& number, const std::string& author,
                                                            const std::string& body, bool internal,
                                                            core::SystemTime now) {
    auto comment = inner_.add_comment(number, author, body, internal, now);
    if (comment && !internal) {
        if (auto ticket = inner_.get_ticket(number)) notifier_.public_reply(*ticket, *comment);
    }
    return comment;
}

}  // namespace lifeline::relay::notify
