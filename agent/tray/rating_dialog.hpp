// "How did we do?": the user's 1-5 rating of a solved ticket with an optional comment, sent through the
// daemon and stored on the ticket. A second rating replaces the first.
#pragma once

#include "lifeline.pb.h"

#include <QDialog>

class QButtonGroup;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;

namespace lifeline::agent::tray {

class DaemonClient;

class RatingDialog : public QDialog {
    Q_OBJECT
public:
    // `ticket` must be resolved or closed; a rating it already has is preselected.
    RatingDialog(DaemonClient& daemon, const v1::TicketSummary& ticket, QWidget* parent = nullptr);

    void send();
    int rating() const;  // 0 until one is chosen

    QRadioButton* choice(int rating) const;  // 1..5
    QPlainTextEdit* comment_field() const { return comment_; }
    QPushButton* send_button() const { return send_; }
    QLabel* problem_label() const { return problem_; }

private:
    DaemonClient& daemon_;
    QString number_;
    QButtonGroup* choices_;
    QPlainTextEdit* comment_;
    QLabel* problem_;
    QPushButton* send_;
    bool sending_ = false;
};

}  // namespace lifeline::agent::tray
