// The rating dialog: five choices from "Very happy" down, a comment, Send.
#include "agent/tray/rating_dialog.hpp"

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/tray_text.hpp"
#include "agent/tray/widgets.hpp"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace lifeline::agent::tray {

RatingDialog::RatingDialog(DaemonClient& daemon, const v1::TicketSummary& ticket, QWidget* parent)
    : QDialog(parent), daemon_(daemon), number_(QString::fromStdString(ticket.number())) {
    setWindowTitle(tr("Rate the help"));
    auto* question = new QLabel(tr("How happy are you with the help you got?"));
    question->setTextFormat(Qt::PlainText);
    question->setWordWrap(true);
    QFont big = question->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    question->setFont(big);
    auto* about = new QLabel(tr("Your ticket %1: %2").arg(number_, QString::fromStdString(ticket.subject())));
    about->setTextFormat(Qt::PlainText);
    about->setWordWrap(true);

    // Best first, as people read a scale; the stars say the same without words.
    choices_ = new QButtonGroup(this);
    auto* scale = new QVBoxLayout;
    for (int rating = 5; rating >= 1; --rating) {
        const QString stars = QString(rating, QChar(0x2605)) + QString(5 - rating, QChar(0x2606));
        auto* button = new QRadioButton(QString("%1  %2").arg(stars, rating_words(rating)));
        button->setAccessibleName(tr("%1 of 5: %2").arg(rating).arg(rating_words(rating)));
        choices_->addButton(button, rating);
        scale->addWidget(button);
    }
    auto* comment_label = new QLabel(tr("&Anything you would like to tell us? (optional)"));
    comment_ = new QPlainTextEdit;
    comment_->setTabChangesFocus(true);
    comment_->setFixedHeight(comment_->fontMetrics().lineSpacing() * 4 + 14);
    comment_label->setBuddy(comment_);
    problem_ = new QLabel;
    problem_->setTextFormat(Qt::PlainText);
    problem_->setWordWrap(true);
    problem_->setVisible(false);

    send_ = new QPushButton(tr("S&end rating"));
    auto* cancel = new QPushButton(tr("Cancel"));
    connect(send_, &QPushButton::clicked, this, &RatingDialog::send);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
    give_room(send_);
    give_room(cancel);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(cancel);
    buttons->addWidget(send_);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(question);
    layout->addWidget(about);
    layout->addSpacing(6);
    layout->addLayout(scale);
    layout->addSpacing(6);
    layout->addWidget(comment_label);
    layout->addWidget(comment_);
    layout->addWidget(problem_);
    layout->addLayout(buttons);
    setMinimumWidth(420);

    if (ticket.has_satisfaction()) {
        if (auto* given = choices_->button(ticket.satisfaction().rating())) given->setChecked(true);
        comment_->setPlainText(QString::fromStdString(ticket.satisfaction().comment()));
    }
    send_->setEnabled(rating() != 0);
    connect(choices_, &QButtonGroup::idToggled, this, [this] { send_->setEnabled(!sending_ && rating() != 0); });
    connect(comment_, &QPlainTextEdit::textChanged, problem_, &QWidget::hide);
    send_->setDefault(true);
    (rating() != 0 ? choices_->checkedButton() : choices_->button(5))->setFocus();

    connect(&daemon_, &DaemonClient::rated, this, [this](const QString& rated) {
        if (rated == number_ && sending_) accept();
    });
    connect(&daemon_, &DaemonClient::rating_failed, this, [this](const QString& refused, const QString& why) {
        if (refused != number_ || !sending_) return;
        sending_ = false;
        send_->setEnabled(true);
        problem_->setText(why);
        problem_->setVisible(true);
    });
}

int RatingDialog::rating() const { return std::max(choices_->checkedId(), 0); }

QRadioButton* RatingDialog::choice(int rating) const { return qobject_cast<QRadioButton*>(choices_->button(rating)); }

void RatingDialog::send() {
    if (sending_ || rating() == 0) return;
    const QString comment = clean_text(comment_->toPlainText(), true).trimmed();
    if (QString problem = rating_comment_problem(comment); !problem.isEmpty()) {
        problem_->setText(problem);
        problem_->setVisible(true);
        comment_->setFocus();
        return;
    }
    sending_ = true;
    send_->setEnabled(false);
    daemon_.rate(number_, rating(), comment);
}

}  // namespace lifeline::agent::tray
