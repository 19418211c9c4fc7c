// What the ticket screen shows, as plain text rows built from the relay's messages: the machine's
// system info in sections with units, and the timeline as one line per entry. Pure functions, so
// the layout is tested without a display; the widgets only place the rows.
#pragma once

#include "lifeline.pb.h"

#include <QString>

#include <utility>
#include <vector>

namespace lifeline::viewer::models {

struct InfoSection {
    QString title;
    std::vector<std::pair<QString, QString>> rows;  // label, value
};

// Machine, System, Processor and memory, Disks, Network, Screens, Batteries, Attention (failed units, busiest
// processes). Empty sections are left out.
std::vector<InfoSection> system_info_sections(const v1::SystemInfo& info);

// "15.6 GiB", "512 MiB", "900 B".
QString format_bytes(qint64 bytes);
// "3 d 4 h", "2 h 5 min", "40 s".
QString format_duration(qint64 seconds);
// Local time, "2026-11-23 14:05:09".
QString format_time(const google::protobuf::Timestamp& at);
// Who ended a session, from the relay's `ended_by`: "the user", "the machine", "the relay", "tina (technician)",
// "lena (lead)"; anything else as it came.
QString ended_by_text(const std::string& ended_by);

struct TimelineRow {
    QString when;  // local time, "2026-11-23 14:05:09"
    QString kind;  // "Status", "Comment", "Session", "Chat", ...
    QString text;
};
std::vector<TimelineRow> timeline_rows(const v1::Timeline& timeline);

// One chat line for the transcript: "[14:05] Tina Example: text".
QString chat_line(const v1::ChatMessage& message);

}  // namespace lifeline::viewer::models
