// Tells a ticket's machine what its user would want to know: a TicketStore decorator that pushes
// RelayToAgent.ticket_update through the hub when a ticket opened from a machine changes status or
// gets a public reply from staff. Internal notes, priority, group or assignee changes, the user's
// own replies and ratings push nothing. A machine that is offline misses the push and reads its
// tickets when it reconnects.
//
// Threads: any (store calls run on the worker pool); set_presence() once, before serving.
#pragma once

#include "relay/http/api.hpp"
#include "relay/store/forwarding_ticket_store.hpp"

#include <atomic>
#include <string>

namespace lifeline::relay::ws {

// A ticket as the machine's user sees it in My tickets.
v1::TicketSummary ticket_summary(const v1::Ticket& ticket);

// The author a reply from the ticket's own machine is stored under: the requester and the machine,
// "mia (from pc-17)". No staff member's comment can carry it, since usernames have no blanks.
std::string machine_reply_author(const v1::Ticket& ticket);

class DeviceUpdatingTicketStore final : public store::ForwardingTicketStore {
public:
    explicit DeviceUpdatingTicketStore(store::TicketStore& inner) : ForwardingTicketStore(inner) {}

    // Where pushes go (the agents' hub); none before it is set.
    void set_presence(http::DevicePresence* presence) { presence_ = presence; }

    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const store::TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;
    // Everything else passes through: chat reaches the machine as RelayToAgent.chat, and a rating is the
    // user's own doing.

private:
    void tell_machine(const v1::Ticket& ticket);

    std::atomic<http::DevicePresence*> presence_{nullptr};
};

}  // namespace lifeline::relay::ws
