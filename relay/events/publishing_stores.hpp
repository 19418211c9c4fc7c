// Store decorators that tell the event bus about every committed change to tickets, chat and
// sessions, whoever made it (REST handlers, the agents' channel, the session broker), so the
// staff's event streams cannot miss a change path.
#pragma once

#include "relay/events/event_bus.hpp"
#include "relay/store/store.hpp"

namespace lifeline::relay::events {

class PublishingTicketStore final : public store::TicketStore {
public:
    PublishingTicketStore(store::TicketStore& inner, EventBus& bus) : inner_(inner), bus_(bus) {}

    v1::Ticket create_ticket(const store::NewTicket& ticket, core::SystemTime now) override;
    core::Result<v1::Ticket> get_ticket(const std::string& number) override { return inner_.get_ticket(number); }
    core::Result<v1::TicketPage> list_tickets(const store::TicketQuery& query) override {
        return inner_.list_tickets(query);
    }
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const store::TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;
    core::Result<v1::CommentList> list_comments(const std::string& number, bool include_internal) override {
        return inner_.list_comments(number, include_internal);
    }
    core::Result<v1::TicketHistory> ticket_history(const std::string& number) override {
        return inner_.ticket_history(number);
    }
    std::vector<v1::Ticket> device_tickets(const std::string& device_id, int limit) override {
        return inner_.device_tickets(device_id, limit);
    }
    core::Result<v1::Attachment> add_attachment(const std::string& number, const v1::Attachment& meta,
                                                const std::string& data, core::SystemTime now) override {
        return inner_.add_attachment(number, meta, data, now);
    }
    core::Result<v1::AttachmentList> list_attachments(const std::string& number) override {
        return inner_.list_attachments(number);
    }
    core::Result<std::pair<v1::Attachment, std::string>> get_attachment(const std::string& number,
                                                                        std::int64_t id) override {
        return inner_.get_attachment(number, id);
    }
    core::Result<v1::ChatMessage> add_chat_message(const store::NewChatMessage& message, core::SystemTime now) override;
    core::Result<std::vector<v1::ChatMessage>> list_chat(const std::string& number, const std::string& device_id,
                                                         int limit) override {
        return inner_.list_chat(number, device_id, limit);
    }

private:
    void publish(v1::Ticket ticket);

    store::TicketStore& inner_;
    EventBus& bus_;
};

class PublishingSessionStore final : public store::SessionStore {
public:
    PublishingSessionStore(store::SessionStore& inner, EventBus& bus) : inner_(inner), bus_(bus) {}

    core::Result<v1::Session> create_session(const v1::Session& session) override;
    core::Result<v1::Session> get_session(const std::string& id) override { return inner_.get_session(id); }
    core::Result<v1::Session> update_session(const std::string& id, const store::SessionChange& change) override;
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
