// "My tickets" (this machine's tickets from the daemon's status: number, subject, status, and a Chat
// button each; below the list the chosen ticket's conversation with the technician's public replies, a
// box to reply or add details, and once it is solved a way to rate the help) and the chat window of one
// ticket (its history, new lines as they arrive, a line to send).
#pragma once

#include "lifeline.pb.h"

#include <QWidget>

#include <map>
#include <optional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTextEdit;
class QTreeWidget;

namespace lifeline::agent::tray {

class DaemonClient;

class TicketsWindow : public QWidget {
    Q_OBJECT
public:
    explicit TicketsWindow(DaemonClient& daemon, QWidget* parent = nullptr);

    // `status` null: the daemon is not reachable.
    void set_status(const v1::AgentStatus* status);
    // Selects the ticket (if listed) and shows its conversation.
    void show_ticket(const QString& number);
    void send_reply();
    // Opens the rating dialog for the shown ticket (when it can be rated).
    void open_rating();

    QTreeWidget* list() const { return list_; }
    QLabel* note_label() const { return note_; }
    QLabel* heading_label() const { return heading_; }
    QTextEdit* conversation() const { return conversation_; }
    QPlainTextEdit* reply_field() const { return reply_; }
    QPushButton* reply_button() const { return send_reply_; }
    QLabel* reply_note() const { return reply_note_; }
    QLabel* rating_label() const { return rating_note_; }
    QPushButton* rate_button() const { return rate_; }
    const QString& shown_number() const { return number_; }

signals:
    void chat_requested(const QString& number, const QString& subject);

private:
    void show_summary(const v1::TicketSummary* ticket);
    void on_loaded(const v1::TicketDetail& detail);

    DaemonClient& daemon_;
    QTreeWidget* list_;
    QLabel* note_;
    QWidget* details_;
    QLabel* heading_;
    // A QTextEdit, not a QPlainTextEdit, for per-paragraph direction and alignment; text goes in only
    // through QTextCursor::insertText, so nothing from the relay is ever read as markup.
    QTextEdit* conversation_;
    QLabel* reply_caption_;
    QPlainTextEdit* reply_;
    QPushButton* send_reply_;
    QLabel* reply_note_;
    QLabel* rating_note_;
    QPushButton* rate_;
    std::string shown_;  // the tickets last shown, serialized: redraw only on a change
    std::map<QString, v1::TicketSummary> tickets_;
    QString number_;            // the ticket whose conversation is shown
    QString conversation_key_;  // what it shows: redrawn only on a change, so the scroll position stays
    bool sending_ = false;
};

class ChatWindow : public QWidget {
    Q_OBJECT
public:
    ChatWindow(DaemonClient& daemon, QString number, const QString& subject, QWidget* parent = nullptr);

    const QString& number() const { return number_; }
    // Adds a line once (lines are known by id), oldest first.
    void add(const v1::ChatMessage& message);
    void send();

    QPlainTextEdit* transcript() const { return transcript_; }
    QLineEdit* input() const { return input_; }
    QPushButton* send_button() const { return send_; }
    QLabel* note_label() const { return note_; }

private:
    DaemonClient& daemon_;
    QString number_;
    QPlainTextEdit* transcript_;
    QLineEdit* input_;
    QPushButton* send_;
    QLabel* note_;
    std::map<std::int64_t, QString> lines_;  // by id, which is the order the relay stored them in
    bool sending_ = false;
};

}  // namespace lifeline::agent::tray
