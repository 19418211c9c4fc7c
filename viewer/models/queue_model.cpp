#include "viewer/models/queue_model.hpp"

#include "viewer/models/workflow_text.hpp"

#include <google/protobuf/util/time_util.h>

#include <QBrush>
#include <QColor>
#include <QFont>

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>

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

// The cell's colours: the SLA cell's own when its target needs attention, else the row's priority colour.
// Whoever sets a background sets the text colour too, so a dark palette cannot put light text on it.
std::optional<CellColours> cell_colours(const v1::Ticket& t, int column, qint64 now_s) {
    if (column == QueueModel::Sla) {
        if (auto colours = sla_colours(queue_sla_state(t, now_s))) return colours;
    }
    return priority_colours(t.priority());
}

// Grey that keeps 4.5:1 on white and on the priority colours.
QColor quiet_text() { return {0x55, 0x55, 0x55}; }

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
    if (!tickets_.empty()) emit dataChanged(index(0, Status), index(rowCount() - 1, Age));
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

bool QueueModel::queue_before(const v1::Ticket& a, const v1::Ticket& b) {
    auto key = [](const v1::Ticket& t) {
        const auto& resolution = t.sla().resolution();
        return std::tuple(t.priority() == v1::PRIORITY_UNSPECIFIED ? 9 : static_cast<int>(t.priority()),
                          resolution.has_due() ? TimeUtil::TimestampToMilliseconds(resolution.due())
                                               : std::numeric_limits<std::int64_t>::max(),
                          TimeUtil::TimestampToMilliseconds(t.created_at()), std::string_view(t.number()));
    };
    return key(a) < key(b);
}

QVariant QueueModel::data(const QModelIndex& index, int role) const {
    const v1::Ticket* t = ticket(index.row());
    if (t == nullptr) return {};
    const qint64 now_s = now().toSecsSinceEpoch();
    const qint64 age = now_s - seconds_of(t->created_at());
    switch (role) {
        case Qt::DisplayRole:
            // Text from users and machines goes out as QString data: the table draws it as plain text.
            switch (index.column()) {
                case Number: return QString::fromStdString(t->number());
                case Priority: return priority_text(t->priority());
                case Subject: return QString::fromStdString(t->subject());
                case Status: return status_text(t->status());
                case Sla: return queue_sla_text(*t, now_s);
                case Group: return t->group().empty() ? QString() : place_text(t->group(), t->tier());
                case Requester: return QString::fromStdString(t->requester().name());
                case Assignee: return t->assignee().empty() ? tr("unassigned") : QString::fromStdString(t->assignee());
                case Age: return age_text(age);
                default: return {};
            }
        case Qt::ToolTipRole:
            if (index.column() == Subject) return QString::fromStdString(t->subject());
            if (index.column() == Sla) {
                QStringList lines{sla_policy_text(t->sla())};
                for (const auto& line : sla_lines(*t, now_s))
                    lines << line.text;
                return t->has_sla() ? lines.join('\n') : tr("No SLA applies");
            }
            return {};
        case Qt::BackgroundRole: {
            const auto colours = cell_colours(*t, index.column(), now_s);
            return colours ? QVariant(QBrush(colours->background)) : QVariant();
        }
        case Qt::ForegroundRole: {
            if (index.column() == Assignee && t->assignee().empty()) return QBrush(quiet_text());
            const auto colours = cell_colours(*t, index.column(), now_s);
            return colours ? QVariant(QBrush(colours->foreground)) : QVariant();
        }
        case Qt::FontRole:
            if (index.column() == Sla && queue_sla_state(*t, now_s) == v1::SLA_BREACHED) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case AssigneeRole: return QString::fromStdString(t->assignee());
        case StatusRole: return static_cast<int>(t->status());
        case SlaStateRole: return static_cast<int>(queue_sla_state(*t, now_s));
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
        case Sla: return tr("SLA");
        case Group: return tr("Group");
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

void QueueFilter::set_groups(std::set<std::string> groups) {
    groups_ = std::move(groups);
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

void QueueFilter::set_category(const QString& category) {
    category_ = category;
    changed();
}

void QueueFilter::set_sla_states(std::set<v1::SlaState> states) {
    sla_states_ = std::move(states);
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
    if (view == View::MyGroups && !groups_.contains(ticket.group())) return false;
    // The relay keeps a category in its configured spelling, and so does the filter's list.
    if (!category_.isEmpty() && QString::fromStdString(ticket.category()) != category_) return false;
    if (!sla_states_.empty()) {
        const auto* queue = qobject_cast<const QueueModel*>(sourceModel());
        const qint64 now_s = (queue != nullptr ? queue->now() : QDateTime::currentDateTimeUtc()).toSecsSinceEpoch();
        if (!sla_states_.contains(queue_sla_state(ticket, now_s))) return false;
    }
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
    const int column = left.column();
    const auto* queue = qobject_cast<const QueueModel*>(sourceModel());
    if (queue != nullptr && (column == QueueModel::Number || column == QueueModel::Priority ||
                             column == QueueModel::Sla || column == QueueModel::Age)) {
        const v1::Ticket* a = queue->ticket(left.row());
        const v1::Ticket* b = queue->ticket(right.row());
        if (a != nullptr && b != nullptr) return QueueModel::queue_before(*a, *b);
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
