// The helpdesk's teams and the workflow's own reads: groups with their members' tiers, open-ticket
// counts for least-loaded assignment, and the tickets the escalation sweep must look at.
// Implementation: store/sqlite/group_store.cpp.
#pragma once

#include "helpdesk.pb.h"
#include "relay/store/store.hpp"

#include <map>
#include <string>
#include <vector>

namespace lifeline::relay::store {

class GroupStore {
public:
    virtual ~GroupStore() = default;
    virtual core::Result<v1::Group> create_group(const v1::CreateGroupRequest& group, core::SystemTime now,
                                                 const Actor& actor) = 0;
    virtual std::vector<v1::Group> list_groups() = 0;  // by name, with members by tier then name
    virtual core::Result<v1::Group> get_group(const std::string& name) = 0;
    virtual core::Result<v1::Group> update_group(const std::string& name, const v1::UpdateGroupRequest& change,
                                                 const Actor& actor) = 0;
    // Adds the user or changes their tier; invalid_argument unless an enabled technician or lead.
    virtual core::Result<v1::Group> set_member(const std::string& group, const std::string& username, int tier,
                                               const Actor& actor) = 0;
    virtual core::Result<v1::Group> remove_member(const std::string& group, const std::string& username,
                                                  const Actor& actor) = 0;
    virtual std::vector<std::string> groups_of(const std::string& username) = 0;

    // Tickets not yet resolved per assignee, for the given usernames (absent: none).
    virtual std::map<std::string, int> open_ticket_counts(const std::vector<std::string>& usernames) = 0;
    // Round robin remembers whom it gave the last ticket, per tier.
    virtual void set_last_assigned(const std::string& group, int tier, const std::string& username) = 0;
    virtual std::string last_assigned(const std::string& group, int tier) = 0;
    // Tiers of enabled technicians, for tickets outside any group.
    virtual std::vector<int> technician_tiers() = 0;
    // Numbers of the tickets whose attention_at has come, most overdue first.
    virtual std::vector<std::string> due_tickets(core::SystemTime now, int limit) = 0;
};

}  // namespace lifeline::relay::store
