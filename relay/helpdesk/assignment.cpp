// Round robin and least-loaded assignment.
#include "relay/helpdesk/assignment.hpp"

#include <algorithm>

namespace lifeline::relay::helpdesk {

std::optional<std::string> choose_assignee(v1::Group::Assignment assignment, int tier,
                                           const std::vector<AssignmentCandidate>& members,
                                           const std::string& last_assigned) {
    if (assignment != v1::Group::ROUND_ROBIN && assignment != v1::Group::LEAST_LOADED) return std::nullopt;
    std::vector<const AssignmentCandidate*> eligible;
    for (const auto& member : members) {
        if (member.online && member.tier == tier) eligible.push_back(&member);
    }
    if (eligible.empty()) return std::nullopt;
    std::sort(eligible.begin(), eligible.end(), [](auto* a, auto* b) { return a->username < b->username; });
    if (assignment == v1::Group::ROUND_ROBIN) {
        auto next =
            std::find_if(eligible.begin(), eligible.end(), [&](auto* m) { return m->username > last_assigned; });
        return (next == eligible.end() ? eligible.front() : *next)->username;
    }
    auto least = std::min_element(eligible.begin(), eligible.end(),
                                  [](auto* a, auto* b) { return a->open_tickets < b->open_tickets; });
    return (*least)->username;
}

}  // namespace lifeline::relay::helpdesk
