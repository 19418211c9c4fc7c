// Routing, assignment, SLA tracking and escalation around the ticket store.
#include "relay/workflow/workflow_tickets.hpp"

#include "relay/helpdesk/assignment.hpp"
#include "relay/helpdesk/sla_tracking.hpp"
#include "relay/helpdesk/ticket_rules.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace lifeline::relay::workflow {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

// A person at the helpdesk, as opposed to the relay itself, a machine or the command line.
bool is_staff(const std::string& actor) {
    return !actor.empty() && actor != "system" && actor != "cli" && actor.rfind("device:", 0) != 0;
}

bool is_done(v1::Ticket::Status status) { return status == v1::Ticket::RESOLVED || status == v1::Ticket::CLOSED; }

std::string place(const std::string& group, int tier) {
    return (group.empty() ? std::string("(none)") : group) + "/" + std::to_string(tier);
}

std::string assignment_rule(v1::Group::Assignment assignment) {
    return assignment == v1::Group::ROUND_ROBIN ? "rule:round_robin" : "rule:least_loaded";
}

}  // namespace

struct WorkflowTicketStore::Outcome {
    std::vector<helpdesk::SlaTransition> alerts;
    std::string breach_lead;  // the lead of the group whose watch the breach happened on
    std::string assigned_group, assigned_user;
    int assigned_tier = 1;
};

std::vector<int> WorkflowTicketStore::staffed_tiers(const std::string& group) {
    if (group.empty()) return deps_.groups.technician_tiers();
    auto found = deps_.groups.get_group(group);
    if (!found) return {};
    std::vector<int> tiers;
    for (const auto& member : found->members())
        tiers.push_back(member.tier());
    return tiers;
}

void WorkflowTicketStore::auto_assign(v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events,
                                      Outcome& outcome) {
    if (ticket.group().empty() || !ticket.assignee().empty()) return;
    auto group = deps_.groups.get_group(ticket.group());
    if (!group || group->assignment() == v1::Group::MANUAL) return;
    std::vector<helpdesk::AssignmentCandidate> candidates;
    std::vector<std::string> usernames;
    for (const auto& member : group->members()) {
        bool online = deps_.online && deps_.online(member.username());
        candidates.push_back({member.username(), member.tier(), online, 0});
        usernames.push_back(member.username());
    }
    if (group->assignment() == v1::Group::LEAST_LOADED) {
        auto counts = deps_.groups.open_ticket_counts(usernames);
        for (auto& candidate : candidates)
            candidate.open_tickets = counts[candidate.username];
    }
    auto chosen = helpdesk::choose_assignee(group->assignment(), std::max(1, ticket.tier()), candidates,
                                            deps_.groups.last_assigned(group->name(), std::max(1, ticket.tier())));
    if (!chosen) return;
    events.push_back({"assignee", "", *chosen, assignment_rule(group->assignment())});
    ticket.set_assignee(*chosen);
    outcome.assigned_group = group->name();
    outcome.assigned_tier = std::max(1, ticket.tier());
    outcome.assigned_user = *chosen;
}

void WorkflowTicketStore::move(v1::Ticket& ticket, const helpdesk::EscalationTarget& target, const std::string& why,
                               std::vector<store::TicketEventDraft>& events, Outcome& outcome) {
    events.push_back({"escalated", place(ticket.group(), ticket.tier()), place(target.group, target.tier), why});
    ticket.set_group(target.group);
    ticket.set_tier(target.tier);
    ticket.set_escalations(ticket.escalations() + 1);
    if (!ticket.assignee().empty()) {
        events.push_back({"assignee", ticket.assignee(), "", "escalated"});
        ticket.clear_assignee();
    }
    auto_assign(ticket, events, outcome);
}

void WorkflowTicketStore::apply_rules(const v1::Ticket& before, v1::Ticket& ticket,
                                      std::vector<store::TicketEventDraft>& events, core::SystemTime now,
                                      bool staff_response, Outcome& outcome) {
    const auto& policy = deps_.policy;
    auto possible = [&] {
        return helpdesk::next_escalation(ticket, staffed_tiers(ticket.group()), policy.fallback_group).has_value();
    };
    helpdesk::track(policy, before, ticket, {now, staff_response, possible()});
    for (const auto& transition : helpdesk::sla_transitions(before.sla(), ticket.sla())) {
        if (transition.to != v1::SLA_AT_RISK && transition.to != v1::SLA_BREACHED) continue;
        events.push_back({"sla", helpdesk::sla_state_name(transition.from), helpdesk::sla_state_name(transition.to),
                          transition.target});
        outcome.alerts.push_back(transition);
        if (transition.to != v1::SLA_BREACHED || is_done(ticket.status())) continue;
        if (outcome.breach_lead.empty() && !ticket.group().empty()) {
            if (auto group = deps_.groups.get_group(ticket.group())) outcome.breach_lead = group->lead();
        }
        // A breach hands the ticket up, once per change.
        auto target = helpdesk::next_escalation(ticket, staffed_tiers(ticket.group()), policy.fallback_group);
        if (!target) continue;
        v1::Ticket unmoved = ticket;
        move(ticket, *target, "rule:sla_breached:" + transition.target, events, outcome);
        helpdesk::track(policy, unmoved, ticket, {now, false, possible()});
        break;
    }
}

void WorkflowTicketStore::after_commit(const v1::Ticket& ticket, const Outcome& outcome) {
    if (!outcome.assigned_user.empty())
        deps_.groups.set_last_assigned(outcome.assigned_group, outcome.assigned_tier, outcome.assigned_user);
    for (const auto& alert : outcome.alerts) {
        spdlog::info("workflow: {} {} SLA {}", ticket.number(), alert.target, helpdesk::sla_state_name(alert.to));
        if (!deps_.alerts) continue;
        if (alert.to == v1::SLA_AT_RISK) deps_.alerts->sla_at_risk(ticket);
        if (alert.to == v1::SLA_BREACHED) deps_.alerts->sla_breached(ticket, outcome.breach_lead);
    }
}

v1::Ticket WorkflowTicketStore::create_ticket(const store::NewTicket& request, core::SystemTime now) {
    store::NewTicket routed = request;
    v1::Ticket& ticket = routed.ticket;
    const auto& policy = deps_.policy;
    std::string device_group;
    if (!ticket.device_id().empty()) {
        if (auto device = deps_.devices.get_device(ticket.device_id())) device_group = device->group();
    }
    auto decision =
        helpdesk::route(policy, {ticket.subject(), ticket.category(), device_group, ticket.requester().name()});
    if (ticket.group().empty() && !decision.group.empty()) {
        routed.events.push_back({"group", "", decision.group, decision.rule});
        ticket.set_group(decision.group);
    }
    // A rule raises the priority (a VIP's machine), never lowers what the caller chose.
    if (decision.priority && *decision.priority < ticket.priority()) {
        routed.events.push_back({"priority", std::string(helpdesk::priority_name(ticket.priority())),
                                 std::string(helpdesk::priority_name(*decision.priority)), decision.rule});
        ticket.set_priority(*decision.priority);
    }
    ticket.set_status(v1::Ticket::NEW);
    ticket.set_tier(1);
    *ticket.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(now));
    *ticket.mutable_routed_at() = ticket.created_at();
    helpdesk::start_sla(policy, ticket);
    Outcome outcome;
    auto_assign(ticket, routed.events, outcome);
    const v1::Ticket unchanged = ticket;
    bool possible = helpdesk::next_escalation(ticket, staffed_tiers(ticket.group()), policy.fallback_group).has_value();
    helpdesk::track(policy, unchanged, ticket, {now, false, possible});
    auto created = inner_.create_ticket(routed, now);
    after_commit(created, outcome);
    return created;
}

core::Result<v1::Ticket> WorkflowTicketStore::change(const std::string& number, const std::string& actor,
                                                     core::SystemTime now, std::optional<bool> staff_response,
                                                     const WorkflowMutation& mutation) {
    Outcome outcome;
    const store::TicketMutation wrapped = [&](v1::Ticket& ticket,
                                              std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
        const v1::Ticket before = ticket;
        outcome = {};
        if (auto decided = mutation(ticket, events, outcome); !decided) return decided;
        // A technician's answer: a status change, or taking the ticket.
        bool responded =
            staff_response.value_or(is_staff(actor) && (ticket.status() != before.status() ||
                                                        (ticket.assignee() == actor && before.assignee() != actor)));
        apply_rules(before, ticket, events, now, responded, outcome);
        return {};
    };
    auto result = inner_.modify_ticket(number, actor, now, wrapped);
    if (result) after_commit(*result, outcome);
    return result;
}

core::Result<v1::Ticket> WorkflowTicketStore::modify_ticket(const std::string& number, const std::string& actor,
                                                            core::SystemTime now,
                                                            const store::TicketMutation& mutation) {
    return change(number, actor, now, std::nullopt,
                  [&](v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events, Outcome&) {
                      return mutation(ticket, events);
                  });
}

core::Result<v1::Comment> WorkflowTicketStore::add_comment(const std::string& number, const std::string& author,
                                                           const std::string& body, bool internal,
                                                           core::SystemTime now) {
    auto comment = inner_.add_comment(number, author, body, internal, now);
    // The first public reply from staff is the first response; the SLA record follows.
    if (comment && !internal && is_staff(author)) {
        auto noop = [](v1::Ticket&, std::vector<store::TicketEventDraft>&, Outcome&) -> core::Result<void> {
            return {};
        };
        if (auto ticket = change(number, author, now, true, noop); !ticket) {
            spdlog::warn("workflow: {} first response not recorded: {}", number, ticket.error().message);
        }
    }
    return comment;
}

core::Result<v1::Ticket> WorkflowTicketStore::escalate(const std::string& number, const std::string& group,
                                                       const std::string& reason, const std::string& actor,
                                                       core::SystemTime now) {
    std::optional<v1::Group> destination;
    if (!group.empty()) {
        auto found = deps_.groups.get_group(group);
        if (!found) return make_error(Errc::invalid_argument, "no group named '" + group + "'");
        destination = *found;
    }
    return change(
        number, actor, now, std::nullopt,
        [&](v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events, Outcome& outcome) -> core::Result<void> {
            if (is_done(ticket.status())) {
                return make_error(Errc::conflict, "a resolved or closed ticket cannot be escalated");
            }
            std::optional<helpdesk::EscalationTarget> target;
            if (destination) {
                if (destination->name() == ticket.group()) {
                    return make_error(Errc::invalid_argument, "the ticket is in " + group +
                                                                  " already; leave the group out to "
                                                                  "move it up a tier");
                }
                target = helpdesk::EscalationTarget{destination->name(), std::max(1, ticket.tier())};
            } else {
                target = helpdesk::next_escalation(ticket, staffed_tiers(ticket.group()), {});
                if (!target) {
                    return make_error(Errc::conflict, "no higher tier is staffed in " +
                                                          place(ticket.group(), ticket.tier()) +
                                                          "; name a group to hand the ticket to");
                }
            }
            move(ticket, *target, "manual: " + reason, events, outcome);
            return {};
        });
}

core::Result<v1::Ticket> WorkflowTicketStore::attend(const std::string& number, core::SystemTime now) {
    return change(
        number, "system", now, false,
        [&](v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events, Outcome& outcome) -> core::Result<void> {
            auto due = helpdesk::escalation_due(deps_.policy, ticket);
            if (!due || *due > now) return {};
            auto target = helpdesk::next_escalation(ticket, staffed_tiers(ticket.group()), deps_.policy.fallback_group);
            if (!target) return {};
            move(ticket, *target, ticket.assignee().empty() ? "rule:unclaimed" : "rule:tier1_open", events, outcome);
            return {};
        });
}

}  // namespace lifeline::relay::workflow
