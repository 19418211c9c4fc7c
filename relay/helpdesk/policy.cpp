// Routing and SLA policy lookup.
#include "relay/helpdesk/policy.hpp"

#include <algorithm>
#include <cctype>

namespace lifeline::relay::helpdesk {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// A whole word of the subject: "print" matches "Printer won't print" but not "blueprint".
bool has_word(std::string_view text, std::string_view word) {
    if (word.empty()) return true;
    for (std::size_t at = 0; at + word.size() <= text.size(); ++at) {
        if (!equal_ignoring_case(text.substr(at, word.size()), word)) continue;
        bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
        std::size_t end = at + word.size();
        bool ends = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
        if (starts && ends) return true;
    }
    return false;
}

bool matches(const RoutingRule& rule, const RoutingInput& input) {
    return (rule.category.empty() || equal_ignoring_case(rule.category, input.category)) &&
           (rule.device_group.empty() || equal_ignoring_case(rule.device_group, input.device_group)) &&
           (rule.requester.empty() || equal_ignoring_case(rule.requester, input.requester)) &&
           has_word(input.subject, rule.subject_keyword);
}

SlaPolicy sla_of(v1::Priority priority, minutes response, minutes resolution, bool business_hours) {
    return {priority, "", response, resolution, business_hours};
}

}  // namespace

HelpdeskPolicy HelpdeskPolicy::defaults() {
    HelpdeskPolicy policy;
    policy.sla = {
        sla_of(v1::P1, minutes(15), hours(4), false),
        sla_of(v1::P2, hours(1), hours(8), true),
        sla_of(v1::P3, hours(4), hours(30), true),
        sla_of(v1::P4, hours(8), hours(50), true),
    };
    return policy;
}

std::optional<v1::Category> find_category(const HelpdeskPolicy& policy, const std::string& name) {
    for (const auto& category : policy.categories) {
        if (equal_ignoring_case(category.name(), name)) return category;
    }
    return std::nullopt;
}

RoutingDecision route(const HelpdeskPolicy& policy, const RoutingInput& input) {
    RoutingDecision decision;
    if (auto category = find_category(policy, input.category); category && !category->group().empty()) {
        decision.group = category->group();
        decision.rule = "category:" + category->name();
    }
    for (const auto& rule : policy.rules) {
        if (!matches(rule, input)) continue;
        if (!rule.group.empty()) decision.group = rule.group;
        decision.priority = rule.priority;
        decision.rule = "rule:" + rule.name;
        break;
    }
    if (decision.group.empty() && !policy.fallback_group.empty()) {
        decision.group = policy.fallback_group;
        if (decision.rule.empty()) decision.rule = "fallback";
    }
    return decision;
}

const SlaPolicy* find_sla_policy(const HelpdeskPolicy& policy, v1::Priority priority, const std::string& category) {
    const SlaPolicy* any = nullptr;
    for (const auto& sla : policy.sla) {
        if (sla.priority != priority) continue;
        if (!sla.category.empty() && equal_ignoring_case(sla.category, category)) return &sla;
        if (sla.category.empty() && !any) any = &sla;
    }
    return any;
}

const BusinessCalendar& calendar_for(const HelpdeskPolicy& policy, const v1::TicketSla& sla) {
    static const BusinessCalendar always = BusinessCalendar::always();
    return sla.calendar() == "always" ? always : policy.calendar;
}

}  // namespace lifeline::relay::helpdesk
