// Get help's suggestions: the pause timer, the list, the article window.
#include "agent/tray/suggestions.hpp"

#include "agent/tray/daemon_client.hpp"
#include "agent/tray/tray_text.hpp"
#include "agent/tray/widgets.hpp"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace lifeline::agent::tray {

namespace {

constexpr int kMinLetters = 4;  // fewer letters than this match everything and help with nothing

}  // namespace

SuggestionsPanel::SuggestionsPanel(DaemonClient& daemon, QWidget* parent)
    : QWidget(parent), daemon_(daemon), pause_(new QTimer(this)) {
    pause_->setSingleShot(true);
    pause_->setInterval(kPause);
    connect(pause_, &QTimer::timeout, this, &SuggestionsPanel::ask);

    auto* caption = new QLabel(tr("Maybe one of these &answers helps right away:"));
    caption->setTextFormat(Qt::PlainText);
    caption->setWordWrap(true);
    QFont strong = caption->font();
    strong.setBold(true);
    caption->setFont(strong);
    list_ = new QListWidget;
    caption->setBuddy(list_);
    list_->setAccessibleName(tr("Answers that might help"));
    auto* hint = new QLabel(tr("Press Enter or double-click to read one. You can still send your request."));
    hint->setTextFormat(Qt::PlainText);
    hint->setWordWrap(true);
    connect(list_, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) { open(list_->row(item)); });
    list_->installEventFilter(this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 4);
    layout->addWidget(caption);
    layout->addWidget(list_);
    layout->addWidget(hint);
    setVisible(false);
    connect(&daemon_, &DaemonClient::suggestions_ready, this, &SuggestionsPanel::on_hints);
}

bool SuggestionsPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == list_ && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            open(list_->currentRow());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void SuggestionsPanel::text_changed(const QString& subject, const QString& details) {
    subject_ = subject;
    details_ = details;
    pause_->start();  // restarts: one question per pause, not one per key
}

void SuggestionsPanel::ask() {
    const QString subject = fit_utf8(clean_text(subject_, false).trimmed(), kMaxSubjectBytes);
    const QString details = fit_utf8(clean_text(details_, true).trimmed(), kMaxDetailsBytes);
    const QString text = subject + "\n" + details;
    if (text == asked_for_) return;
    asked_for_ = text;
    ++sequence_;
    int letters = 0;
    for (QChar c : text)
        letters += c.isLetterOrNumber() ? 1 : 0;
    if (letters < kMinLetters) {
        on_hints(sequence_, {});
        return;
    }
    ++asked_;
    daemon_.suggest(sequence_, subject, details);
}

void SuggestionsPanel::on_hints(int sequence, const v1::KbHints& hints) {
    if (sequence != sequence_) return;  // the user has typed on since
    hints_ = hints;
    list_->clear();
    for (const auto& article : hints.articles()) {
        QString title = QString::fromStdString(article.title());  // item text is plain text
        // An English title in the Persian window: embedded left to right (LRE ... PDF), so its punctuation
        // stays where it was typed; the list draws every item in the window's direction.
        if (layoutDirection() == Qt::RightToLeft && !title.isRightToLeft())
            title = QChar(0x202A) + title + QChar(0x202C);
        list_->addItem(title);
    }
    if (list_->count() > 0) list_->setCurrentRow(0);
    const int rows = std::max(1, std::min(list_->count(), 3));
    list_->setFixedHeight(list_->sizeHintForRow(0) * rows + 2 * list_->frameWidth() + 4);
    setVisible(list_->count() > 0);
    if (QWidget* dialog = window(); dialog != this) dialog->adjustSize();
}

void SuggestionsPanel::open(int row) {
    if (row < 0 || row >= hints_.articles_size()) return;
    auto* article = new ArticleDialog(hints_.articles(row), window());
    article->setAttribute(Qt::WA_DeleteOnClose);
    connect(article, &ArticleDialog::solved, this, &SuggestionsPanel::solved);
    article->open();
}

ArticleDialog::ArticleDialog(const v1::KbHint& article, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("An answer from your helpdesk"));
    title_ = new QLabel(QString::fromStdString(article.title()));
    title_->setTextFormat(Qt::PlainText);
    title_->setWordWrap(true);
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    title_->setFont(big);
    // Markdown from the relay is shown as text, never rendered: no links, images or markup to act on.
    body_ = new QPlainTextEdit(markdown_as_plain(QString::fromStdString(article.body_markdown())));
    body_->setReadOnly(true);
    body_->setTabChangesFocus(true);
    body_->setMinimumHeight(180);
    auto* question = new QLabel(tr("Did this solve your problem?"));
    question->setTextFormat(Qt::PlainText);
    solved_ = new QPushButton(tr("&Yes, this solved it"));
    back_ = new QPushButton(tr("&No, back to my request"));
    const std::int64_t id = article.id();
    connect(solved_, &QPushButton::clicked, this, [this, id] {
        emit solved(id);
        accept();
    });
    connect(back_, &QPushButton::clicked, this, &QDialog::reject);
    give_room(solved_);
    give_room(back_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(question, 1);
    buttons->addWidget(back_);
    buttons->addWidget(solved_);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(title_);
    layout->addWidget(body_, 1);
    layout->addLayout(buttons);
    resize(520, 400);
    back_->setDefault(true);  // Enter goes back: a ticket not sent by mistake is worse than one more click
    body_->setFocus();
}

}  // namespace lifeline::agent::tray
