#include "relay/events/publishing_stores.hpp"

namespace lifeline::relay::events {

void PublishingTicketStore::publish(v1::Ticket ticket) {
    ticket.clear_system_info();  // kilobytes per ticket that a queue does not show
    v1::StaffEvent event;
    *event.mutable_ticket() = std::move(ticket);
    bus_.publish(event);
}

v1::Ticket PublishingTicketStore::create_ticket(const store::NewTicket& ticket, core::SystemTime now) {
    auto created = inner_.create_ticket(ticket, now);
    publish(created);
    return created;
}

core::Result<v1::Ticket> PublishingTicketStore::modify_ticket(const std::string& number, const std::string& actor,
                                                              core::SystemTime now,
                                                              const store::TicketMutation& mutation) {
    auto ticket = inner_.modify_ticket(number, actor, now, mutation);
    if (ticket) publish(*ticket);
    return ticket;
}

core::Result<v1::Comment> PublishingTicketStore::add_comment(const std::string& number, const std::string& author,
                                                             const std::string& body, bool internal,
                                                             core::SystemTime now) {
    auto comment = inner_.add_comment(number, author, body, internal, now);
    // The comment moved the ticket's updated_at: the queue re-sorts on it.
    if (comment) {
        if (auto ticket = inner_.get_ticket(number)) publish(std::move(*ticket));
    }
    return comment;
}

core::Result<v1::ChatMessage> PublishingTicketStore::add_chat_message(const store::NewChatMessage& message,
                                                                      core::SystemTime now) {
    auto stored = inner_.add_chat_message(message, now);
    if (stored) {
        v1::StaffEvent event;
        *event.mutable_chat() = *stored;
        bus_.publish(event);
    }
    return stored;
}

core::Result<v1::Session> PublishingSessionStore::published(core::Result<v1::Session> session) {
    if (session) {
        v1::StaffEvent event;
        *event.mutable_session() = *session;
        bus_.publish(event);
    }
    return session;
}

core::Result<v1::Session> PublishingSessionStore::create_session(const v1::Session& session) {
    return published(inner_.create_session(session));
}

core::Result<v1::Session> PublishingSessionStore::update_session(const std::string& id,
                                                                 const store::SessionChange& change) {
    return published(inner_.update_session(id, change));
}

core::Result<v1::Group> PublishingGroupStore::published(core::Result<v1::Group> group) {
    if (group) {
        v1::StaffEventExtra event;
        *event.mutable_group() = *group;
        bus_.publish(event);
    }
    return group;
}

}  // namespace lifeline::relay::events
