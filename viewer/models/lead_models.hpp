// The helpdesk lead's screens as plain Qt models: the audit log (page by page, newest first), the
// sessions list, and the marks a recording's timeline shows (consent, upgrades, clipboard, chat).
// No widgets; tested without a display.
#pragma once

#include "lifeline.pb.h"

#include <QAbstractTableModel>
#include <QString>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::viewer::models {

class AuditModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Seq, Time, Actor, Action, Ticket, Session, Details, ColumnCount };

    explicit AuditModel(QObject* parent = nullptr);

    // A fresh first page replaces every row; later pages (the same filters, the previous next_cursor) add to it.
    void reset(v1::AuditPage page);
    void append(v1::AuditPage page);
    const QString& next_cursor() const { return next_cursor_; }
    const v1::AuditEntry* entry(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // The details object as one line: "reason=the user denied, mode=CONTROL" (keys sorted).
    static QString details_text(const v1::AuditEntry& entry);

private:
    std::vector<v1::AuditEntry> entries_;
    QString next_cursor_;
};

class SessionListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Requested, Technician, Ticket, Machine, Mode, State, Duration, EndedBy, Recording, ColumnCount };

    explicit SessionListModel(QObject* parent = nullptr);

    void reset(v1::SessionList list);
    void append(v1::SessionList list);
    const QString& next_cursor() const { return next_cursor_; }
    const v1::Session* session(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // From both sockets connected to the end; 0 for a session that never started.
    static qint64 duration_ms(const v1::Session& session);

private:
    std::vector<v1::Session> sessions_;
    QString next_cursor_;
};

// A moment of a session worth finding on its recording's timeline.
struct PlaybackMark {
    std::uint32_t offset_ms = 0;  // from the recording's start
    QString label;                // "Control granted", "Clipboard to the machine (12 B)", ...
};

// The session's audit rows (any order) as marks on a recording that began at `recording_start_unix_ms` and lasts
// `duration_ms`, in time order. Rows before the recording are placed at 0, after it at its end.
std::vector<PlaybackMark> playback_marks(const v1::AuditPage& session_rows, std::int64_t recording_start_unix_ms,
                                         std::uint32_t duration_ms);

// "01:05", "1:02:03": a position on a timeline.
QString clock_text(std::uint32_t ms);

// "a=1&b=x%26y": URL parameters with every value percent-encoded; empty values are left out.
std::string url_query(const std::vector<std::pair<QString, QString>>& parameters);

}  // namespace lifeline::viewer::models
