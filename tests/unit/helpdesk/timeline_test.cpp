// The ticket timeline's merge: order, what is left out as covered elsewhere, consent decisions from
// the audit rows, session durations and recording links.
#include "relay/helpdesk/timeline.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::relay::helpdesk {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp at(std::int64_t ms) { return TimeUtil::MillisecondsToTimestamp(ms); }

std::vector<std::string> kinds(const v1::Timeline& timeline) {
    std::vector<std::string> out;
    for (const auto& entry : timeline.entries())
        out.push_back(entry.kind());
    return out;
}

v1::AuditEntry audit_row(std::int64_t seq, std::int64_t ms, const std::string& action, const std::string& reason = {}) {
    v1::AuditEntry row;
    row.set_seq(seq);
    *row.mutable_at() = at(ms);
    row.set_actor("device:d-1");
    row.set_action(action);
    row.set_session_id("s-1");
    if (!reason.empty()) (*row.mutable_details()->mutable_fields())["reason"].set_string_value(reason);
    return row;
}

TimelineSources a_ticket_with_a_session() {
    TimelineSources sources;
    sources.ticket.set_number("LL-000007");
    *sources.ticket.mutable_created_at() = at(1000);
    sources.ticket.mutable_system_info()->set_hostname("pc-7");
    *sources.ticket.mutable_system_info()->mutable_collected_at() = at(900);
    // The history's comment and session rows duplicate the richer entries below.
    for (const auto& [ms, action] : std::vector<std::pair<std::int64_t, std::string>>{
             {1000, "created"}, {2000, "comment"}, {3100, "session"}, {9000, "status"}}) {
        auto* event = sources.history.add_events();
        *event->mutable_at() = at(ms);
        event->set_action(action);
    }
    auto* comment = sources.comments.add_comments();
    *comment->mutable_created_at() = at(2000);
    comment->set_body("Can you show me?");
    auto* attachment = sources.attachments.add_attachments();
    *attachment->mutable_created_at() = at(1000);
    attachment->set_name("screenshot.png");
    auto* session = sources.sessions.add_sessions();
    session->set_id("s-1");
    *session->mutable_requested_at() = at(3000);
    *session->mutable_answered_at() = at(3100);
    *session->mutable_started_at() = at(3200);
    *session->mutable_ended_at() = at(8200);
    session->set_recording("s-1.llrec");
    sources.session_audit = {audit_row(12, 8200, "session.ended"), audit_row(10, 3100, "session.consented"),
                             audit_row(11, 3200, "session.started")};
    return sources;
}

TEST(TicketTimeline, MergesEverythingOldestFirst) {
    const v1::Timeline timeline = build_timeline(a_ticket_with_a_session(), 10'000);
    // The history's comment and session rows are covered by the richer entries.
    EXPECT_EQ(kinds(timeline), (std::vector<std::string>{"system_info", "event", "attachment", "comment", "session",
                                                         "consent", "session_end", "event"}));
    EXPECT_EQ(timeline.ticket().number(), "LL-000007");
    EXPECT_FALSE(timeline.ticket().has_system_info()) << "the snapshot is an entry, not repeated on the ticket";
    EXPECT_EQ(timeline.entries(0).system_info().hostname(), "pc-7");
    for (int i = 1; i < timeline.entries_size(); ++i) {
        EXPECT_LE(TimeUtil::TimestampToMilliseconds(timeline.entries(i - 1).at()),
                  TimeUtil::TimestampToMilliseconds(timeline.entries(i).at()));
    }
}

TEST(TicketTimeline, SessionsCarryTheirDurationAndRecordingLink) {
    const v1::Timeline timeline = build_timeline(a_ticket_with_a_session(), 10'000);
    const auto& asked = timeline.entries(4).session();
    EXPECT_EQ(asked.session().id(), "s-1");
    EXPECT_EQ(asked.duration_ms(), 5000);
    EXPECT_EQ(asked.recording_url(), "/api/v1/sessions/s-1/recording");
    EXPECT_EQ(timeline.entries(6).session().duration_ms(), 5000);

    TimelineSources running = a_ticket_with_a_session();
    running.sessions.mutable_sessions(0)->clear_ended_at();
    running.sessions.mutable_sessions(0)->clear_recording();
    const v1::Timeline live = build_timeline(std::move(running), 10'000);
    const auto live_kinds = kinds(live);
    EXPECT_EQ(std::count(live_kinds.begin(), live_kinds.end(), "session_end"), 0);
    for (const auto& entry : live.entries()) {
        if (entry.kind() != "session") continue;
        EXPECT_EQ(entry.session().duration_ms(), 6800) << "an active session counts up to now";
        EXPECT_EQ(entry.session().recording_url(), "");
    }
}

TEST(TicketTimeline, ConsentDecisionsComeFromTheAuditRows) {
    TimelineSources sources = a_ticket_with_a_session();
    sources.session_audit.push_back(audit_row(13, 5000, "session.upgrade_requested"));
    sources.session_audit.push_back(audit_row(14, 5100, "session.upgrade_denied"));
    sources.session_audit.push_back(audit_row(15, 9500, "session.denied", "the user denied"));
    sources.session_audit.push_back(audit_row(16, 9600, "session.upgraded"));
    const v1::Timeline timeline = build_timeline(std::move(sources), 10'000);
    std::vector<std::string> decisions;
    for (const auto& entry : timeline.entries()) {
        if (entry.kind() != "consent") continue;
        const auto& c = entry.consent();
        EXPECT_EQ(c.decided_by(), "device:d-1");
        decisions.push_back(std::string(c.allowed() ? "allow" : "deny") + (c.upgrade() ? " upgrade" : "") +
                            (c.reason().empty() ? "" : ": " + c.reason()));
    }
    EXPECT_EQ(decisions, (std::vector<std::string>{"allow", "deny upgrade", "deny: the user denied", "allow upgrade"}));
}

TEST(TicketTimeline, AnAnswerAtTheSameInstantFollowsTheRequest) {
    TimelineSources sources;
    sources.ticket.set_number("LL-000008");
    auto* session = sources.sessions.add_sessions();
    session->set_id("s-1");
    *session->mutable_requested_at() = at(5000);
    *session->mutable_ended_at() = at(5000);
    sources.session_audit = {audit_row(1, 5000, "session.denied", "policy: deny")};
    EXPECT_EQ(kinds(build_timeline(std::move(sources), 6000)),
              (std::vector<std::string>{"session", "consent", "session_end"}));
}

TEST(TicketTimeline, ChatSitsInTimeBetweenTheConsentAndTheEndOfItsSession) {
    TimelineSources sources = a_ticket_with_a_session();
    auto chat = [](std::int64_t ms, const std::string& text, bool from_user) {
        v1::ChatMessage m;
        *m.mutable_sent_at() = at(ms);
        m.set_text(text);
        m.set_from_user(from_user);
        return m;
    };
    // The same instant as the consent (3100) and as the end (8200): after the one, before the other.
    sources.chat = {chat(3100, "I can see it now", false), chat(8200, "thanks, bye", true), chat(500, "hello?", true)};
    const v1::Timeline timeline = build_timeline(std::move(sources), 10'000);
    EXPECT_EQ(kinds(timeline),
              (std::vector<std::string>{"chat", "system_info", "event", "attachment", "comment", "session", "consent",
                                        "chat", "chat", "session_end", "event"}));
    EXPECT_EQ(timeline.entries(0).chat().text(), "hello?");
    EXPECT_EQ(timeline.entries(7).chat().text(), "I can see it now");
    EXPECT_TRUE(timeline.entries(8).chat().from_user());
}

TEST(TicketTimeline, AnEmptyTicketHasAnEmptyTimeline) {
    TimelineSources sources;
    sources.ticket.set_number("LL-000009");
    const v1::Timeline timeline = build_timeline(std::move(sources), 0);
    EXPECT_EQ(timeline.entries_size(), 0);
    EXPECT_EQ(timeline.ticket().number(), "LL-000009");
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
