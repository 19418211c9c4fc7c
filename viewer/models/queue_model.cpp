#include "viewer/models/queue_model.hpp"

#include <google/protobuf/util/time_util.h>

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace lifeline::viewer::models {

using google::protobuf::util::TimeUtil;

namespace {

qint64 seconds_of(const google::protobuf::Timestamp& t) { return TimeUtil::TimestampToSeconds(t); }

QString status_text(v1::Ticket::Status status) {
    switch (status) {
        case v1::Ticket::NEW: return QueueModel::tr("New");
        case v1::Ticket::OPEN: return QueueModel::tr("Open");
        case v1::Ticket::PENDING: return QueueModel::tr("Pending");
        case v1::Ticket::RESOLVED: return QueueModel::tr("Resolved");
        case v1::Ticket::CLOSED: return QueueModel::tr("Closed");
        default: return {};
    }
}

QString priority_text(v1::Priority priority) {
    return priority == v1::PRIORITY_UNSPECIFIED ? QString() : QString::fromStdString(v1::Priority_Name(priority));
}

// P1 stands out, P2 less so; P3 and P4 are the normal look.
QVariant priority_background(v1::Priority priority) {
    switch (priority) {
        case v1::P1: return QBrush(QColor(0xf4, 0xc7, 0xc3));
        case v1::P2: return QBrush(QColor(0xfc, 0xe8, 0xb2));
        default: return {};
    }
}

}  // namespace

QueueModel::QueueModel(QObject* parent) : QAbstractTableModel(parent) {}

void QueueModel::reset(std::vector<v1::Ticket> tickets) {
    beginResetModel();
    tickets_ = std::move(tickets);
    for (auto& t : tickets_)
        t.clear_system_info();
    endResetModel();
}

void QueueModel::upsert(v1::Ticket ticket) {
    ticket.clear_system_info();
    const int row = row_of(QString::fromStdString(ticket.number()));
    if (row >= 0) {
        tickets_[static_cast<std::size_t>(row)] = std::move(ticket);
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    const int at = static_cast<int>(tickets_.size());
    beginInsertRows({}, at, at);
    tickets_.push_back(std::move(ticket));
    endInsertRows();
}

const v1::Ticket* QueueModel::ticket(int row) const {
    if (row < 0 || row >= static_cast<int>(tickets_.size())) return nullptr;
    return &tickets_[static_cast<std::size_t>(row)];
}

int QueueModel::row_of(const QString& number) const {
    const std::string wanted = number.toStdString();
    auto it = std::find_if(tickets_.begin(), tickets_.end(), [&](const auto& t) { return t.number() == wanted; });
    return it == tickets_.end() ? -1 : static_cast<int>(it - tickets_.begin());
}

void QueueModel::set_now(QDateTime now) {
    now_ = std::move(now);
    if (!tickets_.empty()) emit dataChanged(index(0, Age), index(rowCount() - 1, Age));
}

QDateTime QueueModel::now() const { return now_.isValid() ? now_ : QDateTime::currentDateTimeUtc(); }

int QueueModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(tickets_.size());
}

int QueueModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString QueueModel::age_text(qint64 seconds) {
    seconds = std::max<qint64>(0, seconds);
    if (seconds < 3600) return tr("%1 min").arg(seconds / 60);
    if (seconds < 2 * 86400) return tr("%1 h").arg(seconds / 3600);
    return tr("%1 d").arg(seconds / 86400);
}

QVariant QueueModel::data(const QModelIndex& index, int role) const {
    const v1::Ticket* t = ticket(index.row());
    if (t == nullptr) return {};
    const qint64 age = now().toSecsSinceEpoch() - seconds_of(t->created_at());
    switch (role) {
        case Qt::DisplayRole:
            // Text from users and machines goes out as QString data: the table draws it as plain text.
            switch (index.column()) {
                case Number: return QString::fromStdString(t->number());
                case Priority: return priority_text(t->priority());
                case Subject: return QString::fromStdString(t->subject());
                case Status: return status_text(t->status());
                case Requester: return QString::fromStdString(t->requester().name());
                case Assignee: return t->assignee().empty() ? tr("unassigned") : QString::fromStdString(t->assignee());
                case Age: return age_text(age);
                default: return {};
            }
        case Qt::ToolTipRole:
            if (index.column() == Subject) return QString::fromStdString(t->subject());
            return {};
        case Qt::BackgroundRole: return priority_background(t->priority());
        case Qt::ForegroundRole:
            if (index.column() == Assignee && t->assignee().empty()) return QBrush(QColor(0x80, 0x80, 0x80));
            return {};
        case SortKeyRole:
            // Priority first (P1 = 1), then the oldest first.
            return static_cast<qint64>(t->priority() == v1::PRIORITY_UNSPECIFIED ? 9 : t->priority()) *
                       (qint64{1} << 40) +
                   seconds_of(t->created_at());
        case AssigneeRole: return QString::fromStdString(t->assignee());
        case StatusRole: return static_cast<int>(t->status());
        default: return {};
    }
}

QVariant QueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Number: return tr("Ticket");
        case Priority: return tr("Priority");
        case Subject: return tr("Subject");
        case Status: return tr("Status");
        case Requester: return tr("Requester");
        case Assignee: return tr("Assignee");
        case Age: return tr("Age");
        default: return {};
    }
}

QueueFilter::QueueFilter(QObject* parent) : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(true);
    connect(this, &QAbstractItemModel::rowsInserted, this, &QueueFilter::counts_changed);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &QueueFilter::counts_changed);
    connect(this, &QAbstractItemModel::modelReset, this, &QueueFilter::counts_changed);
    connect(this, &QAbstractItemModel::dataChanged, this, &QueueFilter::counts_changed);
}

void QueueFilter::set_user(const QString& username) {
    user_ = username;
    changed();
}

void QueueFilter::set_view(View view) {
    view_ = view;
    changed();
}

void QueueFilter::set_statuses(std::set<v1::Ticket::Status> statuses) {
    statuses_ = std::move(statuses);
    changed();
}

void QueueFilter::set_text(const QString& text) {
    text_ = text.trimmed();
    changed();
}

void QueueFilter::changed() {
    invalidateFilter();
    emit counts_changed();
}

bool QueueFilter::accepts(const v1::Ticket& ticket, View view) const {
    if (statuses_.empty() ? ticket.status() == v1::Ticket::CLOSED : !statuses_.contains(ticket.status())) {
        return false;
    }
    if (view == View::Mine && (user_.isEmpty() || QString::fromStdString(ticket.assignee()) != user_)) return false;
    if (view == View::Unassigned && !ticket.assignee().empty()) return false;
    if (text_.isEmpty()) return true;
    for (const std::string* field :
         {&ticket.number(), &ticket.subject(), &ticket.description(), &ticket.requester().name(), &ticket.category()}) {
        if (QString::fromStdString(*field).contains(text_, Qt::CaseInsensitive)) return true;
    }
    return false;
}

bool QueueFilter::filterAcceptsRow(int source_row, const QModelIndex&) const {
    const auto* queue = qobject_cast<const QueueModel*>(sourceModel());
    const v1::Ticket* ticket = queue == nullptr ? nullptr : queue->ticket(source_row);
    return ticket != nullptr && accepts(*ticket, view_);
}

bool QueueFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    if (left.column() == QueueModel::Number || left.column() == QueueModel::Priority ||
        left.column() == QueueModel::Age) {
        return left.data(QueueModel::SortKeyRole).toLongLong() < right.data(QueueModel::SortKeyRole).toLongLong();
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

int QueueFilter::count(View view) const {
    const auto* queue = qobject_cast<const QueueModel*>(sourceModel());
    if (queue == nullptr) return 0;
    int n = 0;
    for (int row = 0; row < queue->rowCount(); ++row)
        n += accepts(*queue->ticket(row), view) ? 1 : 0;
    return n;
}

}  // namespace lifeline::viewer::models
