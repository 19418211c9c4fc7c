// The lead's screens without a display: audit rows page by page, the sessions list, the marks on a
// recording's timeline, and the URL parameters the filters become.
#include "viewer/models/lead_models.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace lifeline::viewer::models {
namespace {

using google::protobuf::util::TimeUtil;

constexpr std::int64_t kStart = 1'764'600'000'000;  // the recording began here (unix ms)

v1::AuditEntry row(std::int64_t seq, std::int64_t at_ms, const std::string& action,
                   std::vector<std::pair<std::string, std::string>> strings = {}) {
    v1::AuditEntry entry;
    entry.set_seq(seq);
    *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(at_ms);
    entry.set_action(action);
    entry.set_actor("device:d-1");
    for (const auto& [key, value] : strings)
        (*entry.mutable_details()->mutable_fields())[key].set_string_value(value);
    return entry;
}

TEST(AuditModel, PagesAppendAndDetailsReadAsSortedKeyValuePairs) {
    AuditModel model;
    v1::AuditPage first;
    *first.add_entries() = row(3, kStart, "session.denied", {{"reason", "not now"}, {"mode", "CONTROL"}});
    (*first.mutable_entries(0)->mutable_details()->mutable_fields())["bytes"].set_number_value(1024);
    (*first.mutable_entries(0)->mutable_details()->mutable_fields())["ratio"].set_number_value(0.5);
    first.set_next_cursor("3");
    model.reset(first);
    EXPECT_EQ(model.rowCount(), 1);
    EXPECT_EQ(model.next_cursor(), "3");
    EXPECT_EQ(AuditModel::details_text(*model.entry(0)), "bytes=1024, mode=CONTROL, ratio=0.5, reason=not now");
    EXPECT_EQ(model.index(0, AuditModel::Action).data().toString(), "session.denied");
    EXPECT_EQ(model.index(0, AuditModel::Seq).data().toString(), "3");
    EXPECT_TRUE(model.index(0, AuditModel::Action).data(Qt::ForegroundRole).isValid()) << "a denial stands out";

    v1::AuditPage second;
    *second.add_entries() = row(2, kStart - 10, "session.requested");
    *second.add_entries() = row(1, kStart - 20, "auth.login");
    model.append(second);
    EXPECT_EQ(model.rowCount(), 3);
    EXPECT_TRUE(model.next_cursor().isEmpty()) << "the last page";
    EXPECT_EQ(model.entry(2)->action(), "auth.login");
    EXPECT_EQ(model.entry(3), nullptr);

    model.reset({});
    EXPECT_EQ(model.rowCount(), 0);
}

TEST(SessionListModel, ShowsWhoWhatHowLongAndTheRecording) {
    v1::SessionList list;
    auto* s = list.add_sessions();
    s->set_id("s-1");
    s->set_technician("tina");
    s->set_technician_name("Tina Example");
    s->set_ticket_number("LL-000042");
    s->set_device_id("d-7");
    s->set_mode(v1::CONTROL);
    s->set_state(v1::Session::ENDED);
    *s->mutable_started_at() = TimeUtil::MillisecondsToTimestamp(kStart);
    *s->mutable_ended_at() = TimeUtil::MillisecondsToTimestamp(kStart + 125'000);
    s->set_ended_by("user");
    s->set_end_reason("the user stopped sharing");
    s->set_recording("s-1.llrec");
    s->set_recording_bytes(3 << 20);
    s->set_device_hostname("reception-pc");
    auto* never = list.add_sessions();
    never->set_id("s-2");
    never->set_technician("tom");
    never->set_device_id("d-gone");
    never->set_state(v1::Session::DENIED);
    *never->mutable_requested_at() = TimeUtil::MillisecondsToTimestamp(kStart);

    SessionListModel model;
    model.reset(list);
    ASSERT_EQ(model.rowCount(), 2);
    auto text = [&](int r, int c) { return model.index(r, c).data().toString().toStdString(); };
    EXPECT_EQ(text(0, SessionListModel::Technician), "Tina Example (tina)");
    EXPECT_EQ(text(0, SessionListModel::Mode), "Control");
    EXPECT_EQ(text(0, SessionListModel::State), "Ended");
    EXPECT_EQ(text(0, SessionListModel::Duration), "02:05");
    EXPECT_EQ(text(0, SessionListModel::EndedBy), "the user: the user stopped sharing");
    EXPECT_EQ(text(0, SessionListModel::Recording), "3.0 MiB");
    EXPECT_EQ(text(1, SessionListModel::Technician), "tom");
    EXPECT_EQ(text(1, SessionListModel::Duration), "") << "never started";
    EXPECT_EQ(text(1, SessionListModel::Recording), "none");
    EXPECT_EQ(SessionListModel::duration_ms(*never), 0);

    // Machines by the hostname the relay's list carries; one gone from the inventory stays an id.
    EXPECT_EQ(text(0, SessionListModel::Machine), "reception-pc");
    EXPECT_EQ(model.index(0, SessionListModel::Machine).data(Qt::ToolTipRole).toString().toStdString(), "Device d-7");
    EXPECT_EQ(text(1, SessionListModel::Machine), "d-gone");
}

TEST(PlaybackMarks, TheSessionsMomentsInOrderOnTheRecordingsTimeline) {
    v1::AuditPage page;  // newest first, as the relay answers
    *page.add_entries() = row(9, kStart + 90'000, "recording.finished");
    *page.add_entries() = row(8, kStart + 90'000, "session.ended", {{"reason", "the user stopped sharing"}});
    *page.add_entries() = row(7, kStart + 61'000, "session.clipboard", {{"direction", "to_machine"}});
    (*page.mutable_entries(2)->mutable_details()->mutable_fields())["bytes"].set_number_value(12);
    *page.add_entries() = row(6, kStart + 30'000, "session.upgraded");
    *page.add_entries() = row(5, kStart + 30'000, "session.upgrade_requested");
    *page.add_entries() = row(4, kStart + 200, "session.started");
    *page.add_entries() = row(3, kStart - 4'000, "session.consented");
    *page.add_entries() =
        row(2, kStart - 9'000, "session.requested", {{"technicianName", "Tina Example"}, {"mode", "view"}});

    const auto marks = playback_marks(page, kStart, 80'000);
    std::vector<std::pair<std::uint32_t, std::string>> got;
    for (const auto& m : marks)
        got.emplace_back(m.offset_ms, m.label.toStdString());
    EXPECT_EQ(got, (std::vector<std::pair<std::uint32_t, std::string>>{
                       {0, "Tina Example asked to view"},
                       {0, "The user allowed it"},
                       {200, "Screen sharing started"},
                       {30'000, "Control asked for"},
                       {30'000, "The user granted control"},
                       {61'000, "Clipboard to the machine (12 B)"},
                       {80'000, "Ended: the user stopped sharing"},
                   }))
        << "before the recording at 0, after it at its end, same-moment rows in the order they happened";
}

TEST(PlaybackMarks, NamesTheModeTheTechnicianAskedFor) {
    v1::AuditPage page;
    *page.add_entries() =
        row(1, kStart - 1'000, "session.requested", {{"technicianName", "Tina Example"}, {"mode", "control"}});
    const auto marks = playback_marks(page, kStart, 10'000);
    ASSERT_EQ(marks.size(), 1u);
    EXPECT_EQ(marks[0].label.toStdString(), "Tina Example asked to control")
        << "the relay writes the mode in lower case";
}

TEST(LeadText, ClockAndUrlParameters) {
    EXPECT_EQ(clock_text(0), "00:00");
    EXPECT_EQ(clock_text(65'999), "01:05");
    EXPECT_EQ(clock_text(3'723'000), "1:02:03");
    EXPECT_EQ(url_query({{"actor", "user:tina"}, {"action", ""}, {"ticket", "a&b=c d"}, {"limit", "200"}}),
              "actor=user%3Atina&ticket=a%26b%3Dc%20d&limit=200");
    EXPECT_EQ(url_query({{"action", ""}}), "");
}

}  // namespace
}  // namespace lifeline::viewer::models
