// The helpdesk workflow around the ticket store: routing and automatic assignment at creation,
// the SLA clock and escalation timer on every change, escalation (manual, by timer, on a breach)
// and the SLA alerts. A decorator, so every change path (REST, the agents' channel, the sweep)
// runs the same rules; the rules themselves are plain logic in relay/helpdesk/.
#pragma once

#include "relay/helpdesk/policy.hpp"
#include "relay/helpdesk/sla_tracking.hpp"
#include "relay/store/forwarding_ticket_store.hpp"
#include "relay/store/group_store.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace lifeline::relay::workflow {

// Told when an SLA target reaches 80 % or its end; implemented by the mail notifier. Any thread.
class SlaAlerts {
public:
    virtual ~SlaAlerts() = default;
    virtual void sla_at_risk(const v1::Ticket& ticket) = 0;
    virtual void sla_breached(const v1::Ticket& ticket, const std::string& group_lead) = 0;
};

struct WorkflowDeps {
    store::GroupStore& groups;
    store::DeviceStore& devices;
    const helpdesk::HelpdeskPolicy& policy;
    std::function<bool(const std::string& username)> online;  // holds the viewer open
    SlaAlerts* alerts = nullptr;
};

class WorkflowTicketStore final : public store::ForwardingTicketStore {
public:
    WorkflowTicketStore(store::TicketStore& inner, WorkflowDeps deps)
        : ForwardingTicketStore(inner), deps_(std::move(deps)) {}

    v1::Ticket create_ticket(const store::NewTicket& ticket, core::SystemTime now) override;
    core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor, core::SystemTime now,
                                           const store::TicketMutation& mutation) override;
    core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author, const std::string& body,
                                          bool internal, core::SystemTime now) override;

    // POST /tickets/{n}/escalate: to `group` (empty: the next tier of the ticket's group).
    core::Result<v1::Ticket> escalate(const std::string& number, const std::string& group, const std::string& reason,
                                      const std::string& actor, core::SystemTime now);
    // The sweep's look at one due ticket: escalates it when its timer ran out and moves its SLA
    // states on (alerts and a breach's escalation follow from the change).
    core::Result<v1::Ticket> attend(const std::string& number, core::SystemTime now);

private:
    struct Outcome;
    using WorkflowMutation =
        std::function<core::Result<void>(v1::Ticket&, std::vector<store::TicketEventDraft>&, Outcome&)>;
    // Runs `mutation`, then the workflow's rules, inside the store's transaction; alerts after commit.
    core::Result<v1::Ticket> change(const std::string& number, const std::string& actor, core::SystemTime now,
                                    std::optional<bool> staff_response, const WorkflowMutation& mutation);
    void apply_rules(const v1::Ticket& before, v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events,
                     core::SystemTime now, bool staff_response, Outcome& outcome);
    std::vector<int> staffed_tiers(const std::string& group);
    // Moves the ticket up and clears its assignee; then assigns it when its new group does so.
    void move(v1::Ticket& ticket, const helpdesk::EscalationTarget& target, const std::string& why,
              std::vector<store::TicketEventDraft>& events, Outcome& outcome);
    void auto_assign(v1::Ticket& ticket, std::vector<store::TicketEventDraft>& events, Outcome& outcome);
    void after_commit(const v1::Ticket& ticket, const Outcome& outcome);

    WorkflowDeps deps_;
};

}  // namespace lifeline::relay::workflow
