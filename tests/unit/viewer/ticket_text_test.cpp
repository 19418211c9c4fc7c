// What the ticket screen shows: system info sections with units, timeline lines, chat lines.
#include "viewer/models/ticket_text.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace lifeline::viewer::models {
namespace {

using google::protobuf::util::TimeUtil;

TEST(TicketText, BytesAndDurationsReadLikeAPersonWouldSayThem) {
    EXPECT_EQ(format_bytes(900), "900 B");
    EXPECT_EQ(format_bytes(512LL << 20), "512.0 MiB");
    EXPECT_EQ(format_bytes(16LL << 30), "16.0 GiB");
    EXPECT_EQ(format_duration(40), "40 s");
    EXPECT_EQ(format_duration(2 * 3600 + 5 * 60), "2 h 5 min");
    EXPECT_EQ(format_duration(3 * 86400 + 4 * 3600), "3 d 4 h");
}

TEST(TicketText, SystemInfoComesInSectionsWithUnitsAndNoEmptyOnes) {
    v1::SystemInfo info;
    info.set_hostname("pc-7");
    info.set_os_name("Debian GNU/Linux 12 (bookworm)");
    info.set_memory_total(16LL << 30);
    info.set_memory_available(3LL << 30);
    auto* disk = info.add_disks();
    disk->set_mount_point("/");
    disk->set_filesystem("ext4");
    disk->set_size(100LL << 30);
    disk->set_free(25LL << 30);
    info.add_failed_units("cups.service");
    const auto sections = system_info_sections(info);
    std::vector<std::string> titles;
    for (const auto& s : sections)
        titles.push_back(s.title.toStdString());
    EXPECT_EQ(titles, (std::vector<std::string>{"Machine", "System", "Processor and memory", "Disks", "Worth a look"}));
    EXPECT_EQ(sections[2].rows.at(0).second, "3.0 GiB free of 16.0 GiB");
    EXPECT_EQ(sections[3].rows.at(0).first, "/");
    EXPECT_EQ(sections[3].rows.at(0).second, "25.0 GiB free of 100.0 GiB (75 % used, ext4)");
    EXPECT_EQ(sections[4].rows.at(0).second, "cups.service");
    EXPECT_TRUE(system_info_sections(v1::SystemInfo{}).empty());
}

TEST(TicketText, TimelineLinesSayWhoDidWhat) {
    v1::Timeline timeline;
    auto* status = timeline.add_entries();
    status->set_kind("event");
    status->mutable_event()->set_action("status");
    status->mutable_event()->set_actor("tina");
    status->mutable_event()->set_from("NEW");
    status->mutable_event()->set_to("OPEN");
    auto* consent = timeline.add_entries();
    consent->set_kind("consent");
    consent->mutable_consent()->set_allowed(false);
    consent->mutable_consent()->set_reason("no answer within 30 s");
    auto* chat = timeline.add_entries();
    chat->set_kind("chat");
    chat->mutable_chat()->set_author("mia");
    chat->mutable_chat()->set_text("<i>hi</i>");
    auto* ended = timeline.add_entries();
    ended->set_kind("session_end");
    ended->mutable_session()->set_duration_ms(125'000);
    ended->mutable_session()->mutable_session()->set_ended_by("user");
    ended->mutable_session()->set_recording_url("/api/v1/sessions/s-1/recording");
    const auto rows = timeline_rows(timeline);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].text, "tina: NEW → OPEN");
    EXPECT_EQ(rows[1].text, "the session was refused: no answer within 30 s");
    EXPECT_EQ(rows[2].kind, "Chat");
    EXPECT_EQ(rows[2].text, "mia: <i>hi</i>");
    EXPECT_EQ(rows[3].text, "Session ended after 2 min by the user (recorded)");
    EXPECT_EQ(ended_by_text("technician:tina"), "tina (technician)");
    EXPECT_EQ(ended_by_text("lead:lena"), "lena (lead)");
    EXPECT_EQ(ended_by_text("agent"), "the machine");
    EXPECT_EQ(ended_by_text("relay"), "the relay");
    EXPECT_EQ(ended_by_text("something newer"), "something newer") << "a reason the viewer predates, as it came";
}

TEST(TicketText, ChatLinesNameTheAuthor) {
    v1::ChatMessage m;
    m.set_author("Tina Example");
    m.set_text("Hello");
    *m.mutable_sent_at() = TimeUtil::SecondsToTimestamp(0);
    EXPECT_TRUE(chat_line(m).endsWith("] Tina Example: Hello"));
}

}  // namespace
}  // namespace lifeline::viewer::models
