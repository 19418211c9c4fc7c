// Automatic assignment within a group: round robin or least loaded among the online members of
// the ticket's tier. Plain logic over what the caller looked up.
#pragma once

#include "helpdesk.pb.h"

#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::helpdesk {

struct AssignmentCandidate {
    std::string username;
    int tier = 1;
    bool online = false;
    int open_tickets = 0;
};

// nullopt for a manual group, or when no online member works the tier. Round robin takes the
// next username after `last_assigned` (wrapping); least loaded the fewest open tickets, ties by
// username, so the choice is reproducible.
std::optional<std::string> choose_assignee(v1::Group::Assignment assignment, int tier,
                                           const std::vector<AssignmentCandidate>& members,
                                           const std::string& last_assigned);

}  // namespace lifeline::relay::helpdesk
