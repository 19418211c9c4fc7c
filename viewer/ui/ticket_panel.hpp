// One ticket on the right of the queue: what is wrong, who asks from which machine, the machine's
// system info in sections, the timeline, replies (public, or internal notes) and the chat with the
// user; claim, priority and resolve with a note, and the workflow (SLA, group and tier, assign,
// escalate: TicketWorkflow). Everything from users and machines is shown as plain text.
#pragma once

#include "viewer/ui/relay_client.hpp"
#include "viewer/ui/ticket_workflow.hpp"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTreeWidget;

namespace lifeline::viewer::ui {

class AttachmentsView;

class TicketPanel : public QWidget {
    Q_OBJECT
public:
    TicketPanel(RelayClient& client, QWidget* parent = nullptr);

    // Shows the ticket and reads its details, timeline and chat.
    void show_ticket(const QString& number);
    const QString& number() const { return number_; }
    // A change pushed by the relay, or the answer to one made here: refreshed if it is the ticket shown.
    void ticket_changed(const v1::Ticket& ticket);
    void chat_received(const v1::ChatMessage& message);
    void set_device_online(const std::string& device_id, bool online);
    // Who is signed in (for what the workflow offers) and the relay's groups and categories.
    void set_user(const QString& username, bool lead);
    void set_directory(models::HelpdeskDirectory directory);
    // Opens the resolution dialog for the ticket shown (the Resolve button does this).
    NoteDialog* open_resolution();

    QTabWidget* tabs() const { return tabs_; }
    AttachmentsView* attachments() const { return attachments_; }
    TicketWorkflow* workflow() const { return workflow_; }
    // The resolution dialog while it is open; nullptr otherwise.
    NoteDialog* resolve_dialog() const {
        return resolve_dialog_ && resolve_dialog_->isVisible() ? resolve_dialog_.data() : nullptr;
    }

signals:
    void error(const QString& message);
    // A failed change that can be tried again.
    void failed(const QString& message, Retry retry);
    // The technician asks to see (or control) the machine's screen; `monitor` < 0: the whole desktop.
    void session_requested(const QString& number, v1::SessionMode mode, int monitor);

private:
    void fill(const v1::Ticket& ticket);
    void load_timeline();
    void load_chat();
    void send_chat();
    void send_reply();
    void change_priority(int index);

    RelayClient& client_;
    QString number_;
    v1::Ticket ticket_;
    bool device_online_ = false;
    QLabel* title_;
    QLabel* facts_;
    QPushButton* claim_;
    QPushButton* resolve_;
    QPushButton* view_screen_;
    QPushButton* control_screen_;
    QComboBox* monitor_;
    QComboBox* priority_;
    TicketWorkflow* workflow_;
    QPointer<NoteDialog> resolve_dialog_;
    AttachmentsView* attachments_;
    QPlainTextEdit* reply_;
    QCheckBox* internal_;
    QPushButton* reply_send_;
    QTabWidget* tabs_;
    QPlainTextEdit* description_;
    QTreeWidget* system_info_;
    QTreeWidget* timeline_;
    QPlainTextEdit* chat_log_;
    QLineEdit* chat_input_;
    QPushButton* chat_send_;
};

}  // namespace lifeline::viewer::ui
