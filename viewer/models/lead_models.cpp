#include "viewer/models/lead_models.hpp"

#include "viewer/models/ticket_text.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <QBrush>
#include <QColor>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <map>

namespace lifeline::viewer::models {

using google::protobuf::util::TimeUtil;

namespace {

QString q(const std::string& text) { return QString::fromStdString(text); }

QString value_text(const google::protobuf::Value& value) {
    switch (value.kind_case()) {
        case google::protobuf::Value::kStringValue: return q(value.string_value());
        case google::protobuf::Value::kBoolValue: return value.bool_value() ? "true" : "false";
        case google::protobuf::Value::kNumberValue: {
            const double number = value.number_value();
            if (std::trunc(number) == number && std::abs(number) < 1e15) {
                return QString::number(static_cast<qint64>(number));
            }
            return QString::number(number);
        }
        case google::protobuf::Value::kNullValue: return "null";
        default: {
            std::string json;
            (void)google::protobuf::util::MessageToJsonString(value, &json);
            return q(json);
        }
    }
}

std::string detail(const v1::AuditEntry& entry, const std::string& key) {
    const auto& fields = entry.details().fields();
    auto found = fields.find(key);
    if (found == fields.end()) return {};
    return value_text(found->second).toStdString();
}

// The audit log's "mode" detail, as the relay writes it: "control" or "view".
QString mode_text(const std::string& mode) {
    return QString::fromStdString(mode).compare("control", Qt::CaseInsensitive) == 0 ? SessionListModel::tr("control")
                                                                                     : SessionListModel::tr("view");
}

QString mark_label(const v1::AuditEntry& entry) {
    const std::string& action = entry.action();
    const QString reason = q(detail(entry, "reason"));
    if (action == "session.requested") {
        return SessionListModel::tr("%1 asked to %2")
            .arg(q(detail(entry, "technicianName")), mode_text(detail(entry, "mode")));
    }
    if (action == "session.consented") return SessionListModel::tr("The user allowed it");
    if (action == "session.denied") return SessionListModel::tr("The user said no");
    if (action == "session.started") return SessionListModel::tr("Screen sharing started");
    if (action == "session.upgrade_requested") return SessionListModel::tr("Control asked for");
    if (action == "session.upgraded") return SessionListModel::tr("The user granted control");
    if (action == "session.upgrade_denied") return SessionListModel::tr("The user refused control");
    if (action == "session.clipboard") {
        const bool to_machine = detail(entry, "direction") == "to_machine";
        const QString bytes = format_bytes(QString::fromStdString(detail(entry, "bytes")).toLongLong());
        return to_machine ? SessionListModel::tr("Clipboard to the machine (%1)").arg(bytes)
                          : SessionListModel::tr("Clipboard to the technician (%1)").arg(bytes);
    }
    if (action == "chat.message") {
        return detail(entry, "from") == "user" ? SessionListModel::tr("Chat from the user")
                                               : SessionListModel::tr("Chat from %1").arg(q(entry.actor()));
    }
    if (action == "session.ended") return SessionListModel::tr("Ended: %1").arg(reason);
    if (action == "session.failed") return SessionListModel::tr("Failed: %1").arg(reason);
    return q(action);
}

QString state_text(v1::Session::State state) {
    switch (state) {
        case v1::Session::REQUESTED: return SessionListModel::tr("Waiting for consent");
        case v1::Session::DENIED: return SessionListModel::tr("Denied");
        case v1::Session::ACTIVE: return SessionListModel::tr("Active");
        case v1::Session::ENDED: return SessionListModel::tr("Ended");
        case v1::Session::FAILED: return SessionListModel::tr("Failed");
        default: return {};
    }
}

}  // namespace

// ---------------------------------------------------------------- audit

AuditModel::AuditModel(QObject* parent) : QAbstractTableModel(parent) {}

void AuditModel::reset(v1::AuditPage page) {
    beginResetModel();
    entries_.assign(page.mutable_entries()->begin(), page.mutable_entries()->end());
    next_cursor_ = q(page.next_cursor());
    endResetModel();
}

void AuditModel::append(v1::AuditPage page) {
    if (page.entries_size() > 0) {
        const int first = static_cast<int>(entries_.size());
        beginInsertRows({}, first, first + page.entries_size() - 1);
        for (auto& e : *page.mutable_entries())
            entries_.push_back(std::move(e));
        endInsertRows();
    }
    next_cursor_ = q(page.next_cursor());
}

const v1::AuditEntry* AuditModel::entry(int row) const {
    return row >= 0 && row < static_cast<int>(entries_.size()) ? &entries_[static_cast<std::size_t>(row)] : nullptr;
}

int AuditModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int AuditModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString AuditModel::details_text(const v1::AuditEntry& entry) {
    // Keys sorted, so the same row always reads the same.
    std::map<std::string, QString> sorted;
    for (const auto& [key, value] : entry.details().fields())
        sorted.emplace(key, value_text(value));
    QStringList parts;
    for (const auto& [key, value] : sorted)
        parts << q(key) + "=" + value;
    return parts.join(", ");
}

QVariant AuditModel::data(const QModelIndex& index, int role) const {
    const auto* e = entry(index.row());
    if (e == nullptr) return {};
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
            case Seq: return QString::number(e->seq());
            case Time: return format_time(e->at());
            case Actor: return q(e->actor());
            case Action: return q(e->action());
            case Ticket: return q(e->ticket_number());
            case Session: return q(e->session_id());
            case Details: return details_text(*e);
            default: return {};
        }
    }
    if (role == Qt::ForegroundRole && (e->action() == "auth.login_failed" || e->action() == "session.denied")) {
        return QBrush(QColor(0xb0, 0x00, 0x20));
    }
    return {};
}

QVariant AuditModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Seq: return tr("#");
        case Time: return tr("When");
        case Actor: return tr("Who");
        case Action: return tr("What");
        case Ticket: return tr("Ticket");
        case Session: return tr("Session");
        case Details: return tr("Details");
        default: return {};
    }
}

// ---------------------------------------------------------------- sessions

SessionListModel::SessionListModel(QObject* parent) : QAbstractTableModel(parent) {}

void SessionListModel::reset(v1::SessionList list) {
    beginResetModel();
    sessions_.assign(list.mutable_sessions()->begin(), list.mutable_sessions()->end());
    next_cursor_ = q(list.next_cursor());
    endResetModel();
}

void SessionListModel::append(v1::SessionList list) {
    if (list.sessions_size() > 0) {
        const int first = static_cast<int>(sessions_.size());
        beginInsertRows({}, first, first + list.sessions_size() - 1);
        for (auto& s : *list.mutable_sessions())
            sessions_.push_back(std::move(s));
        endInsertRows();
    }
    next_cursor_ = q(list.next_cursor());
}

const v1::Session* SessionListModel::session(int row) const {
    return row >= 0 && row < static_cast<int>(sessions_.size()) ? &sessions_[static_cast<std::size_t>(row)] : nullptr;
}

int SessionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(sessions_.size());
}

int SessionListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

qint64 SessionListModel::duration_ms(const v1::Session& session) {
    if (!session.has_started_at() || !session.has_ended_at()) return 0;
    return std::max<qint64>(0, TimeUtil::TimestampToMilliseconds(session.ended_at()) -
                                   TimeUtil::TimestampToMilliseconds(session.started_at()));
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const {
    const auto* s = session(index.row());
    if (s == nullptr) return {};
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Requested: return format_time(s->requested_at());
            case Technician:
                return s->technician_name().empty() ? q(s->technician())
                                                    : q(s->technician_name()) + " (" + q(s->technician()) + ")";
            case Ticket: return q(s->ticket_number());
            case Machine: return s->device_hostname().empty() ? q(s->device_id()) : q(s->device_hostname());
            case Mode: return s->mode() == v1::CONTROL ? tr("Control") : tr("View");
            case State: return state_text(s->state());
            case Duration: {
                const qint64 ms = duration_ms(*s);
                return ms > 0 ? clock_text(static_cast<std::uint32_t>(std::min<qint64>(ms, UINT32_MAX))) : QString();
            }
            case EndedBy:
                return s->ended_by().empty() ? QString() : ended_by_text(s->ended_by()) + ": " + q(s->end_reason());
            case Recording: return s->recording().empty() ? tr("none") : format_bytes(s->recording_bytes());
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Machine) return tr("Device %1").arg(q(s->device_id()));
    if (role == Qt::ToolTipRole && index.column() == Recording && !s->recording_sha256().empty()) {
        return tr("SHA-256 %1").arg(q(s->recording_sha256()));
    }
    return {};
}

QVariant SessionListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Requested: return tr("Asked");
        case Technician: return tr("Technician");
        case Ticket: return tr("Ticket");
        case Machine: return tr("Machine");
        case Mode: return tr("Mode");
        case State: return tr("State");
        case Duration: return tr("Duration");
        case EndedBy: return tr("Ended by");
        case Recording: return tr("Recording");
        default: return {};
    }
}

// ---------------------------------------------------------------- playback marks

std::vector<PlaybackMark> playback_marks(const v1::AuditPage& session_rows, std::int64_t recording_start_unix_ms,
                                         std::uint32_t duration_ms) {
    // Oldest row first, so marks at the same millisecond keep the order they happened in.
    std::vector<const v1::AuditEntry*> rows;
    for (const auto& entry : session_rows.entries())
        rows.push_back(&entry);
    std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) { return a->seq() < b->seq(); });
    std::vector<PlaybackMark> marks;
    for (const auto* row : rows) {
        const v1::AuditEntry& entry = *row;
        if (entry.action() == "recording.finished" || entry.action() == "recording.deleted") continue;
        const std::int64_t at = TimeUtil::TimestampToMilliseconds(entry.at()) - recording_start_unix_ms;
        const auto offset = static_cast<std::uint32_t>(std::clamp<std::int64_t>(at, 0, duration_ms));
        marks.push_back({offset, mark_label(entry)});
    }
    std::stable_sort(marks.begin(), marks.end(),
                     [](const PlaybackMark& a, const PlaybackMark& b) { return a.offset_ms < b.offset_ms; });
    return marks;
}

QString clock_text(std::uint32_t ms) {
    const std::uint32_t total = ms / 1000;
    const std::uint32_t hours = total / 3600, minutes = total / 60 % 60, seconds = total % 60;
    if (hours > 0) {
        return QString("%1:%2:%3").arg(hours).arg(minutes, 2, 10, QChar('0')).arg(seconds, 2, 10, QChar('0'));
    }
    return QString("%1:%2").arg(minutes, 2, 10, QChar('0')).arg(seconds, 2, 10, QChar('0'));
}

std::string url_query(const std::vector<std::pair<QString, QString>>& parameters) {
    QByteArray query;
    for (const auto& [key, value] : parameters) {
        if (value.isEmpty()) continue;
        if (!query.isEmpty()) query += '&';
        query += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return query.toStdString();
}

}  // namespace lifeline::viewer::models
