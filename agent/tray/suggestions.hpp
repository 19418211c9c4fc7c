// Knowledge-base answers in Get help, before a ticket is sent: a short list of published articles that
// match what the user is typing (asked once the typing pauses), each readable in a plain-text window
// with "This solved my problem", which counts the article as helped and ends the request there.
#pragma once

#include "lifeline.pb.h"

#include <QDialog>
#include <QWidget>

#include <chrono>
#include <cstdint>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace lifeline::agent::tray {

class DaemonClient;

class SuggestionsPanel : public QWidget {
    Q_OBJECT
public:
    // How long the typing must pause before the daemon is asked.
    static constexpr std::chrono::milliseconds kPause{600};

    explicit SuggestionsPanel(DaemonClient& daemon, QWidget* parent = nullptr);

    // The form changed: ask again once the typing pauses. Hidden while there is nothing to offer.
    void text_changed(const QString& subject, const QString& details);
    // Opens the article in row `row` of the list.
    void open(int row);

    QListWidget* list() const { return list_; }
    const v1::KbHints& hints() const { return hints_; }
    int asked() const { return asked_; }  // how many times the daemon was asked (for tests)

signals:
    // The user said the article solved the problem.
    void solved(std::int64_t article_id);

protected:
    // Enter on the list opens the article and goes no further: the dialog's default button is Send.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void ask();
    void on_hints(int sequence, const v1::KbHints& hints);

    DaemonClient& daemon_;
    QTimer* pause_;
    QListWidget* list_;
    QString subject_, details_;
    QString asked_for_;  // the text of the last question
    v1::KbHints hints_;
    int sequence_ = 0;  // of the last question; older answers are dropped
    int asked_ = 0;
};

class ArticleDialog : public QDialog {
    Q_OBJECT
public:
    explicit ArticleDialog(const v1::KbHint& article, QWidget* parent = nullptr);

    QLabel* title_label() const { return title_; }
    QPlainTextEdit* body() const { return body_; }
    QPushButton* solved_button() const { return solved_; }
    QPushButton* back_button() const { return back_; }

signals:
    void solved(std::int64_t article_id);

private:
    QLabel* title_;
    QPlainTextEdit* body_;
    QPushButton* solved_;
    QPushButton* back_;
};

}  // namespace lifeline::agent::tray
