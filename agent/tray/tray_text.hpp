// What the tray says, as pure functions of the daemon's AgentStatus: the icon's state, notifications from
// one status to the next, the consent question, the countdown, the banner, and the checks on what the user
// types (the daemon's and the relay's limits). No widgets, so all of it is tested without a display.
#pragma once

#include "lifeline.pb.h"

#include <QString>

#include <utility>
#include <vector>

namespace lifeline::agent::tray {

// The daemon's and the relay's limits (agent/daemon/daemon.cpp check_help, relay/ws/agent_hub.cpp
// check_open_ticket, core::kMaxChatText): bytes of UTF-8.
inline constexpr int kMaxSubjectBytes = 200;
inline constexpr int kMaxDetailsBytes = 64 << 10;
inline constexpr int kMaxCategoryBytes = 64;
inline constexpr int kMaxChatBytes = 4000;
inline constexpr int kMaxScreenshotBytes = 8 << 20;
inline constexpr int kMaxReplyBytes = 64 << 10;      // relay/ws/agent_requests.cpp kMaxUserReply
inline constexpr int kMaxRatingCommentBytes = 4000;  // relay/ws/agent_requests.cpp kMaxRatingComment

enum class TrayState {
    not_running,  // nothing answers on the daemon's socket
    offline,      // the daemon runs but cannot reach the relay
    connected,
    sharing,  // a technician sees this screen right now
};

// `status` is null when the daemon did not answer.
TrayState tray_state(const v1::AgentStatus* status);
QString tray_tooltip(const v1::AgentStatus* status);

// The user's words for a ticket's status: "Received", "Being worked on", "Waiting for you", "Solved", "Closed".
QString ticket_status_text(v1::Ticket::Status status);

struct Notification {
    QString title;
    QString text;
};
// What is worth telling the user between two consecutive statuses: a new session request. Nothing for the
// first status (`before` null). Ticket changes come as their own events (ticket_update_notification).
std::vector<Notification> notifications_between(const v1::AgentStatus* before, const v1::AgentStatus& after);
// A ticket update pushed by the relay (a new status or a public reply), against the ticket as the tray
// knew it (`before`, null when it did not): the status's new words when it changed, else "a new reply".
Notification ticket_update_notification(const v1::TicketSummary* before, const v1::TicketSummary& after);
// A new chat line while its window is closed.
Notification chat_notification(const v1::ChatMessage& message);
// Notification servers may read markup in a message body; text from the relay must show as typed.
QString notification_safe(QString text);

// The consent prompt: "Tina Example from the helpdesk would like to see and control your screen."
QString consent_question(const v1::SessionRequest& request);
// "About your ticket LL-000042: Printer jams"
QString consent_ticket(const v1::SessionRequest& request);
// "Time left to answer: 0:23. If you do not answer, the answer is no."
QString countdown_text(int seconds);
// The banner while a session runs: "Tina Example can see your screen" / "... can see and control your screen".
QString banner_text(const QString& technician_name, v1::SessionMode mode);

// One transcript line: "14:05  Tina Example: text" (the user's own lines say "You").
QString chat_line(const v1::ChatMessage& message);

// Control characters become spaces (a subject is one line); `multiline` keeps newlines and tabs.
QString clean_text(const QString& text, bool multiline);
// The longest prefix of `text` that fits in `max_bytes` of UTF-8, never splitting a character.
QString fit_utf8(const QString& text, int max_bytes);
// Why the Get help form cannot be sent yet, or an empty string when it can.
QString help_problem(const QString& subject, const QString& details);
// Why a chat line cannot be sent, or empty.
QString chat_problem(const QString& text);
// Why a reply to a ticket, or a rating's comment, cannot be sent, or empty.
QString reply_problem(const QString& text);
QString rating_comment_problem(const QString& comment);

// A ticket's conversation as My tickets shows it, oldest first: what the user wrote when asking for help,
// then each public reply with its author and time. The heading is the tray's words (empty for the note that
// nobody answered yet); the text is as written, in whatever language and direction.
struct ConversationEntry {
    QString heading;
    QString text;
};
std::vector<ConversationEntry> ticket_conversation(const v1::TicketDetail& detail);
// The words for a rating of 1 (bad) to 5 (good), and what My tickets says of one given.
QString rating_words(int rating);
QString rating_summary(const v1::Satisfaction& satisfaction);
// Whether the ticket can be rated now (resolved or closed), and replied to (not closed).
bool can_rate(v1::Ticket::Status status);
bool can_reply(v1::Ticket::Status status);
// A knowledge-base article's Markdown, readable as plain text: headings, emphasis and code marks go,
// list items get a bullet. It is shown in a plain-text view, never rendered.
QString markdown_as_plain(const QString& markdown);

struct Category {
    QString value;  // what the ticket carries (English, for the helpdesk's filters)
    QString label;  // what the user reads
};
std::vector<Category> help_categories();
// The relay's categories for Get help, after "Not sure"; the tray's own list when the relay has none.
std::vector<Category> help_categories(const v1::HelpCatalog& catalog);

}  // namespace lifeline::agent::tray
