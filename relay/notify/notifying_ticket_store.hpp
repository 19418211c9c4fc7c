// A ticket store decorator that mails the requester after each committed change they should hear
// of: a new ticket, a public reply (never an internal note), the move into RESOLVED. Whoever made
// the change (REST, the agents' channel), the mail follows, as PublishingTicketStore does for events.
#pragma once

#include "relay/notify/notifier.hpp"
#include "relay/store/forwarding_ticket_store.hpp"

namespace lifeline::relay::notify {

class NotifyingTicketStore final : public store::ForwardingTicketStore {
public:
    NotifyingTicketStore(store::TicketStore& inner, Notifier& notifier)
        : ForwardingTicketStore(inner), notifier_(notifier) {}

    v1::Ticket create_ticket(const store::NewTicket& ticket, core::SystemTime now) override;
    // A move into RESOLVED mails the note of the "status" history entry the mutation wrote (the
    // resolution the technician typed); empty when there was none.
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const store::TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;

private:
    Notifier& notifier_;
};

}  // namespace lifeline::relay::notify
