// The SLA record on a ticket and the escalation timer.
#include "relay/helpdesk/sla_tracking.hpp"

#include "relay/helpdesk/ticket_rules.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>

namespace lifeline::relay::helpdesk {

namespace {

using google::protobuf::util::TimeUtil;
using std::chrono::seconds;

core::SystemTime time_of(const google::protobuf::Timestamp& t) {
    return core::from_unix_ms(TimeUtil::TimestampToMilliseconds(t));
}
google::protobuf::Timestamp stamp(core::SystemTime t) { return TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(t)); }

bool is_done(v1::Ticket::Status status) { return status == v1::Ticket::RESOLVED || status == v1::Ticket::CLOSED; }

SlaClock clock_of(const v1::Ticket& ticket, const v1::SlaTarget& target) {
    SlaClock clock;
    clock.started = time_of(ticket.created_at());
    clock.target = seconds(target.target_seconds());
    for (const auto& pause : ticket.sla().pauses()) {
        clock.pauses.emplace_back(time_of(pause.from()),
                                  pause.has_to() ? std::optional(time_of(pause.to())) : std::nullopt);
    }
    if (target.has_met_at()) clock.stopped = time_of(target.met_at());
    return clock;
}

v1::SlaState to_proto(SlaState state) {
    switch (state) {
        case SlaState::ok: return v1::SLA_OK;
        case SlaState::at_risk: return v1::SLA_AT_RISK;
        case SlaState::breached: return v1::SLA_BREACHED;
        case SlaState::paused: return v1::SLA_PAUSED;
        case SlaState::met: return v1::SLA_MET;
    }
    return v1::SLA_STATE_UNSPECIFIED;
}

// Evaluates one target at `now`; answers the next instant its state changes by itself.
std::optional<core::SystemTime> evaluate_target(const HelpdeskPolicy& policy, const v1::Ticket& ticket,
                                                v1::SlaTarget& target, core::SystemTime now) {
    const auto& calendar = calendar_for(policy, ticket.sla());
    auto status = evaluate(calendar, clock_of(ticket, target), now, policy.at_risk_fraction);
    target.set_state(to_proto(status.state));
    target.set_consumed_seconds(status.consumed.count());
    if (status.due && *status.due != core::SystemTime::max())
        *target.mutable_due() = stamp(*status.due);
    else
        target.clear_due();
    // Consumed time is counted in whole seconds, rounded down: both instants are reached, never early.
    if (status.state == SlaState::ok) {
        auto at_risk = seconds(static_cast<seconds::rep>(
            // The epsilon keeps 0.8 x 108000 (86400.00000000001 in binary) from rounding up a second.
            std::ceil(policy.at_risk_fraction * static_cast<double>(target.target_seconds()) - 1e-6)));
        auto when = add_business_time(calendar, now, std::max(seconds(0), at_risk - status.consumed));
        if (when != core::SystemTime::max()) return when;
    }
    if (status.state == SlaState::at_risk && status.due && *status.due != core::SystemTime::max()) {
        return *status.due;
    }
    return std::nullopt;
}

void set_targets(v1::TicketSla& sla, const SlaPolicy& chosen) {
    sla.set_policy(std::string(priority_name(chosen.priority)) +
                   (chosen.category.empty() ? "" : "/" + chosen.category));
    sla.set_calendar(chosen.business_hours ? "business" : "always");
    sla.mutable_response()->set_target_seconds(chosen.response.count());
    sla.mutable_resolution()->set_target_seconds(chosen.resolution.count());
}

void close_open_pause(v1::TicketSla& sla, core::SystemTime now) {
    if (sla.pauses_size() > 0 && !sla.pauses(sla.pauses_size() - 1).has_to()) {
        *sla.mutable_pauses(sla.pauses_size() - 1)->mutable_to() = stamp(now);
    }
}

int severity(v1::SlaState state) {
    switch (state) {
        case v1::SLA_BREACHED: return 5;
        case v1::SLA_AT_RISK: return 4;
        case v1::SLA_OK: return 3;
        case v1::SLA_PAUSED: return 2;
        case v1::SLA_MET: return 1;
        default: return 0;
    }
}

}  // namespace

void start_sla(const HelpdeskPolicy& policy, v1::Ticket& ticket) {
    ticket.clear_sla();
    const SlaPolicy* chosen = find_sla_policy(policy, ticket.priority(), ticket.category());
    if (!chosen) return;
    set_targets(*ticket.mutable_sla(), *chosen);
}

void track(const HelpdeskPolicy& policy, const v1::Ticket& before, v1::Ticket& after, const TrackContext& context) {
    const auto now = context.now;
    if (before.group() != after.group() || before.tier() != after.tier()) *after.mutable_routed_at() = stamp(now);
    if (before.status() == v1::Ticket::RESOLVED && after.status() == v1::Ticket::OPEN) {
        after.set_reopens(after.reopens() + 1);
    }
    if (!after.has_first_response_at() && (context.staff_response || is_done(after.status()))) {
        *after.mutable_first_response_at() = stamp(now);
    }

    // A new priority or category may fall under another policy; the clocks keep their start.
    if (before.priority() != after.priority() || before.category() != after.category() || !after.has_sla()) {
        const SlaPolicy* chosen = find_sla_policy(policy, after.priority(), after.category());
        if (!chosen) {
            after.clear_sla();
        } else {
            set_targets(*after.mutable_sla(), *chosen);
        }
    }
    std::optional<core::SystemTime> attention;
    const auto sooner = [&](std::optional<core::SystemTime> t) {
        if (t && (!attention || *t < *attention)) attention = t;
    };
    if (after.has_sla()) {
        auto& sla = *after.mutable_sla();
        if (after.status() == v1::Ticket::PENDING && before.status() != v1::Ticket::PENDING) {
            *sla.add_pauses()->mutable_from() = stamp(now);
        } else if (after.status() != v1::Ticket::PENDING) {
            close_open_pause(sla, now);
        }
        if (after.has_first_response_at() && !sla.response().has_met_at()) {
            *sla.mutable_response()->mutable_met_at() = after.first_response_at();
        }
        if (is_done(after.status()) && !sla.resolution().has_met_at()) {
            *sla.mutable_resolution()->mutable_met_at() = after.has_resolved_at() ? after.resolved_at() : stamp(now);
        } else if (!is_done(after.status()) && sla.resolution().has_met_at()) {
            // Reopened: the clock runs on from where it stopped.
            auto* resolved_span = sla.add_pauses();
            *resolved_span->mutable_from() = sla.resolution().met_at();
            *resolved_span->mutable_to() = stamp(now);
            sla.mutable_resolution()->clear_met_at();
        }
        sooner(evaluate_target(policy, after, *sla.mutable_response(), now));
        sooner(evaluate_target(policy, after, *sla.mutable_resolution(), now));
    }
    if (context.escalation_possible) sooner(escalation_due(policy, after));
    if (attention)
        *after.mutable_attention_at() = stamp(*attention);
    else
        after.clear_attention_at();
}

v1::SlaState overall_sla_state(const v1::TicketSla& sla) {
    auto a = sla.response().state();
    auto b = sla.resolution().state();
    return severity(a) >= severity(b) ? a : b;
}

bool escalation_timer_runs(const HelpdeskPolicy& policy, const v1::Ticket& ticket) {
    if (policy.escalate_after <= seconds(0)) return false;
    if (ticket.status() != v1::Ticket::NEW && ticket.status() != v1::Ticket::OPEN) return false;
    return ticket.assignee().empty() || ticket.tier() <= 1;
}

std::optional<core::SystemTime> escalation_due(const HelpdeskPolicy& policy, const v1::Ticket& ticket) {
    if (!escalation_timer_runs(policy, ticket)) return std::nullopt;
    auto from = ticket.has_routed_at() ? time_of(ticket.routed_at()) : time_of(ticket.created_at());
    auto due = add_business_time(calendar_for(policy, ticket.sla()), from, policy.escalate_after);
    if (due == core::SystemTime::max()) return std::nullopt;
    return due;
}

std::optional<EscalationTarget> next_escalation(const v1::Ticket& ticket, const std::vector<int>& staffed_tiers,
                                                const std::string& fallback_group) {
    int current = std::max(1, ticket.tier());
    std::optional<int> higher;
    for (int tier : staffed_tiers) {
        if (tier > current && tier <= 3 && (!higher || tier < *higher)) higher = tier;
    }
    if (higher) return EscalationTarget{ticket.group(), *higher};
    if (!fallback_group.empty() && ticket.group() != fallback_group) {
        return EscalationTarget{fallback_group, std::min(3, current + 1)};
    }
    return std::nullopt;
}

std::vector<SlaTransition> sla_transitions(const v1::TicketSla& before, const v1::TicketSla& after) {
    std::vector<SlaTransition> out;
    if (before.response().state() != after.response().state()) {
        out.push_back({"response", before.response().state(), after.response().state()});
    }
    if (before.resolution().state() != after.resolution().state()) {
        out.push_back({"resolution", before.resolution().state(), after.resolution().state()});
    }
    return out;
}

std::string sla_state_name(v1::SlaState state) {
    switch (state) {
        case v1::SLA_OK: return "ok";
        case v1::SLA_AT_RISK: return "at_risk";
        case v1::SLA_BREACHED: return "breached";
        case v1::SLA_PAUSED: return "paused";
        case v1::SLA_MET: return "met";
        default: return "";
    }
}

}  // namespace lifeline::relay::helpdesk
