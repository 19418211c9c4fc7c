// Store decorators that tell the event bus about every committed change to tickets, chat,
// sessions and groups, whoever made it (REST handlers, the agents' channel, the session broker),
// so the staff's event streams cannot miss a change path.
#pragma once

#include "relay/events/event_bus.hpp"
#include "relay/store/forwarding_ticket_store.hpp"
#include "relay/store/group_store.hpp"

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

// Publishes StaffEventExtra.group after a group is created or changed, or a member is set or removed,
// so a viewer's "my groups" and its assign and escalate choices follow without reconnecting.
// The workflow's own bookkeeping (round robin's last assignee) changes nothing staff see.
class PublishingGroupStore final : public store::GroupStore {
public:
    PublishingGroupStore(store::GroupStore& inner, EventBus& bus) : inner_(inner), bus_(bus) {}

    core::Result<v1::Group> create_group(const v1::CreateGroupRequest& group, core::SystemTime now,
                                         const store::Actor& actor) override {
        return published(inner_.create_group(group, now, actor));
    }
    std::vector<v1::Group> list_groups() override { return inner_.list_groups(); }
    core::Result<v1::Group> get_group(const std::string& name) override { return inner_.get_group(name); }
    core::Result<v1::Group> update_group(const std::string& name, const v1::UpdateGroupRequest& change,
                                         const store::Actor& actor) override {
        return published(inner_.update_group(name, change, actor));
    }
    core::Result<v1::Group> set_member(const std::string& group, const std::string& username, int tier,
                                       const store::Actor& actor) override {
        return published(inner_.set_member(group, username, tier, actor));
    }
    core::Result<v1::Group> remove_member(const std::string& group, const std::string& username,
                                          const store::Actor& actor) override {
        return published(inner_.remove_member(group, username, actor));
    }
    std::vector<std::string> groups_of(const std::string& username) override { return inner_.groups_of(username); }
    std::map<std::string, int> open_ticket_counts(const std::vector<std::string>& usernames) override {
        return inner_.open_ticket_counts(usernames);
    }
    void set_last_assigned(const std::string& group, int tier, const std::string& username) override {
        inner_.set_last_assigned(group, tier, username);
    }
    std::string last_assigned(const std::string& group, int tier) override { return inner_.last_assigned(group, tier); }
    std::vector<int> technician_tiers() override { return inner_.technician_tiers(); }
    std::vector<std::string> due_tickets(core::SystemTime now, int limit) override {
        return inner_.due_tickets(now, limit);
    }

private:
    core::Result<v1::Group> published(core::Result<v1::Group> group);

    store::GroupStore& inner_;
    EventBus& bus_;
};

}  // namespace lifeline::relay::events
