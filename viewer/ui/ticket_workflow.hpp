// The helpdesk workflow in the ticket panel: the SLA block (both targets with their state and due
// time, coloured as in the queue and saying the same in words), the group and tier, escalations,
// reopens and the user's rating; and the actions on them: assign to a group's member (leads),
// category and group (PATCH), escalate with a reason (EscalateDialog), record the user's rating of
// a resolved or closed ticket (RatingDialog). Calls run on the RelayClient's worker; what the
// relay answers comes back through changed().
#pragma once

#include "viewer/models/workflow_text.hpp"
#include "viewer/ui/relay_client.hpp"
#include "viewer/ui/workflow_dialogs.hpp"

#include <QPointer>
#include <QWidget>

#include <functional>

class QComboBox;
class QLabel;
class QMenu;
class QPushButton;
class QToolButton;

namespace lifeline::viewer::ui {

// What the status bar's Retry does for a failed call.
using Retry = std::function<void()>;

class TicketWorkflow : public QWidget {
    Q_OBJECT
public:
    explicit TicketWorkflow(RelayClient& client, QWidget* parent = nullptr);

    // Who is signed in: assigning is for leads (and admins); a technician escalates only what is theirs or
    // nobody's, as the relay allows.
    void set_user(const QString& username, bool lead);
    // The relay's groups and categories: the choices for assign, group, category and escalate.
    void set_directory(models::HelpdeskDirectory directory);
    const models::HelpdeskDirectory& directory() const { return directory_; }
    // The ticket as the relay has it now (the panel calls this on every change).
    void show_ticket(const v1::Ticket& ticket);
    // Opens the escalation dialog for the ticket shown (the Escalate button does this).
    EscalateDialog* open_escalation();
    // Opens the rating dialog for the ticket shown (the Record rating button, shown once it is resolved).
    RatingDialog* open_rating();

    QLabel* sla_label(int target) const { return target == 0 ? response_ : resolution_; }  // 0 response, 1 resolution
    QLabel* facts() const { return facts_; }
    QToolButton* assign_button() const { return assign_; }
    QMenu* assign_menu() const { return assign_menu_; }
    QComboBox* category_choice() const { return category_; }
    QComboBox* group_choice() const { return group_; }
    QPushButton* escalate_button() const { return escalate_; }
    QPushButton* rating_button() const { return rate_; }
    // The escalation dialog while it is open; nullptr otherwise.
    EscalateDialog* escalate_dialog() const { return dialog_ && dialog_->isVisible() ? dialog_.data() : nullptr; }
    RatingDialog* rating_dialog() const {
        return rating_dialog_ && rating_dialog_->isVisible() ? rating_dialog_.data() : nullptr;
    }

signals:
    // A call succeeded: the ticket as the relay answered it.
    void changed(const v1::Ticket& ticket);
    void failed(const QString& message, Retry retry);

private:
    void render_sla();
    void render();
    void fill_choices();
    void rebuild_assign_menu();
    void change(const QString& what, std::function<core::Result<v1::Ticket>(RelayApi&)> work);

    RelayClient& client_;
    QString username_;
    bool lead_ = false;
    models::HelpdeskDirectory directory_;
    v1::Ticket ticket_;
    QLabel* response_;
    QLabel* resolution_;
    QLabel* facts_;
    QToolButton* assign_;
    QMenu* assign_menu_;
    QComboBox* category_;
    QComboBox* group_;
    QPushButton* escalate_;
    QPushButton* rate_;
    QPointer<EscalateDialog> dialog_;
    QPointer<RatingDialog> rating_dialog_;
};

}  // namespace lifeline::viewer::ui
