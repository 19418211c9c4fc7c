// A ticket's SLA record and escalation timer kept in step with its changes: plain logic over the
// ticket, the policy and an explicit `now` (no clock reads, no I/O).
#pragma once

#include "lifeline.pb.h"
#include "relay/helpdesk/policy.hpp"
#include "shared/core/clock.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::helpdesk {

struct TrackContext {
    core::SystemTime now;
    bool staff_response = false;       // a technician answered: a public reply, a claim, a status change
    bool escalation_possible = false;  // somewhere to move the ticket to exists (next tier or fallback)
};

// Picks the ticket's SLA policy (none: no record) and starts both clocks at the ticket's creation.
void start_sla(const HelpdeskPolicy& policy, v1::Ticket& ticket);

// After a change from `before` to `after`: records the first response, opens or closes a pause
// (pending), stops the resolution clock on resolve and restarts it on reopen (the resolved span
// does not count), follows a priority or category change to its policy, restarts the escalation
// timer on a move to another group or tier, counts reopens, then evaluates both targets at `now`
// and sets attention_at.
void track(const HelpdeskPolicy& policy, const v1::Ticket& before, v1::Ticket& after, const TrackContext& context);

// The ticket's most pressing SLA state: breached, then at risk, ok, paused, met; unspecified
// without a policy.
v1::SlaState overall_sla_state(const v1::TicketSla& sla);

// The automatic escalation timer runs: unclaimed, or still open at tier 1.
bool escalation_timer_runs(const HelpdeskPolicy& policy, const v1::Ticket& ticket);
std::optional<core::SystemTime> escalation_due(const HelpdeskPolicy& policy, const v1::Ticket& ticket);

struct EscalationTarget {
    std::string group;
    int tier = 1;
};

// The next step up: a higher tier staffed in the ticket's group, else the fallback group (one
// tier up, at most 3), else nothing. `staffed_tiers`: the tiers the ticket's group has members at.
std::optional<EscalationTarget> next_escalation(const v1::Ticket& ticket, const std::vector<int>& staffed_tiers,
                                                const std::string& fallback_group);

// An SLA target whose state changed between two records ("response" or "resolution").
struct SlaTransition {
    std::string target;
    v1::SlaState from = v1::SLA_STATE_UNSPECIFIED;
    v1::SlaState to = v1::SLA_STATE_UNSPECIFIED;
};
std::vector<SlaTransition> sla_transitions(const v1::TicketSla& before, const v1::TicketSla& after);

std::string sla_state_name(v1::SlaState state);  // "ok", "at_risk", "breached", "paused", "met", ""

}  // namespace lifeline::relay::helpdesk
