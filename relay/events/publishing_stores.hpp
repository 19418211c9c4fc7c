// Store decorators that tell the event bus about every committed change to tickets, chat and
// sessions, whoever made it (REST handlers, the agents' channel, the session broker), so the
// staff's event streams cannot miss a change path.
#pragma once

#include "relay/events/event_bus.hpp"
#include "relay/store/forwarding_ticket_store.hpp"

namespace lifeline::relay::events {

class PublishingTicketStore final : public store::ForwardingTicketStore {
public:
    PublishingTicketStore(store::TicketStore& inner, EventBus& bus) : ForwardingTicketStore(inner), bus_(bus) {}

    v1::Ticket create_ticket(const store::NewTicket& ticket, core::SystemTime now) override;
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const store::TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;
    core::Result<v1::ChatMessage> add_chat_message(const store::NewChatMessage& message, core::SystemTime now) override;
    core::Result<v1::Ticket> rate_ticket(const std::string& number, const v1::Satisfaction& rating,
                                         const std::string& device_id, const std::string& actor,
                                         core::SystemTime now) override {
        auto ticket = inner_.rate_ticket(number, rating, device_id, actor, now);
        if (ticket) publish(*ticket);
        return ticket;
    }

private:
    void publish(v1::Ticket ticket);

    EventBus& bus_;
};

class PublishingSessionStore final : public store::SessionStore {
public:
    PublishingSessionStore(store::SessionStore& inner, EventBus& bus) : inner_(inner), bus_(bus) {}

    core::Result<v1::Session> create_session(const v1::Session& session) override;
    core::Result<v1::Session> update_session(const std::string& id, const store::SessionChange& change) override;
    core::Result<v1::Session> get_session(const std::string& id) override { return inner_.get_session(id); }
    std::vector<v1::Session> open_sessions() override { return inner_.open_sessions(); }
    core::Result<v1::SessionList> ticket_sessions(const std::string& number) override {
        return inner_.ticket_sessions(number);
    }
    core::Result<v1::SessionList> list_sessions(const store::SessionQuery& query) override {
        return inner_.list_sessions(query);
    }

private:
    core::Result<v1::Session> published(core::Result<v1::Session> session);

    store::SessionStore& inner_;
    EventBus& bus_;
};

}  // namespace lifeline::relay::events
