#include "viewer/ui/workflow_dialogs.hpp"

#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include <algorithm>

namespace lifeline::viewer::ui {

namespace {

constexpr int kMaxReasonBytes = 2000;         // the relay's limit for an escalation's reason
constexpr int kMaxRatingCommentBytes = 4000;  // and for a rating's comment

}  // namespace

NoteDialog::NoteDialog(const QString& title, const QString& prompt, const QString& action, int max_bytes,
                       QWidget* parent)
    : QDialog(parent), max_bytes_(max_bytes) {
    setWindowTitle(title);
    setWindowModality(Qt::WindowModal);
    setAttribute(Qt::WA_DeleteOnClose);
    auto* label = new QLabel(prompt);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    choices_ = new QVBoxLayout;
    note_ = new QPlainTextEdit;
    note_->setObjectName("note");
    note_->setTabChangesFocus(true);
    label->setBuddy(note_);
    error_ = new QLabel;
    error_->setObjectName("dialog-error");
    error_->setTextFormat(Qt::PlainText);  // the relay's message
    error_->setWordWrap(true);
    error_->setStyleSheet("color: #b00020");
    error_->hide();
    submit_ = new QPushButton(action);
    submit_->setObjectName("submit");
    submit_->setDefault(true);
    auto* cancel = new QPushButton(tr("Cancel"));
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(cancel);
    buttons->addWidget(submit_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(choices_);
    layout->addWidget(label);
    layout->addWidget(note_, 1);
    layout->addWidget(error_);
    layout->addLayout(buttons);
    resize(460, 300);

    connect(note_, &QPlainTextEdit::textChanged, this, &NoteDialog::update_submit);
    connect(cancel, &QPushButton::clicked, this, &QDialog::reject);
    connect(submit_, &QPushButton::clicked, this, [this] {
        if (!submit_->isEnabled()) return;
        error_->hide();
        emit submitted();
    });
    update_submit();
}

QString NoteDialog::note() const { return note_->toPlainText().trimmed(); }

void NoteDialog::set_busy(bool busy) {
    busy_ = busy;
    update_submit();
}

void NoteDialog::show_error(const QString& message) {
    error_->setText(message);
    error_->show();
    set_busy(false);
}

void NoteDialog::set_note_optional() {
    note_required_ = false;
    update_submit();
}

void NoteDialog::update_submit() {
    const int bytes = static_cast<int>(note().toUtf8().size());
    const bool too_long = bytes > max_bytes_;
    const bool missing = note_required_ && bytes == 0;
    submit_->setEnabled(!busy_ && !missing && !too_long && choice_made());
    submit_->setToolTip(too_long  ? tr("At most %1 bytes").arg(max_bytes_)
                        : missing ? tr("Write why first")
                                  : QString());
}

EscalateDialog::EscalateDialog(const v1::Ticket& ticket, const models::HelpdeskDirectory& directory, QWidget* parent)
    : NoteDialog(tr("Escalate %1").arg(QString::fromStdString(ticket.number())),
                 tr("&Why does it need someone else? The ticket's history keeps the reason."), tr("&Escalate"),
                 kMaxReasonBytes, parent) {
    setObjectName("escalate-dialog");
    note_field()->setPlaceholderText(tr("e.g. needs a rollback of the last update"));
    auto* from = new QLabel(tr("Now at %1").arg(models::place_text(ticket.group(), ticket.tier())));
    from->setTextFormat(Qt::PlainText);
    next_tier_ = new QRadioButton;
    next_tier_->setObjectName("escalate-next-tier");
    const v1::Group* group = directory.group(ticket.group());
    if (group == nullptr) {
        next_tier_->setText(tr("To the &next tier that is staffed"));
    } else if (auto tier = directory.next_tier(ticket)) {
        next_tier_->setText(tr("To the &next tier: %1").arg(models::place_text(ticket.group(), *tier)));
    } else {
        next_tier_->setText(tr("To the next tier: none is staffed in %1").arg(QString::fromStdString(ticket.group())));
        next_tier_->setEnabled(false);
    }
    other_group_ = new QRadioButton(tr("To another &group:"));
    other_group_->setObjectName("escalate-other-group");
    groups_ = new QComboBox;
    groups_->setObjectName("escalate-group");
    for (const auto& g : directory.groups.groups()) {
        if (g.name() != ticket.group())
            groups_->addItem(directory.group_label(g.name()), QString::fromStdString(g.name()));
    }
    other_group_->setEnabled(groups_->count() > 0);
    groups_->setEnabled(false);
    (next_tier_->isEnabled() ? next_tier_ : other_group_)->setChecked(true);
    groups_->setEnabled(other_group_->isChecked());

    auto* other_row = new QHBoxLayout;
    other_row->addWidget(other_group_);
    other_row->addWidget(groups_, 1);
    choices()->addWidget(from);
    choices()->addWidget(next_tier_);
    choices()->addLayout(other_row);
    connect(other_group_, &QRadioButton::toggled, this, [this](bool on) {
        groups_->setEnabled(on);
        update_submit();
    });
    connect(next_tier_, &QRadioButton::toggled, this, &EscalateDialog::update_submit);
    update_submit();
}

bool EscalateDialog::choice_made() const {
    return (next_tier_->isEnabled() && next_tier_->isChecked()) ||
           (other_group_->isChecked() && groups_->currentIndex() >= 0);
}

std::string EscalateDialog::target_group() const {
    if (!other_group_->isChecked()) return {};
    return groups_->currentData().toString().toStdString();
}

RatingDialog::RatingDialog(const v1::Ticket& ticket, QWidget* parent)
    : NoteDialog(tr("Record the rating of %1").arg(QString::fromStdString(ticket.number())),
                 tr("What did the user &say? (optional; the ticket's history keeps it)"), tr("&Record"),
                 kMaxRatingCommentBytes, parent) {
    setObjectName("rating-dialog");
    note_field()->setPlaceholderText(tr("e.g. fixed quickly, but the first reply took a day"));
    auto* question = new QLabel(tr("How satisfied is the user? 1 is bad, 5 is good."));
    question->setWordWrap(true);
    ratings_ = new QButtonGroup(this);
    auto* row = new QHBoxLayout;
    for (int stars = 1; stars <= 5; ++stars) {
        auto* choice = new QRadioButton(QString("&%1").arg(stars));
        choice->setObjectName(QString("rating-%1").arg(stars));
        ratings_->addButton(choice, stars);
        row->addWidget(choice);
    }
    stars_ = new QLabel;
    stars_->setObjectName("rating-stars");
    stars_->setTextFormat(Qt::PlainText);
    v1::Satisfaction widest;
    widest.set_rating(5);
    stars_->setMinimumWidth(stars_->fontMetrics().horizontalAdvance(models::satisfaction_text(widest)) + 4);
    row->addSpacing(12);
    row->addWidget(stars_);
    row->addStretch();
    choices()->addWidget(question);
    choices()->addLayout(row);
    set_note_optional();  // after ratings_ exists: it asks choice_made()
    if (ticket.has_satisfaction()) {
        if (auto* given = ratings_->button(ticket.satisfaction().rating())) given->setChecked(true);
        note_field()->setPlainText(QString::fromStdString(ticket.satisfaction().comment()));
    }
    auto show_stars = [this] {
        v1::Satisfaction preview;
        preview.set_rating(rating());
        stars_->setText(rating() > 0 ? models::satisfaction_text(preview) : QString());
    };
    connect(ratings_, &QButtonGroup::idToggled, this, [this, show_stars] {
        show_stars();
        update_submit();
    });
    show_stars();
    update_submit();
}

int RatingDialog::rating() const { return std::max(0, ratings_->checkedId()); }

QRadioButton* RatingDialog::rating_choice(int stars) const {
    return qobject_cast<QRadioButton*>(ratings_->button(stars));
}

}  // namespace lifeline::viewer::ui
