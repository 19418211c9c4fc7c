// The Get help dialog: a form page and a result page in one window.
#include "agent/tray/help_dialog.hpp"

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/suggestions.hpp"
#include "agent/tray/tray_text.hpp"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace lifeline::agent::tray {

namespace {

QLabel* heading(const QString& text, double scale) {
    auto* label = new QLabel(text);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * scale);
    font.setBold(true);
    label->setFont(font);
    return label;
}

QLabel* plain(const QString& text = {}) {
    auto* label = new QLabel(text);
    label->setTextFormat(Qt::PlainText);
    label->setWordWrap(true);
    return label;
}

}  // namespace

HelpDialog::HelpDialog(DaemonClient& daemon, const QImage& screen, QWidget* parent)
    : QDialog(parent), daemon_(daemon), screen_(screen) {
    setWindowTitle(tr("Get help"));
    pages_ = new QStackedWidget;

    // The form.
    auto* form_page = new QWidget;
    subject_ = new QLineEdit;
    subject_->setMaxLength(kMaxSubjectBytes);
    subject_->setPlaceholderText(tr("For example: The printer does not print"));
    details_ = new QPlainTextEdit;
    details_->setPlaceholderText(tr("What were you doing? Did you see a message? (optional)"));
    details_->setTabChangesFocus(true);
    details_->setMinimumHeight(110);
    category_ = new QComboBox;
    for (const auto& category : help_categories())
        category_->addItem(category.label, category.value);
    category_->setCurrentIndex(category_->count() - 1);
    attach_ = new QCheckBox(tr("Attach a &screenshot of my screen"));
    attach_->setEnabled(!screen_.isNull());
    preview_ = new QLabel;
    preview_->setFrameShape(QFrame::StyledPanel);
    if (!screen_.isNull()) {
        const QPixmap small =
            QPixmap::fromImage(screen_.scaled(QSize(320, 180), Qt::KeepAspectRatio, Qt::SmoothTransformation));
        preview_->setPixmap(small);
        preview_->setFixedSize(small.size() + QSize(2, 2));
    }
    preview_->setVisible(false);
    auto* preview_note = plain(tr("Only this picture is sent, once. Untick the box to leave it out."));
    preview_note->setVisible(false);
    connect(attach_, &QCheckBox::toggled, this, [this, preview_note](bool on) {
        preview_->setVisible(on);
        preview_note->setVisible(on);
        adjustSize();
    });
    problem_ = plain();
    problem_->setStyleSheet("color: #b00020");
    problem_->setVisible(false);

    auto* fields = new QFormLayout;
    fields->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    auto* subject_label = new QLabel(tr("&What is wrong?"));
    subject_label->setBuddy(subject_);
    auto* details_label = new QLabel(tr("&Details"));
    details_label->setBuddy(details_);
    auto* category_label = new QLabel(tr("&Category"));
    category_label->setBuddy(category_);
    fields->addRow(subject_label, subject_);
    fields->addRow(details_label, details_);
    fields->addRow(category_label, category_);
    suggestions_ = new SuggestionsPanel(daemon_);

    send_ = new QPushButton(tr("S&end"));
    cancel_ = new QPushButton(tr("Cancel"));
    connect(send_, &QPushButton::clicked, this, &HelpDialog::submit);
    connect(cancel_, &QPushButton::clicked, this, &QDialog::reject);
    auto* form_buttons = new QHBoxLayout;
    form_buttons->addStretch();
    form_buttons->addWidget(cancel_);
    form_buttons->addWidget(send_);

    auto* form_layout = new QVBoxLayout(form_page);
    form_layout->setContentsMargins(0, 0, 0, 0);
    form_layout->addWidget(heading(tr("Tell us what is wrong"), 1.3));
    form_layout->addWidget(plain(tr("A technician will read this and help you.")));
    form_layout->addSpacing(6);
    form_layout->addLayout(fields);
    form_layout->addWidget(suggestions_);
    form_layout->addWidget(attach_);
    auto* preview_row = new QHBoxLayout;
    preview_row->addSpacing(24);
    preview_row->addWidget(preview_);
    preview_row->addStretch();
    form_layout->addLayout(preview_row);
    form_layout->addWidget(preview_note);
    form_layout->addWidget(problem_);
    form_layout->addStretch();
    form_layout->addLayout(form_buttons);

    // The answer.
    auto* result_page = new QWidget;
    headline_ = heading({}, 1.3);
    number_ = new QLabel;
    number_->setTextFormat(Qt::PlainText);
    number_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    number_->setAlignment(Qt::AlignCenter);
    QFont big = number_->font();
    big.setPointSizeF(big.pointSizeF() * 2.4);
    big.setBold(true);
    number_->setFont(big);
    copy_ = new QPushButton(tr("&Copy number"));
    connect(copy_, &QPushButton::clicked, this, [this] { QGuiApplication::clipboard()->setText(number_->text()); });
    result_ = plain();
    close_ = new QPushButton(tr("C&lose"));
    connect(close_, &QPushButton::clicked, this, &QDialog::accept);
    auto* number_row = new QHBoxLayout;
    number_row->addStretch();
    number_row->addWidget(number_);
    number_row->addSpacing(12);
    number_row->addWidget(copy_);
    number_row->addStretch();
    auto* result_buttons = new QHBoxLayout;
    result_buttons->addStretch();
    result_buttons->addWidget(close_);
    auto* result_layout = new QVBoxLayout(result_page);
    result_layout->setContentsMargins(0, 0, 0, 0);
    result_layout->addWidget(headline_);
    result_layout->addSpacing(8);
    result_layout->addLayout(number_row);
    result_layout->addSpacing(8);
    result_layout->addWidget(result_);
    result_layout->addStretch();
    result_layout->addLayout(result_buttons);

    pages_->addWidget(form_page);
    pages_->addWidget(result_page);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(pages_);
    setMinimumWidth(480);
    // Keyboard order is reading order (Cancel sits before Send).
    QWidget* form_order[] = {subject_, details_, category_, static_cast<QWidget*>(suggestions_->list()),
                             attach_,  cancel_,  send_};
    for (std::size_t i = 1; i < std::size(form_order); ++i)
        QWidget::setTabOrder(form_order[i - 1], form_order[i]);
    QWidget::setTabOrder(number_, copy_);
    QWidget::setTabOrder(copy_, close_);
    // Once the buttons are in the dialog: before that, setDefault has no dialog to tell.
    send_->setDefault(true);
    subject_->setFocus();

    // Pasting a paragraph into the one-line subject: keep what fits, as the relay would refuse more.
    connect(subject_, &QLineEdit::textEdited, this, [this](const QString& text) {
        const QString fitted = fit_utf8(clean_text(text, false), kMaxSubjectBytes);
        if (fitted != text) subject_->setText(fitted);
    });
    // An old complaint must not stay next to text that has since been fixed.
    connect(subject_, &QLineEdit::textChanged, problem_, &QWidget::hide);
    connect(details_, &QPlainTextEdit::textChanged, problem_, &QWidget::hide);
    connect(&daemon_, &DaemonClient::help_answered, this, &HelpDialog::on_answer);
    connect(&daemon_, &DaemonClient::help_failed, this, &HelpDialog::on_failure);

    const auto typed = [this] { suggestions_->text_changed(subject_->text(), details_->toPlainText()); };
    connect(subject_, &QLineEdit::textChanged, this, typed);
    connect(details_, &QPlainTextEdit::textChanged, this, typed);
    connect(suggestions_, &SuggestionsPanel::solved, this, &HelpDialog::on_solved);
    connect(category_, &QComboBox::activated, this, [this] { category_chosen_ = true; });
    connect(&daemon_, &DaemonClient::catalog_loaded, this, &HelpDialog::on_catalog);
    daemon_.load_catalog();
}

void HelpDialog::on_catalog(const v1::HelpCatalog& catalog) {
    if (category_chosen_ || waiting_ || showing_result()) return;
    const auto categories = help_categories(catalog);
    category_->clear();
    for (const auto& category : categories)
        category_->addItem(category.label, category.value);
    // The tray's own list ends with "Something else"; the relay's starts with "I am not sure".
    category_->setCurrentIndex(catalog.categories_size() > 0 ? 0 : category_->count() - 1);
}

void HelpDialog::on_solved(std::int64_t article_id) {
    if (waiting_) return;
    daemon_.mark_helped(article_id);
    headline_->setText(tr("Good to hear it is solved"));
    number_->setVisible(false);
    copy_->setVisible(false);
    result_->setText(tr("No request was sent. If the problem comes back, you can ask for help here at any time."));
    show_result_page();
}

bool HelpDialog::showing_result() const { return pages_->currentIndex() == 1; }

void HelpDialog::set_busy(bool busy) {
    waiting_ = busy;
    for (QWidget* w : std::initializer_list<QWidget*>{subject_, details_, category_, attach_, send_})
        w->setEnabled(!busy && (w != attach_ || !screen_.isNull()));
    send_->setText(busy ? tr("Sending…") : tr("S&end"));
}

void HelpDialog::submit() {
    if (waiting_) return;
    const QString subject = clean_text(subject_->text(), false).trimmed();
    const QString details = clean_text(details_->toPlainText(), true).trimmed();
    if (QString problem = help_problem(subject, details); !problem.isEmpty()) {
        problem_->setText(problem);
        problem_->setVisible(true);
        (subject.isEmpty() || subject.toUtf8().size() > kMaxSubjectBytes ? static_cast<QWidget*>(subject_)
                                                                         : static_cast<QWidget*>(details_))
            ->setFocus();
        return;
    }
    problem_->setVisible(false);
    set_busy(true);
    daemon_.ask_help(subject, details, category_->currentData().toString(), attach_->isChecked() ? screen_ : QImage());
}

void HelpDialog::on_answer(const v1::HelpResult& result) {
    if (!waiting_) return;
    set_busy(false);
    if (result.queued()) {
        headline_->setText(tr("Your request is saved"));
        number_->setVisible(false);
        copy_->setVisible(false);
        result_->setText(
            tr("You are offline right now, so it could not reach the helpdesk yet. It is kept safely on this "
               "computer and will be sent by itself as soon as the connection is back. You do not need to do "
               "anything else."));
    } else {
        headline_->setText(tr("Your request has been sent"));
        number_->setText(QString::fromStdString(result.number()));
        number_->setVisible(true);
        copy_->setVisible(true);
        result_->setText(
            tr("This is your ticket number. Please mention it if you call the helpdesk.\n\nWhat happens next: a "
               "technician will look at your request and contact you. You can follow it under “My tickets” in the "
               "Lifeline menu. Nobody will see your screen unless you allow it."));
    }
    show_result_page();
}

void HelpDialog::show_result_page() {
    // The answer is short: the window shrinks to it instead of keeping the form's height.
    pages_->widget(0)->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    pages_->setCurrentIndex(1);
    // Wrapped labels: the height the page needs at this width, not its one-line size hint.
    const int needed = pages_->widget(1)->heightForWidth(pages_->width());
    const QMargins margins = layout()->contentsMargins();
    if (needed > 0) resize(width(), needed + margins.top() + margins.bottom());
    close_->setDefault(true);
    close_->setFocus();
}

void HelpDialog::on_failure(const QString& why) {
    if (!waiting_) return;
    set_busy(false);
    problem_->setText(why);
    problem_->setVisible(true);
}

}  // namespace lifeline::agent::tray
