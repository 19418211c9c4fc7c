// "My tickets" (this machine's tickets from the daemon's status: number, subject, status, and a Chat
// button each) and the chat window of one ticket (its history, new lines as they arrive, a line to send).
#pragma once

#include "lifeline.pb.h"

#include <QWidget>

#include <map>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace lifeline::agent::tray {

class DaemonClient;

class TicketsWindow : public QWidget {
    Q_OBJECT
public:
    explicit TicketsWindow(QWidget* parent = nullptr);

    // `status` null: the daemon is not reachable.
    void set_status(const v1::AgentStatus* status);

    QTreeWidget* list() const { return list_; }
    QLabel* note_label() const { return note_; }

signals:
    void chat_requested(const QString& number, const QString& subject);

private:
    QTreeWidget* list_;
    QLabel* note_;
    std::string shown_;  // the tickets last shown, serialized: redraw only on a change
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
