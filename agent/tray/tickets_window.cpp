// My tickets (the list, the chosen ticket's conversation, reply and rating) and the per-ticket chat.
#include "agent/tray/tickets_window.hpp"

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/rating_dialog.hpp"
#include "agent/tray/tray_text.hpp"
#include "agent/tray/widgets.hpp"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSignalBlocker>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace lifeline::agent::tray {

namespace {

QLabel* wrapped_label(const QString& text = {}) {
    auto* label = new QLabel(text);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

}  // namespace

TicketsWindow::TicketsWindow(DaemonClient& daemon, QWidget* parent) : QWidget(parent, Qt::Window), daemon_(daemon) {
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
    list_->setMaximumHeight(150);
    // Enter on a row opens its chat, like its button; moving to a row shows its conversation below.
    connect(list_, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem* item) { emit chat_requested(item->text(0), item->text(1)); });
    connect(list_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item != nullptr && item->text(0) != number_) show_ticket(item->text(0));
    });
    note_ = wrapped_label();

    // The chosen ticket.
    heading_ = wrapped_label();
    QFont strong = heading_->font();
    strong.setBold(true);
    heading_->setFont(strong);
    conversation_ = new QTextEdit;
    conversation_->setReadOnly(true);
    conversation_->setAcceptRichText(false);
    conversation_->setTabChangesFocus(true);
    conversation_->setMinimumHeight(140);
    reply_ = new QPlainTextEdit;
    reply_->setTabChangesFocus(true);
    reply_->setPlaceholderText(tr("Answer the technician or add details"));
    reply_->setFixedHeight(reply_->fontMetrics().lineSpacing() * 3 + 14);
    reply_caption_ = new QLabel(tr("&Your reply"));
    reply_caption_->setTextFormat(Qt::PlainText);
    reply_caption_->setBuddy(reply_);
    send_reply_ = new QPushButton(tr("Send &reply"));
    connect(send_reply_, &QPushButton::clicked, this, &TicketsWindow::send_reply);
    reply_note_ = wrapped_label();
    reply_note_->setVisible(false);
    rating_note_ = wrapped_label();
    rate_ = new QPushButton(tr("R&ate the help…"));
    connect(rate_, &QPushButton::clicked, this, &TicketsWindow::open_rating);
    give_room(send_reply_);
    connect(reply_, &QPlainTextEdit::textChanged, reply_note_, &QWidget::hide);

    auto* reply_row = new QHBoxLayout;
    reply_row->addWidget(reply_, 1);
    reply_row->addWidget(send_reply_, 0, Qt::AlignBottom);
    auto* rating_row = new QHBoxLayout;
    rating_row->addWidget(rating_note_, 1);
    rating_row->addWidget(rate_);
    details_ = new QWidget;
    auto* details_layout = new QVBoxLayout(details_);
    details_layout->setContentsMargins(0, 6, 0, 0);
    details_layout->addWidget(heading_);
    details_layout->addWidget(conversation_, 1);
    details_layout->addLayout(rating_row);
    details_layout->addWidget(reply_caption_);
    details_layout->addLayout(reply_row);
    details_layout->addWidget(reply_note_);
    details_->setVisible(false);

    auto* close = new QPushButton(tr("C&lose"));
    connect(close, &QPushButton::clicked, this, &QWidget::close);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(list_);
    layout->addWidget(note_);
    layout->addWidget(details_, 1);
    layout->addLayout(buttons);
    resize(680, 620);
    new QShortcut(QKeySequence::Cancel, this, this, &QWidget::close);
    QWidget::setTabOrder(list_, conversation_);
    QWidget::setTabOrder(conversation_, rate_);
    QWidget::setTabOrder(rate_, reply_);
    QWidget::setTabOrder(reply_, send_reply_);
    QWidget::setTabOrder(send_reply_, close);

    connect(&daemon_, &DaemonClient::ticket_loaded, this, &TicketsWindow::on_loaded);
    connect(&daemon_, &DaemonClient::ticket_failed, this, [this](const QString& ticket, const QString& why) {
        if (ticket != number_) return;
        conversation_->setPlaceholderText(why);
    });
    // A new status or a public reply: read the conversation again.
    connect(&daemon_, &DaemonClient::ticket_updated, this, [this](const v1::TicketSummary& ticket) {
        if (QString::fromStdString(ticket.number()) == number_) daemon_.load_ticket(number_);
    });
    connect(&daemon_, &DaemonClient::reply_sent, this, [this](const QString& ticket) {
        if (ticket != number_) return;
        sending_ = false;
        send_reply_->setEnabled(true);
        reply_->clear();
        reply_note_->setText(tr("Sent. The technician will see it with your ticket."));
        reply_note_->setVisible(true);
        daemon_.load_ticket(number_);
    });
    connect(&daemon_, &DaemonClient::reply_failed, this, [this](const QString& ticket, const QString& why) {
        if (ticket != number_) return;
        sending_ = false;
        send_reply_->setEnabled(true);
        reply_note_->setText(why);
        reply_note_->setVisible(true);
    });
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
        note_->setText(tr("Choose a ticket to read the answers and reply. Press Chat to write to the technician."));
    }
    // The list keeps the last known tickets while offline; it is redrawn only when they change, so the
    // selection and focus survive a status that changed something else.
    if (status == nullptr || status->tickets_size() == 0) return;
    std::string serialized;
    for (const auto& ticket : status->tickets())
        serialized += ticket.SerializeAsString();
    if (serialized == shown_) return;
    shown_ = serialized;
    tickets_.clear();
    const QString current = number_;
    const QSignalBlocker quiet(list_);  // redrawing is not the user choosing a ticket
    list_->clear();
    for (const auto& ticket : status->tickets()) {
        const QString number = QString::fromStdString(ticket.number());
        const QString subject = QString::fromStdString(ticket.subject());
        tickets_[number] = ticket;
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
    if (list_->currentItem() != nullptr && list_->currentItem()->text(0) != number_) {
        show_ticket(list_->currentItem()->text(0));
    } else if (auto it = tickets_.find(number_); it != tickets_.end()) {
        show_summary(&it->second);
    }
}

void TicketsWindow::show_ticket(const QString& number) {
    auto it = tickets_.find(number);
    if (it == tickets_.end()) return;
    if (number != number_) {
        number_ = number;
        conversation_->clear();
        conversation_key_.clear();
        reply_->clear();
        reply_note_->setVisible(false);
        sending_ = false;
        send_reply_->setEnabled(true);
        for (int i = 0; i < list_->topLevelItemCount(); ++i) {
            if (list_->topLevelItem(i)->text(0) == number) {
                const QSignalBlocker quiet(list_);
                list_->setCurrentItem(list_->topLevelItem(i));
            }
        }
    }
    conversation_->setPlaceholderText(tr("Loading the answers…"));
    show_summary(&it->second);
    details_->setVisible(true);
    daemon_.load_ticket(number_);
}

void TicketsWindow::show_summary(const v1::TicketSummary* ticket) {
    const QString number = QString::fromStdString(ticket->number());
    heading_->setText(
        tr("%1: %2 (%3)").arg(number, QString::fromStdString(ticket->subject()), ticket_status_text(ticket->status())));
    const bool rateable = can_rate(ticket->status());
    rate_->setVisible(rateable);
    rating_note_->setVisible(rateable);
    if (rateable) {
        rating_note_->setText(ticket->has_satisfaction() ? rating_summary(ticket->satisfaction())
                                                         : tr("Solved. Please tell us how we did."));
        rate_->setText(ticket->has_satisfaction() ? tr("Change r&ating…") : tr("R&ate the help…"));
        give_room(rate_);
    }
    const bool open = can_reply(ticket->status());
    reply_caption_->setVisible(open);
    reply_->setVisible(open);
    send_reply_->setVisible(open);
    if (!open) {
        reply_note_->setText(tr("This ticket is closed. If you need more help, please use Get help again."));
        reply_note_->setVisible(true);
    }
}

void TicketsWindow::on_loaded(const v1::TicketDetail& detail) {
    if (QString::fromStdString(detail.ticket().number()) != number_) return;
    const auto entries = ticket_conversation(detail);
    QString key;
    for (const auto& entry : entries)
        key += entry.heading + '\0' + entry.text + '\0';
    if (key == conversation_key_) return;
    conversation_key_ = key;
    // Headings are the tray's words and follow the window's direction; what people wrote keeps its own
    // (an English reply in the Persian window still reads left to right). Inserted as text: nothing is markup.
    conversation_->clear();
    QTextCursor cursor(conversation_->document());
    QTextCharFormat heading_chars;
    heading_chars.setFontWeight(QFont::Bold);
    const QTextCharFormat text_chars;
    const auto block = [&](Qt::LayoutDirection direction, const QTextCharFormat& chars) {
        QTextBlockFormat format;
        format.setLayoutDirection(direction);
        format.setAlignment(Qt::AlignLeading);  // the start of the line in its own direction
        if (cursor.atStart()) {
            cursor.setBlockFormat(format);
            cursor.setCharFormat(chars);
        } else {
            cursor.insertBlock(format, chars);
        }
    };
    for (const auto& entry : entries) {
        if (!cursor.atStart()) block(layoutDirection(), text_chars);  // a blank line between entries
        if (!entry.heading.isEmpty()) {
            block(layoutDirection(), heading_chars);
            cursor.insertText(entry.heading, heading_chars);
        }
        for (const QString& line : entry.text.split('\n')) {
            block(line.isRightToLeft() ? Qt::RightToLeft : Qt::LeftToRight, text_chars);
            cursor.insertText(line, text_chars);
        }
    }
    conversation_->moveCursor(QTextCursor::End);  // the newest answer is what the user comes for
    conversation_->ensureCursorVisible();
}

void TicketsWindow::send_reply() {
    if (sending_ || number_.isEmpty()) return;
    const QString text = clean_text(reply_->toPlainText(), true).trimmed();
    if (QString problem = reply_problem(text); !problem.isEmpty()) {
        reply_note_->setText(problem);
        reply_note_->setVisible(true);
        reply_->setFocus();
        return;
    }
    sending_ = true;
    send_reply_->setEnabled(false);
    reply_note_->setText(tr("Sending…"));
    reply_note_->setVisible(true);
    daemon_.send_reply(number_, text);
}

void TicketsWindow::open_rating() {
    auto it = tickets_.find(number_);
    if (it == tickets_.end() || !can_rate(it->second.status())) return;
    auto* dialog = new RatingDialog(daemon_, it->second, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // Shown at once; the daemon's status with the stored rating says the same a moment later (or earlier).
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        v1::Satisfaction given;
        given.set_rating(dialog->rating());
        rating_note_->setText(rating_summary(given));
        rate_->setText(tr("Change r&ating…"));
        give_room(rate_);
    });
    dialog->open();
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
