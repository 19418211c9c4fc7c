// The technician's queue as a plain Qt model: one row per ticket, kept current by the relay's event
// stream (upsert), and a filter proxy for the views (mine, my groups, unassigned, all), status,
// category, SLA state and text, in the relay's order: priority, then the resolution target's due time, then age.
// No widgets; tested without a display.
#pragma once

#include "lifeline.pb.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QSortFilterProxyModel>

#include <set>
#include <string>
#include <vector>

namespace lifeline::viewer::models {

class QueueModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Number, Priority, Subject, Status, Sla, Group, Requester, Assignee, Age, ColumnCount };
    enum Role { AssigneeRole = Qt::UserRole + 1, StatusRole, SlaStateRole };

    explicit QueueModel(QObject* parent = nullptr);

    // Replaces every row (the answer of a fresh queue read).
    void reset(std::vector<v1::Ticket> tickets);
    // A ticket created or changed: updated in place, or added.
    void upsert(v1::Ticket ticket);
    // The ticket on `row`, or nullptr.
    const v1::Ticket* ticket(int row) const;
    int row_of(const QString& number) const;
    // "Now" for the age and SLA columns; the system clock unless a test sets it.
    void set_now(QDateTime now);
    QDateTime now() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // "3 h", "2 d": how long a ticket has waited, for people.
    static QString age_text(qint64 seconds);
    // The relay's queue order: priority, then the resolution target's due time (none: last), then the oldest.
    static bool queue_before(const v1::Ticket& a, const v1::Ticket& b);

private:
    std::vector<v1::Ticket> tickets_;
    QDateTime now_;
};

class QueueFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    // The numbers are what the settings keep: new views go at the end.
    enum class View { Mine, Unassigned, All, MyGroups };

    explicit QueueFilter(QObject* parent = nullptr);

    void set_user(const QString& username);
    // The groups the user is a member of, for the "my groups" view.
    void set_groups(std::set<std::string> groups);
    void set_view(View view);
    View view() const { return view_; }
    // Empty: every status but closed.
    void set_statuses(std::set<v1::Ticket::Status> statuses);
    // Empty: any category.
    void set_category(const QString& category);
    const QString& category() const { return category_; }
    // The SLA states to show, as the SLA column has them at the model's "now" (queue_sla_state: a due time
    // passed is overdue before the relay's sweep says so); empty: any, tickets without SLA included.
    void set_sla_states(std::set<v1::SlaState> states);
    const std::set<v1::SlaState>& sla_states() const { return sla_states_; }
    void set_text(const QString& text);
    // Rows the view would show with the current status, category, SLA and text filters.
    int count(View view) const;

signals:
    void counts_changed();

protected:
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool accepts(const v1::Ticket& ticket, View view) const;
    void changed();

    QString user_;
    std::set<std::string> groups_;
    View view_ = View::All;
    std::set<v1::Ticket::Status> statuses_;
    QString category_;
    std::set<v1::SlaState> sla_states_;
    QString text_;
};

}  // namespace lifeline::viewer::models
