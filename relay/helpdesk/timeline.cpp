#include "relay/helpdesk/timeline.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <string_view>

namespace lifeline::relay::helpdesk {

namespace {

using google::protobuf::util::TimeUtil;

std::int64_t ms(const google::protobuf::Timestamp& t) { return TimeUtil::TimestampToMilliseconds(t); }

v1::TimelineEntry& add(v1::Timeline& timeline, const google::protobuf::Timestamp& at, const char* kind) {
    auto* entry = timeline.add_entries();
    *entry->mutable_at() = at;
    entry->set_kind(kind);
    return *entry;
}

v1::TimelineSession summary(const v1::Session& session, std::int64_t now_ms) {
    v1::TimelineSession out;
    *out.mutable_session() = session;
    if (session.has_started_at()) {
        const std::int64_t end = session.has_ended_at() ? ms(session.ended_at()) : now_ms;
        out.set_duration_ms(std::max<std::int64_t>(0, end - ms(session.started_at())));
    }
    if (!session.recording().empty()) out.set_recording_url("/api/v1/sessions/" + session.id() + "/recording");
    return out;
}

// A consent row of the audit log as a decision; false for the other session.* rows.
bool as_consent(const v1::AuditEntry& row, v1::ConsentDecision& out) {
    const std::string_view action = row.action();
    const bool upgrade = action == "session.upgraded" || action == "session.upgrade_denied";
    const bool allowed = action == "session.consented" || action == "session.upgraded";
    if (!upgrade && !allowed && action != "session.denied") return false;
    out.set_session_id(row.session_id());
    out.set_allowed(allowed);
    out.set_upgrade(upgrade);
    out.set_decided_by(row.actor());
    const auto& fields = row.details().fields();
    if (auto reason = fields.find("reason"); reason != fields.end()) out.set_reason(reason->second.string_value());
    return true;
}

}  // namespace

v1::Timeline build_timeline(TimelineSources sources, std::int64_t now_ms) {
    v1::Timeline timeline;
    v1::SystemInfo system_info = std::move(*sources.ticket.mutable_system_info());
    sources.ticket.clear_system_info();
    *timeline.mutable_ticket() = std::move(sources.ticket);

    for (auto& event : *sources.history.mutable_events()) {
        // Comments and sessions have richer entries of their own.
        if (event.action() == "comment" || event.action() == "session") continue;
        auto& entry = add(timeline, event.at(), "event");
        *entry.mutable_event() = std::move(event);
    }
    if (system_info.ByteSizeLong() > 0) {
        const auto& at = system_info.has_collected_at() ? system_info.collected_at() : timeline.ticket().created_at();
        auto& entry = add(timeline, at, "system_info");
        *entry.mutable_system_info() = std::move(system_info);
    }
    for (auto& comment : *sources.comments.mutable_comments()) {
        auto& entry = add(timeline, comment.created_at(), "comment");
        *entry.mutable_comment() = std::move(comment);
    }
    for (auto& attachment : *sources.attachments.mutable_attachments()) {
        auto& entry = add(timeline, attachment.created_at(), "attachment");
        *entry.mutable_attachment() = std::move(attachment);
    }
    for (const auto& session : sources.sessions.sessions()) {
        *add(timeline, session.requested_at(), "session").mutable_session() = summary(session, now_ms);
        if (session.has_ended_at()) {
            *add(timeline, session.ended_at(), "session_end").mutable_session() = summary(session, now_ms);
        }
    }
    std::sort(sources.session_audit.begin(), sources.session_audit.end(),
              [](const auto& a, const auto& b) { return a.seq() < b.seq(); });
    for (const auto& row : sources.session_audit) {
        v1::ConsentDecision decision;
        if (as_consent(row, decision)) *add(timeline, row.at(), "consent").mutable_consent() = std::move(decision);
    }
    for (auto& message : sources.chat) {
        auto& entry = add(timeline, message.sent_at(), "chat");
        *entry.mutable_chat() = std::move(message);
    }

    // Same instant: a session is asked for before it is answered, talked in, and ended.
    auto rank = [](const v1::TimelineEntry& e) {
        if (e.kind() == "consent") return 1;
        if (e.kind() == "chat") return 2;
        if (e.kind() == "session_end") return 3;
        return 0;
    };
    std::stable_sort(timeline.mutable_entries()->begin(), timeline.mutable_entries()->end(),
                     [&](const v1::TimelineEntry& a, const v1::TimelineEntry& b) {
                         const auto at_a = ms(a.at()), at_b = ms(b.at());
                         return at_a != at_b ? at_a < at_b : rank(a) < rank(b);
                     });
    return timeline;
}

}  // namespace lifeline::relay::helpdesk
