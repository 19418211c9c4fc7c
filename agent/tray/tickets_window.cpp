// My tickets and the per-ticket chat.
#include "agent/tray/tickets_window.hpp"

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/tray_text.hpp"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace lifeline::agent::tray {

TicketsWindow::TicketsWindow(QWidget* parent) : QWidget(parent, Qt::Window) {
    setWindowTitle(tr("My tickets"));
    auto* title = new QLabel(tr("Your requests for help"));
    title->setTextFormat(Qt::PlainText);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    title->setFont(big);
    list_ = new QTreeWidget;
    list_->setColumnCount(4);
    list_->setHeaderLabels({tr("Number"), tr("What is wrong"), tr("Status"), QString()});
    list_->setRootIsDecorated(false);
    list_->setUniformRowHeights(true);
    list_->setAllColumnsShowFocus(true);
    list_->header()->setStretchLastSection(false);
    list_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    list_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    list_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    list_->header()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    // Enter on a row opens its chat, like its button.
    connect(list_, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem* item) { emit chat_requested(item->text(0), item->text(1)); });
    note_ = new QLabel;
    note_->setTextFormat(Qt::PlainText);
    note_->setWordWrap(true);
    auto* close = new QPushButton(tr("C&lose"));
    connect(close, &QPushButton::clicked, this, &QWidget::close);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(list_);
    layout->addWidget(note_);
    layout->addLayout(buttons);
    resize(640, 360);
    new QShortcut(QKeySequence::Cancel, this, this, &QWidget::close);
    set_status(nullptr);
}

void TicketsWindow::set_status(const v1::AgentStatus* status) {
    if (status == nullptr) {
        note_->setText(tr("Lifeline is not running on this computer, so your tickets cannot be shown."));
    } else if (!status->connected()) {
        note_->setText(tr("You are offline. Your tickets will show again when the connection is back."));
    } else if (status->tickets_size() == 0) {
        note_->setText(tr("You have not asked for help from this computer yet."));
    } else {
        note_->setText(tr("Press Chat to write to the technician working on a ticket."));
    }
    // The list keeps the last known tickets while offline; it is redrawn only when they change, so the
    // selection and focus survive the once-a-second status.
    if (status == nullptr || status->tickets_size() == 0) return;
    std::string serialized;
    for (const auto& ticket : status->tickets())
        serialized += ticket.SerializeAsString();
    if (serialized == shown_) return;
    shown_ = serialized;
    const QString current = list_->currentItem() ? list_->currentItem()->text(0) : QString();
    list_->clear();
    for (const auto& ticket : status->tickets()) {
        const QString number = QString::fromStdString(ticket.number());
        const QString subject = QString::fromStdString(ticket.subject());
        auto* item = new QTreeWidgetItem(list_, {number, subject, ticket_status_text(ticket.status())});
        item->setToolTip(1, subject);
        auto* chat = new QPushButton(tr("Chat"));
        chat->setAccessibleName(tr("Chat about %1").arg(number));
        connect(chat, &QPushButton::clicked, this, [this, number, subject] { emit chat_requested(number, subject); });
        list_->setItemWidget(item, 3, chat);
        if (number == current) list_->setCurrentItem(item);
    }
    if (list_->currentItem() == nullptr && list_->topLevelItemCount() > 0) {
        list_->setCurrentItem(list_->topLevelItem(0));
    }
}

ChatWindow::ChatWindow(DaemonClient& daemon, QString number, const QString& subject, QWidget* parent)
    : QWidget(parent, Qt::Window), daemon_(daemon), number_(std::move(number)) {
    setWindowTitle(tr("Chat: %1").arg(number_));
    auto* title = new QLabel(subject.isEmpty() ? number_ : tr("%1: %2").arg(number_, subject));
    title->setTextFormat(Qt::PlainText);
    title->setWordWrap(true);
    QFont strong = title->font();
    strong.setBold(true);
    title->setFont(strong);
    transcript_ = new QPlainTextEdit;
    transcript_->setReadOnly(true);
    transcript_->setPlaceholderText(tr("Loading the conversation…"));
    input_ = new QLineEdit;
    input_->setMaxLength(kMaxChatBytes);
    input_->setPlaceholderText(tr("Write to the technician"));
    send_ = new QPushButton(tr("&Send"));
    note_ = new QLabel;
    note_->setTextFormat(Qt::PlainText);
    note_->setWordWrap(true);
    note_->setVisible(false);
    connect(input_, &QLineEdit::returnPressed, this, &ChatWindow::send);
    connect(send_, &QPushButton::clicked, this, &ChatWindow::send);
    auto* row = new QHBoxLayout;
    row->addWidget(input_);
    row->addWidget(send_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(transcript_);
    layout->addWidget(note_);
    layout->addLayout(row);
    resize(520, 420);
    new QShortcut(QKeySequence::Cancel, this, this, &QWidget::close);
    input_->setFocus();

    connect(&daemon_, &DaemonClient::chat_loaded, this, [this](const v1::ChatHistory& history) {
        if (QString::fromStdString(history.ticket_number()) != number_) return;
        transcript_->setPlaceholderText(tr("No messages yet. Write the first one below."));
        for (const auto& message : history.messages())
            add(message);
    });
    connect(&daemon_, &DaemonClient::chat_sent, this, [this](const v1::ChatMessage& message) {
        if (QString::fromStdString(message.ticket_number()) != number_) return;
        sending_ = false;
        send_->setEnabled(true);
        input_->clear();
        note_->setVisible(false);
        add(message);
    });
    connect(&daemon_, &DaemonClient::chat_failed, this, [this](const QString& ticket, const QString& why) {
        if (ticket != number_) return;
        sending_ = false;
        send_->setEnabled(true);
        note_->setText(why);
        note_->setVisible(true);
    });
    daemon_.load_chat(number_);
}

void ChatWindow::add(const v1::ChatMessage& message) {
    if (!lines_.emplace(message.id(), chat_line(message)).second) return;
    if (message.id() == lines_.rbegin()->first) {
        transcript_->appendPlainText(lines_.rbegin()->second);
        return;
    }
    // A live line overtook the history's answer: redraw in id order.
    transcript_->clear();
    for (const auto& [id, line] : lines_)
        transcript_->appendPlainText(line);
}

void ChatWindow::send() {
    if (sending_) return;
    const QString text = clean_text(input_->text(), true).trimmed();
    if (QString problem = chat_problem(text); !problem.isEmpty()) {
        note_->setText(problem);
        note_->setVisible(true);
        return;
    }
    sending_ = true;
    send_->setEnabled(false);
    daemon_.send_chat(number_, text);
}

}  // namespace lifeline::agent::tray
