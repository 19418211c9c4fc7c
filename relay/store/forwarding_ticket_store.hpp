// A ticket store that hands every call to another: the base of the decorators that add one concern
// each (workflow rules, mail, the staff's events, the machines' updates) and override only the
// calls that concern them.
#pragma once

#include "relay/store/store.hpp"

namespace lifeline::relay::store {

class ForwardingTicketStore : public TicketStore {
public:
    explicit ForwardingTicketStore(TicketStore& inner) : inner_(inner) {}

    v1::Ticket create_ticket(const NewTicket& ticket, core::SystemTime now) override {
        return inner_.create_ticket(ticket, now);
    }
    core::Result<v1::Ticket> get_ticket(const std::string& number) override { return inner_.get_ticket(number); }
    core::Result<v1::TicketPage> list_tickets(const TicketQuery& query) override { return inner_.list_tickets(query); }
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const TicketMutation& mutation) override {
        return inner_.modify_ticket(number, actor, now, mutation);
    }
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override {
        return inner_.add_comment(number, author, body, internal, now);
    }
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
    core::Result<v1::ChatMessage> add_chat_message(const NewChatMessage& message, core::SystemTime now) override {
        return inner_.add_chat_message(message, now);
    }
    core::Result<std::vector<v1::ChatMessage>> list_chat(const std::string& number, const std::string& device_id,
                                                         int limit) override {
        return inner_.list_chat(number, device_id, limit);
    }
    core::Result<v1::Ticket> rate_ticket(const std::string& number, const v1::Satisfaction& rating,
                                         const std::string& device_id, const std::string& actor,
                                         core::SystemTime now) override {
        return inner_.rate_ticket(number, rating, device_id, actor, now);
    }

protected:
    TicketStore& inner_;
};

}  // namespace lifeline::relay::store
