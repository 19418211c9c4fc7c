// The helpdesk workflow as the viewer shows it, built from the relay's messages: SLA targets as text
// ("due in 2 h 10 min", "overdue 35 min") with their colours, a ticket's group and tier, the
// history's workflow entries, the groups and categories the relay knows, and the queue's URL
// parameters. Pure functions over an explicit "now", so they are tested without a display or a clock.
#pragma once

#include "helpdesk.pb.h"
#include "lifeline.pb.h"

#include <QColor>
#include <QString>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::viewer::models {

// The state to show for `target` at `now_s` (unix seconds): the relay's, except that a running target whose
// due time has passed is breached already, before the relay's next sweep says so.
v1::SlaState sla_state_at(const v1::SlaTarget& target, qint64 now_s);

// How long until or since a due moment, to the minute: "< 1 min", "35 min", "2 h 10 min", "2 h", "3 d 4 h".
QString span_text(qint64 seconds);

// A target as the queue's SLA column says it: "due in 2 h 10 min", "at risk, due in 20 min", "overdue 35 min",
// "paused", "met"; empty when there is no target. The words carry the state, so colour is never the only sign.
QString sla_due_text(const v1::SlaTarget& target, qint64 now_s);

// The queue's SLA cell: the resolution target's text, followed by the first reply's when that one is at risk
// or breached and worse off ("due in 7 h 10 min · reply overdue 5 min"); empty without SLA.
QString queue_sla_text(const v1::Ticket& ticket, qint64 now_s);
// The state the queue's SLA cell is coloured by: the resolution target's, or the reply's when that is worse.
v1::SlaState queue_sla_state(const v1::Ticket& ticket, qint64 now_s);

struct CellColours {
    QColor background;
    QColor foreground;
};
// Amber for at risk, red for breached, each with a text colour of at least 4.5:1 contrast; none otherwise.
std::optional<CellColours> sla_colours(v1::SlaState state);
// Light red for P1, light yellow for P2, with dark text; none for P3 and P4 (the normal look).
std::optional<CellColours> priority_colours(v1::Priority priority);
// WCAG 2 contrast ratio of two colours: 1 (none) to 21 (black on white).
double contrast_ratio(const QColor& a, const QColor& b);

// The ticket panel's SLA block: one line per target, "Resolution: due in 2 h 10 min (target 8 h)".
struct SlaLine {
    QString text;
    v1::SlaState state = v1::SLA_STATE_UNSPECIFIED;
};
// Response first, then resolution; empty when no SLA policy applies.
std::vector<SlaLine> sla_lines(const v1::Ticket& ticket, qint64 now_s);
// "SLA P2/printing, business hours" (empty without SLA).
QString sla_policy_text(const v1::TicketSla& sla);

// "office-it/2"; "no group, tier 1".
QString place_text(const std::string& group, int tier);
// "★★★★☆ 4 of 5: the comment" (the comment as the user wrote it).
QString satisfaction_text(const v1::Satisfaction& rating);

// A workflow entry of the history ("escalated", "sla", "group", "satisfaction", "assignee") as a timeline row's
// kind and text, e.g. {"Escalation", "Escalated office-it/1 → office-it/2 by lena: needs a rollback (manual)"};
// none for any other action.
std::optional<std::pair<QString, QString>> workflow_event_text(const v1::TicketEvent& event);

// The relay's groups and categories, read when the viewer connects.
struct HelpdeskDirectory {
    v1::GroupList groups;
    v1::CategoryList categories;

    const v1::Group* group(const std::string& name) const;
    // The groups `username` is a member of (what the "my groups" view shows).
    std::set<std::string> groups_of(const std::string& username) const;
    // A presence event: `username` is marked online or offline in every group; false when not a member anywhere.
    bool set_online(const std::string& username, bool online);
    // The lowest staffed tier above the ticket's in its group, as the relay escalates; none when no higher tier
    // is staffed, and none for a ticket without a (known) group, where the relay alone knows.
    std::optional<int> next_tier(const v1::Ticket& ticket) const;
    // "Office IT (office-it)", or the name alone when the group has no display name or is unknown.
    QString group_label(const std::string& name) const;
};

// GET /tickets parameters for one page of the queue: `statuses` (empty: open work, every status but closed),
// `category` (empty: any), `sla` (the tickets' most pressing SLA state; empty: any), at most `limit` tickets from
// `cursor` (empty: the first page).
std::string queue_query(const std::set<v1::Ticket::Status>& statuses, const QString& category,
                        const std::set<v1::SlaState>& sla, int limit, const std::string& cursor);

}  // namespace lifeline::viewer::models
