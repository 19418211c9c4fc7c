#include "viewer/models/workflow_text.hpp"

#include "viewer/models/lead_models.hpp"

#include <google/protobuf/util/time_util.h>

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace lifeline::viewer::models {

using google::protobuf::util::TimeUtil;

namespace {

QString tr(const char* text) { return QCoreApplication::translate("WorkflowText", text); }
QString q(const std::string& s) { return QString::fromStdString(s); }

QString target_name(const std::string& target) {
    if (target == "response") return tr("Response");
    if (target == "resolution") return tr("Resolution");
    return q(target);
}

QString state_word(const std::string& state) {
    if (state == "ok") return tr("on track");
    if (state == "at_risk") return tr("at risk");
    if (state == "breached") return tr("breached");
    if (state == "paused") return tr("paused");
    if (state == "met") return tr("met");
    return q(state);
}

// Working time (a target, what was used of it): in hours however long, since a "day" of business hours is
// not a calendar day; seconds for the short targets tests use.
QString working_time_text(qint64 seconds) {
    seconds = std::max<qint64>(0, seconds);
    if (seconds < 60) return tr("%1 s").arg(seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 60)
        return seconds % 60 == 0 ? tr("%1 min").arg(minutes) : tr("%1 min %2 s").arg(minutes).arg(seconds % 60);
    return minutes % 60 == 0 ? tr("%1 h").arg(minutes / 60) : tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
}

// " by lena" for a person; nothing for the relay's own rules.
QString by(const std::string& actor) {
    return actor.empty() || actor == "system" ? QString() : tr(" by %1").arg(q(actor));
}

// The rule an escalation names, in words, with whether a person or the relay moved the ticket.
QString escalation_reason(const std::string& note) {
    if (note.rfind("manual: ", 0) == 0) return tr("%1 (manual)").arg(q(note.substr(8)));
    if (note == "rule:unclaimed") return tr("nobody claimed it in time (automatic)");
    if (note == "rule:tier1_open") return tr("still open at tier 1 after the escalation time (automatic)");
    if (note == "rule:sla_breached:response") return tr("the response target was breached (automatic)");
    if (note == "rule:sla_breached:resolution") return tr("the resolution target was breached (automatic)");
    return q(note);
}

// What routed a ticket to its first group: "category Printing", "rule vip", "no rule matched".
QString routing_reason(const std::string& note) {
    if (note.rfind("category:", 0) == 0) return tr("category %1").arg(q(note.substr(9)));
    if (note.rfind("rule:", 0) == 0) return tr("rule %1").arg(q(note.substr(5)));
    if (note == "fallback") return tr("no rule matched");
    return q(note);
}

QString assignment_rule(const std::string& note) {
    if (note == "rule:round_robin") return tr("round robin");
    if (note == "rule:least_loaded") return tr("fewest open tickets");
    return q(note);
}

QString assignee_text(const v1::TicketEvent& e) {
    const QString from = q(e.from()), to = q(e.to());
    if (to.isEmpty()) {
        if (e.note() == "escalated") return tr("%1 no longer holds it (escalated)").arg(from);
        return tr("Unassigned from %1%2").arg(from, by(e.actor()));
    }
    if (e.note() == "claimed") return tr("%1 claimed it").arg(to);
    if (e.note().rfind("rule:", 0) == 0) return tr("Assigned to %1 (%2)").arg(to, assignment_rule(e.note()));
    if (from.isEmpty()) return tr("Assigned to %1%2").arg(to, by(e.actor()));
    return tr("Reassigned from %1 to %2%3").arg(from, to, by(e.actor()));
}

// The relay's order of concern: breached, at risk, ok, paused, met.
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

bool needs_attention(v1::SlaState state) { return state == v1::SLA_AT_RISK || state == v1::SLA_BREACHED; }

double luminance(const QColor& colour) {
    auto channel = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF());
}

}  // namespace

v1::SlaState sla_state_at(const v1::SlaTarget& target, qint64 now_s) {
    const bool running = target.state() == v1::SLA_OK || target.state() == v1::SLA_AT_RISK;
    if (running && target.has_due() && TimeUtil::TimestampToSeconds(target.due()) <= now_s) return v1::SLA_BREACHED;
    return target.state();
}

QString span_text(qint64 seconds) {
    seconds = std::max<qint64>(0, seconds);
    const qint64 minutes = seconds / 60;
    if (minutes < 1) return tr("< 1 min");
    if (minutes < 60) return tr("%1 min").arg(minutes);
    if (minutes < 24 * 60) {
        return minutes % 60 == 0 ? tr("%1 h").arg(minutes / 60) : tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
    }
    const qint64 hours = minutes / 60;
    return hours % 24 == 0 ? tr("%1 d").arg(hours / 24) : tr("%1 d %2 h").arg(hours / 24).arg(hours % 24);
}

QString sla_due_text(const v1::SlaTarget& target, qint64 now_s) {
    const qint64 until = target.has_due() ? TimeUtil::TimestampToSeconds(target.due()) - now_s : 0;
    switch (sla_state_at(target, now_s)) {
        case v1::SLA_MET: return tr("met");
        case v1::SLA_PAUSED: return tr("paused");
        case v1::SLA_BREACHED: return target.has_due() ? tr("overdue %1").arg(span_text(-until)) : tr("breached");
        case v1::SLA_AT_RISK: return target.has_due() ? tr("at risk, due in %1").arg(span_text(until)) : tr("at risk");
        case v1::SLA_OK: return target.has_due() ? tr("due in %1").arg(span_text(until)) : QString();
        default: return {};
    }
}

QString queue_sla_text(const v1::Ticket& ticket, qint64 now_s) {
    if (!ticket.has_sla()) return {};
    QString text = sla_due_text(ticket.sla().resolution(), now_s);
    const auto& reply = ticket.sla().response();
    const v1::SlaState reply_state = sla_state_at(reply, now_s);
    if (needs_attention(reply_state) &&
        severity(reply_state) > severity(sla_state_at(ticket.sla().resolution(), now_s))) {
        text += " · " + tr("reply %1").arg(sla_due_text(reply, now_s));
    }
    return text;
}

v1::SlaState queue_sla_state(const v1::Ticket& ticket, qint64 now_s) {
    if (!ticket.has_sla()) return v1::SLA_STATE_UNSPECIFIED;
    const v1::SlaState resolution = sla_state_at(ticket.sla().resolution(), now_s);
    const v1::SlaState reply = sla_state_at(ticket.sla().response(), now_s);
    return needs_attention(reply) && severity(reply) > severity(resolution) ? reply : resolution;
}

std::optional<CellColours> sla_colours(v1::SlaState state) {
    switch (state) {
        case v1::SLA_AT_RISK: return CellColours{QColor(0xf9, 0xa8, 0x25), QColor(0x1a, 0x1a, 0x1a)};
        case v1::SLA_BREACHED: return CellColours{QColor(0xb7, 0x1c, 0x1c), QColor(0xff, 0xff, 0xff)};
        default: return std::nullopt;
    }
}

std::optional<CellColours> priority_colours(v1::Priority priority) {
    switch (priority) {
        case v1::P1: return CellColours{QColor(0xf4, 0xc7, 0xc3), QColor(0x1a, 0x1a, 0x1a)};
        case v1::P2: return CellColours{QColor(0xfc, 0xe8, 0xb2), QColor(0x1a, 0x1a, 0x1a)};
        default: return std::nullopt;
    }
}

double contrast_ratio(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

std::vector<SlaLine> sla_lines(const v1::Ticket& ticket, qint64 now_s) {
    if (!ticket.has_sla()) return {};
    std::vector<SlaLine> lines;
    for (const auto& [label, target] : {std::pair{tr("Response"), &ticket.sla().response()},
                                        std::pair{tr("Resolution"), &ticket.sla().resolution()}}) {
        const v1::SlaState state = sla_state_at(*target, now_s);
        const QString allowed = working_time_text(target->target_seconds());
        QString text;
        if (state == v1::SLA_MET) {
            text =
                tr("%1: met after %2 (target %3)").arg(label, working_time_text(target->consumed_seconds()), allowed);
        } else if (state == v1::SLA_PAUSED) {
            text = tr("%1: paused, %2 left (target %3)")
                       .arg(label, working_time_text(target->target_seconds() - target->consumed_seconds()), allowed);
        } else {
            text = tr("%1: %2 (target %3)").arg(label, sla_due_text(*target, now_s), allowed);
        }
        lines.push_back({text, state});
    }
    return lines;
}

QString sla_policy_text(const v1::TicketSla& sla) {
    if (sla.policy().empty()) return {};
    return sla.calendar() == "always" ? tr("SLA %1, around the clock").arg(q(sla.policy()))
                                      : tr("SLA %1, business hours").arg(q(sla.policy()));
}

QString place_text(const std::string& group, int tier) {
    if (group.empty()) return tr("no group, tier %1").arg(std::max(1, tier));
    return QString("%1/%2").arg(q(group)).arg(std::max(1, tier));
}

QString satisfaction_text(const v1::Satisfaction& rating) {
    const int stars = std::clamp(rating.rating(), 0, 5);
    QString text =
        QString(stars, QChar(0x2605)) + QString(5 - stars, QChar(0x2606)) + " " + tr("%1 of 5").arg(rating.rating());
    if (!rating.comment().empty()) text += ": " + q(rating.comment());
    return text;
}

std::optional<std::pair<QString, QString>> workflow_event_text(const v1::TicketEvent& e) {
    const std::string& action = e.action();
    if (action == "escalated") {
        return std::pair{
            tr("Escalation"),
            tr("Escalated %1 → %2%3: %4").arg(q(e.from()), q(e.to()), by(e.actor()), escalation_reason(e.note()))};
    }
    if (action == "sla") {
        return std::pair{tr("SLA"), tr("%1 target %2").arg(target_name(e.note()), state_word(e.to()))};
    }
    if (action == "group") {
        if (e.from().empty()) {
            return std::pair{tr("Group"), e.note().empty()
                                              ? tr("Routed to %1%2").arg(q(e.to()), by(e.actor()))
                                              : tr("Routed to %1 (%2)").arg(q(e.to()), routing_reason(e.note()))};
        }
        if (e.to().empty()) return std::pair{tr("Group"), tr("Taken out of %1%2").arg(q(e.from()), by(e.actor()))};
        return std::pair{tr("Group"), tr("Moved from %1 to %2%3").arg(q(e.from()), q(e.to()), by(e.actor()))};
    }
    if (action == "satisfaction") {
        QString text = tr("Rated %1 of 5").arg(q(e.to()));
        if (!e.note().empty()) text += ": " + q(e.note());
        return std::pair{tr("Rating"), text};
    }
    if (action == "assignee") return std::pair{tr("Assignee"), assignee_text(e)};
    return std::nullopt;
}

const v1::Group* HelpdeskDirectory::group(const std::string& name) const {
    for (const auto& g : groups.groups()) {
        if (g.name() == name) return &g;
    }
    return nullptr;
}

std::set<std::string> HelpdeskDirectory::groups_of(const std::string& username) const {
    std::set<std::string> mine;
    for (const auto& g : groups.groups()) {
        for (const auto& member : g.members()) {
            if (member.username() == username) mine.insert(g.name());
        }
    }
    return mine;
}

bool HelpdeskDirectory::set_online(const std::string& username, bool online) {
    bool member_somewhere = false;
    for (auto& g : *groups.mutable_groups()) {
        for (auto& member : *g.mutable_members()) {
            if (member.username() != username) continue;
            member.set_online(online);
            member_somewhere = true;
        }
    }
    return member_somewhere;
}

std::optional<int> HelpdeskDirectory::next_tier(const v1::Ticket& ticket) const {
    const v1::Group* found = group(ticket.group());
    if (found == nullptr) return std::nullopt;
    const int current = std::max(1, ticket.tier());
    std::optional<int> higher;
    for (const auto& member : found->members()) {
        if (member.tier() > current && member.tier() <= 3 && (!higher || member.tier() < *higher)) {
            higher = member.tier();
        }
    }
    return higher;
}

QString HelpdeskDirectory::group_label(const std::string& name) const {
    const v1::Group* found = group(name);
    if (found == nullptr || found->display_name().empty() || found->display_name() == name) return q(name);
    return QString("%1 (%2)").arg(q(found->display_name()), q(name));
}

std::string queue_query(const std::set<v1::Ticket::Status>& statuses, const QString& category,
                        const std::set<v1::SlaState>& sla, int limit, const std::string& cursor) {
    QStringList names;
    for (auto status : statuses.empty() ? std::set<v1::Ticket::Status>{v1::Ticket::NEW, v1::Ticket::OPEN,
                                                                       v1::Ticket::PENDING, v1::Ticket::RESOLVED}
                                        : statuses) {
        names << QString::fromStdString(v1::Ticket::Status_Name(status)).toLower();
    }
    QStringList sla_names;  // the relay's names: SLA_AT_RISK is "at_risk"
    for (auto state : sla)
        sla_names << QString::fromStdString(v1::SlaState_Name(state)).remove(0, 4).toLower();
    return url_query({{"limit", QString::number(limit)},
                      {"status", names.join(',')},
                      {"category", category},
                      {"sla", sla_names.join(',')},
                      {"cursor", QString::fromStdString(cursor)}});
}

}  // namespace lifeline::viewer::models
