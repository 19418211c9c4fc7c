// "Get help": what is wrong (required), details, a category (the relay's list) and, if the user wants, a
// screenshot of their screen with a preview; answers from the knowledge base while they type; then the
// ticket number, big, with a Copy button and what happens next, or the calm news that the request waits
// until the connection is back, or, when an answer solved it, that no request was needed.
#pragma once

#include <QDialog>
#include <QImage>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;

namespace lifeline::v1 {
class HelpCatalog;
class HelpResult;
}  // namespace lifeline::v1

namespace lifeline::agent::tray {

class DaemonClient;
class SuggestionsPanel;

class HelpDialog : public QDialog {
    Q_OBJECT
public:
    // `screen` is the user's screen as it was before the dialog opened (may be null: no screenshot offered).
    HelpDialog(DaemonClient& daemon, const QImage& screen, QWidget* parent = nullptr);

    void submit();

    // For tests.
    QLineEdit* subject_field() const { return subject_; }
    QPlainTextEdit* details_field() const { return details_; }
    QComboBox* category_box() const { return category_; }
    QCheckBox* screenshot_box() const { return attach_; }
    QLabel* preview() const { return preview_; }
    QLabel* problem_label() const { return problem_; }
    QPushButton* send_button() const { return send_; }
    QLabel* number_label() const { return number_; }
    QLabel* result_label() const { return result_; }
    QPushButton* copy_button() const { return copy_; }
    QLabel* headline_label() const { return headline_; }
    SuggestionsPanel* suggestions() const { return suggestions_; }
    bool showing_result() const;

private:
    void on_answer(const v1::HelpResult& result);
    void on_failure(const QString& why);
    void on_catalog(const v1::HelpCatalog& catalog);
    void on_solved(std::int64_t article_id);
    void show_result_page();
    void set_busy(bool busy);

    DaemonClient& daemon_;
    QImage screen_;
    QStackedWidget* pages_;
    QLineEdit* subject_;
    QPlainTextEdit* details_;
    QComboBox* category_;
    QCheckBox* attach_;
    SuggestionsPanel* suggestions_;
    QLabel* preview_;
    QLabel* problem_;
    QPushButton* send_;
    QPushButton* cancel_;
    QLabel* headline_;
    QLabel* number_;
    QLabel* result_;
    QPushButton* copy_;
    QPushButton* close_;
    bool waiting_ = false;
    bool category_chosen_ = false;  // the user picked one: a late list from the relay does not replace it
};

}  // namespace lifeline::agent::tray
