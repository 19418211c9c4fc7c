#include "viewer/ui/ticket_panel.hpp"

#include "viewer/models/ticket_text.hpp"
#include "viewer/ui/attachments_view.hpp"
#include "viewer/ui/workflow_dialogs.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace lifeline::viewer::ui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

constexpr int kMaxReplyBytes = 64 << 10;  // the relay's limit for a comment

QLabel* plain_label() {
    auto* label = new QLabel;
    label->setTextFormat(Qt::PlainText);  // subjects and hostnames come from users and machines
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace

TicketPanel::TicketPanel(RelayClient& client, QWidget* parent) : QWidget(parent), client_(client) {
    title_ = plain_label();
    title_->setObjectName("ticket-title");
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    title_->setFont(big);
    facts_ = plain_label();
    facts_->setObjectName("ticket-facts");
    claim_ = new QPushButton(tr("&Claim"));
    claim_->setObjectName("claim");
    resolve_ = new QPushButton(tr("&Resolve…"));
    view_screen_ = new QPushButton(tr("&See screen"));
    view_screen_->setObjectName("see-screen");
    control_screen_ = new QPushButton(tr("C&ontrol screen"));
    control_screen_->setObjectName("control-screen");
    monitor_ = new QComboBox;
    monitor_->setObjectName("monitor");
    monitor_->hide();  // until a ticket from a machine with several screens is shown
    priority_ = new QComboBox;
    priority_->setObjectName("priority");
    for (auto [priority, label] : {std::pair{v1::P1, tr("P1 critical")}, std::pair{v1::P2, tr("P2 high")},
                                   std::pair{v1::P3, tr("P3 normal")}, std::pair{v1::P4, tr("P4 low")}}) {
        priority_->addItem(label, static_cast<int>(priority));
    }
    priority_->setToolTip(tr("Priority"));
    workflow_ = new TicketWorkflow(client_);
    workflow_->setObjectName("workflow");
    auto* actions = new QHBoxLayout;
    actions->addWidget(claim_);
    actions->addWidget(priority_);
    actions->addWidget(resolve_);
    actions->addStretch();
    actions->addWidget(monitor_);
    actions->addWidget(view_screen_);
    actions->addWidget(control_screen_);

    description_ = new QPlainTextEdit;
    description_->setReadOnly(true);
    description_->setPlaceholderText(tr("No description"));
    system_info_ = new QTreeWidget;
    system_info_->setObjectName("system-info");
    system_info_->setHeaderLabels({tr("Item"), tr("Value")});
    system_info_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    auto* details = new QWidget;
    auto* details_layout = new QVBoxLayout(details);
    details_layout->addWidget(new QLabel(tr("Description")));
    details_layout->addWidget(description_, 1);
    details_layout->addWidget(new QLabel(tr("The machine when it asked for help")));
    details_layout->addWidget(system_info_, 3);

    timeline_ = new QTreeWidget;
    timeline_->setObjectName("timeline");
    timeline_->setHeaderLabels({tr("When"), tr("What"), tr("Details")});
    timeline_->setRootIsDecorated(false);
    timeline_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    timeline_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    chat_log_ = new QPlainTextEdit;
    chat_log_->setObjectName("chat-log");
    chat_log_->setReadOnly(true);
    chat_input_ = new QLineEdit;
    chat_input_->setObjectName("chat-input");
    chat_input_->setPlaceholderText(tr("Write to the user…"));
    chat_input_->setMaxLength(4000);
    chat_send_ = new QPushButton(tr("Send"));
    auto* chat = new QWidget;
    auto* chat_layout = new QVBoxLayout(chat);
    chat_layout->addWidget(chat_log_, 1);
    auto* chat_row = new QHBoxLayout;
    chat_row->addWidget(chat_input_, 1);
    chat_row->addWidget(chat_send_);
    chat_layout->addLayout(chat_row);

    reply_ = new QPlainTextEdit;
    reply_->setObjectName("reply-text");
    reply_->setPlaceholderText(tr("A reply the user reads, or a note for colleagues…"));
    internal_ = new QCheckBox(tr("&Internal note (staff only)"));
    internal_->setObjectName("reply-internal");
    reply_send_ = new QPushButton(tr("Add internal &note"));
    reply_send_->setMinimumWidth(reply_send_->sizeHint().width());  // room for either label
    reply_send_->setText(tr("Add &reply"));
    reply_send_->setObjectName("reply-send");
    auto* reply = new QWidget;
    auto* reply_layout = new QVBoxLayout(reply);
    reply_layout->addWidget(reply_, 1);
    auto* reply_row = new QHBoxLayout;
    reply_row->addWidget(internal_);
    reply_row->addStretch();
    reply_row->addWidget(reply_send_);
    reply_layout->addLayout(reply_row);

    tabs_ = new QTabWidget;
    tabs_->addTab(details, tr("&Details"));
    tabs_->addTab(timeline_, tr("&Timeline"));
    tabs_->addTab(chat, tr("C&hat"));
    tabs_->addTab(reply, tr("Re&ply"));
    attachments_ = new AttachmentsView(client_);
    tabs_->addTab(attachments_, tr("&Files"));
    connect(attachments_, &AttachmentsView::error, this, &TicketPanel::error);
    connect(attachments_, &AttachmentsView::count_changed, this, [this](int count) {
        tabs_->setTabText(tabs_->indexOf(attachments_), count > 0 ? tr("&Files (%1)").arg(count) : tr("&Files"));
    });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title_);
    layout->addWidget(facts_);
    layout->addLayout(actions);
    layout->addWidget(workflow_);
    layout->addWidget(tabs_, 1);
    title_->setText(tr("Choose a ticket in the queue"));
    setEnabled(false);

    connect(claim_, &QPushButton::clicked, this, [this] {
        const std::string number = number_.toStdString();
        client_.call<v1::Ticket>(
            this, [number](RelayApi& api) { return api.claim(number); },
            [this](core::Result<v1::Ticket> t) {
                if (!t) return emit error(q(t.error().message));
                fill(*t);
            });
    });
    connect(resolve_, &QPushButton::clicked, this, [this] { open_resolution(); });
    connect(workflow_, &TicketWorkflow::changed, this, &TicketPanel::ticket_changed);
    connect(workflow_, &TicketWorkflow::failed, this, &TicketPanel::failed);
    connect(chat_send_, &QPushButton::clicked, this, &TicketPanel::send_chat);
    for (auto [button, mode] : {std::pair{view_screen_, v1::VIEW}, std::pair{control_screen_, v1::CONTROL}}) {
        connect(button, &QPushButton::clicked, this,
                [this, mode = mode] { emit session_requested(number_, mode, monitor_->currentData().toInt()); });
    }
    connect(chat_input_, &QLineEdit::returnPressed, this, &TicketPanel::send_chat);
    connect(reply_send_, &QPushButton::clicked, this, &TicketPanel::send_reply);
    connect(internal_, &QCheckBox::toggled, this,
            [this](bool internal) { reply_send_->setText(internal ? tr("Add internal &note") : tr("Add &reply")); });
    connect(priority_, &QComboBox::activated, this, &TicketPanel::change_priority);
}

NoteDialog* TicketPanel::open_resolution() {
    if (number_.isEmpty()) return nullptr;
    if (auto* open = resolve_dialog()) {
        open->raise();
        return open;
    }
    resolve_dialog_ = new NoteDialog(
        tr("Resolve %1").arg(number_),
        tr("&How was it solved? The ticket's history keeps the note, and the mail to the user quotes it."),
        tr("&Resolve"), kMaxReplyBytes, window());
    resolve_dialog_->setObjectName("resolve-dialog");
    auto* dialog = resolve_dialog_.data();
    connect(dialog, &NoteDialog::submitted, this, [this, dialog] {
        dialog->set_busy(true);
        QPointer<NoteDialog> alive(dialog);
        client_.call<v1::Ticket>(
            this,
            [number = number_.toStdString(), note = dialog->note().toStdString()](RelayApi& api) {
                return api.change_status(number, v1::Ticket::RESOLVED, note);
            },
            [this, alive](core::Result<v1::Ticket> t) {
                if (!t) {
                    if (alive) return alive->show_error(q(t.error().message));
                    return emit error(q(t.error().message));
                }
                if (alive) alive->accept();
                ticket_changed(*t);
            });
    });
    dialog->show();
    return dialog;
}

void TicketPanel::set_user(const QString& username, bool lead) { workflow_->set_user(username, lead); }

void TicketPanel::set_directory(models::HelpdeskDirectory directory) { workflow_->set_directory(std::move(directory)); }

void TicketPanel::send_reply() {
    const QString text = reply_->toPlainText().trimmed();
    if (text.isEmpty() || number_.isEmpty()) return;
    if (text.toUtf8().size() > kMaxReplyBytes) {
        return emit error(tr("The reply is too long (at most %1 KiB).").arg(kMaxReplyBytes / 1024));
    }
    reply_send_->setEnabled(false);
    const std::string n = number_.toStdString();
    client_.call<v1::Comment>(
        this,
        [n, text = text.toStdString(), internal = internal_->isChecked()](RelayApi& api) {
            return api.add_comment(n, text, internal);
        },
        [this](core::Result<v1::Comment> added) {
            reply_send_->setEnabled(true);
            if (!added) return emit error(q(added.error().message));
            reply_->clear();
            load_timeline();
        });
}

void TicketPanel::change_priority(int index) {
    const auto priority = static_cast<v1::Priority>(priority_->itemData(index).toInt());
    if (number_.isEmpty() || priority == ticket_.priority()) return;
    v1::UpdateTicketRequest change;
    change.set_priority(priority);
    const std::string n = number_.toStdString();
    client_.call<v1::Ticket>(
        this, [n, change](RelayApi& api) { return api.update_ticket(n, change); },
        [this](core::Result<v1::Ticket> t) {
            if (!t) {
                fill(v1::Ticket(ticket_));  // back to what the relay has
                return emit error(q(t.error().message));
            }
            fill(*t);
            load_timeline();
        });
}

void TicketPanel::show_ticket(const QString& number) {
    number_ = number;
    setEnabled(true);
    const std::string n = number.toStdString();
    client_.call<v1::Ticket>(
        this, [n](RelayApi& api) { return api.get_ticket(n); },
        [this, number](core::Result<v1::Ticket> t) {
            if (number != number_) return;  // another ticket was chosen meanwhile
            if (!t) return emit error(q(t.error().message));
            device_online_ = false;
            fill(*t);
            if (!t->device_id().empty()) {
                client_.call<v1::Device>(
                    this, [id = t->device_id()](RelayApi& api) { return api.get_device(id); },
                    [this](core::Result<v1::Device> device) {
                        if (device) set_device_online(device->id(), device->online());
                    });
            }
            system_info_->clear();
            for (const auto& section : models::system_info_sections(t->system_info())) {
                auto* top = new QTreeWidgetItem(system_info_, {section.title});
                QFont bold = top->font(0);
                bold.setBold(true);
                top->setFont(0, bold);
                for (const auto& [label, value] : section.rows)
                    new QTreeWidgetItem(top, {label, value});
            }
            system_info_->expandAll();
            monitor_->clear();
            monitor_->addItem(tr("Whole desktop"), -1);
            for (int i = 0; i < t->system_info().screens_size(); ++i) {
                const auto& screen = t->system_info().screens(i);
                monitor_->addItem(
                    QString("%1: %2 (%3 × %4)").arg(i).arg(q(screen.name())).arg(screen.width()).arg(screen.height()),
                    i);
            }
            monitor_->setVisible(t->system_info().screens_size() > 1);
            if (system_info_->topLevelItemCount() == 0) {
                new QTreeWidgetItem(system_info_, {tr("No machine: this ticket was opened by staff")});
            }
        });
    load_timeline();
    load_chat();
    attachments_->show_ticket(number);
}

void TicketPanel::fill(const v1::Ticket& ticket) {
    ticket_ = ticket;
    title_->setText(q(ticket.number()) + "  " + q(ticket.subject()));
    QStringList state{tr("Priority %1").arg(q(v1::Priority_Name(ticket.priority()))),
                      tr("Status: %1").arg(q(v1::Ticket::Status_Name(ticket.status())).toLower())};
    if (!ticket.category().empty()) state << tr("Category: %1").arg(q(ticket.category()));
    QStringList people{tr("Requester: %1").arg(q(ticket.requester().name()))};
    if (!ticket.device_id().empty()) {
        const QString host = ticket.has_system_info() ? q(ticket.system_info().hostname()) : q(ticket.device_id());
        people << (device_online_ ? tr("Machine: %1 (online)") : tr("Machine: %1 (offline)")).arg(host);
    }
    people << (ticket.assignee().empty() ? tr("Unassigned") : tr("Assignee: %1").arg(q(ticket.assignee())));
    facts_->setText(state.join("   ·   ") + "\n" + people.join("   ·   "));
    if (ticket.has_system_info() || ticket.description().size() > 0)
        description_->setPlainText(q(ticket.description()));
    const bool open = ticket.status() != v1::Ticket::RESOLVED && ticket.status() != v1::Ticket::CLOSED;
    claim_->setEnabled(open && ticket.assignee().empty());  // the relay refuses to claim what is done
    const bool reachable = !ticket.device_id().empty() && device_online_ && open;
    view_screen_->setEnabled(reachable);
    control_screen_->setEnabled(reachable);
    const QString why = ticket.device_id().empty() ? tr("This ticket was not opened from a machine")
                        : !device_online_          ? tr("The machine is offline")
                                                   : QString();
    view_screen_->setToolTip(why);
    control_screen_->setToolTip(why);
    resolve_->setEnabled(ticket.status() != v1::Ticket::RESOLVED && ticket.status() != v1::Ticket::CLOSED);
    if (const int at = priority_->findData(static_cast<int>(ticket.priority())); at >= 0)
        priority_->setCurrentIndex(at);
    priority_->setEnabled(ticket.status() != v1::Ticket::CLOSED);
    reply_send_->setEnabled(ticket.status() != v1::Ticket::CLOSED);
    workflow_->show_ticket(ticket);
}

void TicketPanel::load_timeline() {
    const std::string n = number_.toStdString();
    client_.call<v1::Timeline>(
        this, [n](RelayApi& api) { return api.timeline(n); },
        [this, number = number_](core::Result<v1::Timeline> timeline) {
            if (number != number_) return;
            if (!timeline) return emit error(q(timeline.error().message));
            timeline_->clear();
            for (const auto& row : models::timeline_rows(*timeline))
                new QTreeWidgetItem(timeline_, {row.when, row.kind, row.text});
        });
}

void TicketPanel::load_chat() {
    const std::string n = number_.toStdString();
    client_.call<v1::ChatList>(
        this, [n](RelayApi& api) { return api.chat(n); },
        [this, number = number_](core::Result<v1::ChatList> chat) {
            if (number != number_) return;
            if (!chat) return emit error(q(chat.error().message));
            chat_log_->clear();
            for (const auto& m : chat->messages())
                chat_log_->appendPlainText(models::chat_line(m));
        });
}

void TicketPanel::send_chat() {
    const QString text = chat_input_->text().trimmed();
    if (text.isEmpty() || number_.isEmpty()) return;
    chat_input_->setEnabled(false);
    const std::string n = number_.toStdString();
    client_.call<v1::ChatMessage>(
        this, [n, text = text.toStdString()](RelayApi& api) { return api.send_chat(n, text); },
        [this](core::Result<v1::ChatMessage> sent) {
            chat_input_->setEnabled(true);
            chat_input_->setFocus();
            if (!sent) return emit error(q(sent.error().message));
            chat_input_->clear();  // the line itself arrives through the event stream
        });
}

void TicketPanel::ticket_changed(const v1::Ticket& ticket) {
    if (q(ticket.number()) != number_) return;
    v1::Ticket merged = ticket;
    if (!merged.has_system_info()) *merged.mutable_system_info() = ticket_.system_info();
    fill(merged);
    load_timeline();
}

void TicketPanel::chat_received(const v1::ChatMessage& message) {
    if (q(message.ticket_number()) != number_) return;
    chat_log_->appendPlainText(models::chat_line(message));
}

void TicketPanel::set_device_online(const std::string& device_id, bool online) {
    if (device_id.empty() || device_id != ticket_.device_id()) return;
    device_online_ = online;
    fill(v1::Ticket(ticket_));
}

}  // namespace lifeline::viewer::ui
