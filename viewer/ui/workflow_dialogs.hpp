// The small dialogs of a ticket's workflow: a required note (the resolution), the escalation (the
// next tier, or another group, with a reason) and the requester's rating as staff heard it (1-5
// with an optional comment). They never block: the panel opens them
// window-modal, sends when the technician submits, and either closes them or shows the relay's
// answer inside them, where submitting again is the retry.
#pragma once

#include "viewer/models/workflow_text.hpp"

#include <QDialog>

class QButtonGroup;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QVBoxLayout;

namespace lifeline::viewer::ui {

class NoteDialog : public QDialog {
    Q_OBJECT
public:
    // `action`: the submit button's label; the note is required and at most `max_bytes` of UTF-8.
    NoteDialog(const QString& title, const QString& prompt, const QString& action, int max_bytes,
               QWidget* parent = nullptr);

    QString note() const;
    QPlainTextEdit* note_field() const { return note_; }
    QPushButton* submit_button() const { return submit_; }
    QLabel* error_label() const { return error_; }

    // While the call runs: nothing can be submitted twice.
    void set_busy(bool busy);
    // The call failed: says why (plain text) and lets the technician submit again.
    void show_error(const QString& message);

signals:
    void submitted();

protected:
    // Where a subclass puts its own choices, above the note.
    QVBoxLayout* choices() const { return choices_; }
    // Whether the subclass's choices allow submitting; call update_submit() when they change.
    virtual bool choice_made() const { return true; }
    void update_submit();
    // The note may stay empty (it is still limited to `max_bytes`).
    void set_note_optional();

private:
    int max_bytes_;
    bool busy_ = false;
    bool note_required_ = true;
    QVBoxLayout* choices_;
    QPlainTextEdit* note_;
    QLabel* error_;
    QPushButton* submit_;
};

class EscalateDialog : public NoteDialog {
    Q_OBJECT
public:
    EscalateDialog(const v1::Ticket& ticket, const models::HelpdeskDirectory& directory, QWidget* parent = nullptr);

    // Empty: the next tier of the ticket's group; else the group to hand the ticket to.
    std::string target_group() const;

    QRadioButton* next_tier_choice() const { return next_tier_; }
    QRadioButton* other_group_choice() const { return other_group_; }
    QComboBox* group_choice() const { return groups_; }

protected:
    bool choice_made() const override;

private:
    QRadioButton* next_tier_;
    QRadioButton* other_group_;
    QComboBox* groups_;
};

class RatingDialog : public NoteDialog {
    Q_OBJECT
public:
    // Starts from the ticket's rating when it has one: recording again replaces it (the history keeps both).
    explicit RatingDialog(const v1::Ticket& ticket, QWidget* parent = nullptr);

    // 1 (bad) to 5 (good); 0 until one is chosen.
    int rating() const;
    // The choice for `stars` (1-5).
    QRadioButton* rating_choice(int stars) const;

protected:
    bool choice_made() const override { return rating() > 0; }

private:
    QButtonGroup* ratings_ = nullptr;
    QLabel* stars_ = nullptr;
};

}  // namespace lifeline::viewer::ui
