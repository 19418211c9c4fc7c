// The helpdesk's rules as data: categories and their groups, routing rules, SLA policies per
// priority (and category), the business calendar and the escalation timer. Loaded from
// DATA/helpdesk.toml (relay/app/helpdesk_config.cpp); the defaults below apply without one.
#pragma once

#include "helpdesk.pb.h"
#include "lifeline.pb.h"
#include "relay/helpdesk/sla.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::helpdesk {

// Decides group and initial priority at creation. Every condition present must hold; the first
// matching rule wins, in file order.
struct RoutingRule {
    std::string name;
    std::string category;         // exact, case-insensitive
    std::string device_group;     // the machine's enrollment group
    std::string subject_keyword;  // a word of the subject, case-insensitive
    std::string requester;        // requester name, case-insensitive
    std::string group;            // where matching tickets go (empty: keep the category's group)
    std::optional<v1::Priority> priority;
};

struct SlaPolicy {
    v1::Priority priority = v1::P3;
    std::string category;  // empty: any category
    std::chrono::seconds response{0};
    std::chrono::seconds resolution{0};
    bool business_hours = true;  // false: the clock runs around the clock
};

struct HelpdeskPolicy {
    std::vector<v1::Category> categories;
    std::vector<RoutingRule> rules;
    std::vector<SlaPolicy> sla;
    BusinessCalendar calendar = BusinessCalendar::office_hours();
    // A ticket nobody claimed, or still open at tier 1, moves to the next tier after this much
    // working time; 0 switches automatic escalation off.
    std::chrono::seconds escalate_after = std::chrono::minutes(15);
    std::string fallback_group;  // takes what no group can take; empty: the ticket stays where it is
    double at_risk_fraction = 0.8;

    // P1 15 min / 4 h around the clock; P2 1 h / 8 h, P3 4 h / 3 days, P4 8 h / 5 days in office
    // hours (a working day is 10 h).
    static HelpdeskPolicy defaults();
};

// The category's own spelling and group; nullopt for a category the policy does not know (a
// policy without categories accepts any).
std::optional<v1::Category> find_category(const HelpdeskPolicy& policy, const std::string& name);

struct RoutingInput {
    std::string subject;
    std::string category;
    std::string device_group;
    std::string requester;
};

struct RoutingDecision {
    std::string group;  // empty: no group
    std::optional<v1::Priority> priority;
    std::string rule;  // "rule:NAME", "category:NAME" or empty when nothing applied
};

RoutingDecision route(const HelpdeskPolicy& policy, const RoutingInput& input);

// The policy for a priority and category: an exact category match first, then the priority's
// catch-all; nullptr when none applies.
const SlaPolicy* find_sla_policy(const HelpdeskPolicy& policy, v1::Priority priority, const std::string& category);

const BusinessCalendar& calendar_for(const HelpdeskPolicy& policy, const v1::TicketSla& sla);

}  // namespace lifeline::relay::helpdesk
