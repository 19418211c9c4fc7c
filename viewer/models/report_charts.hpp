// The lead dashboard's figures as chart data: a point per day, bars per priority, rating or category,
// and the summary's headline texts. Plain functions over the relay's reports (reports.proto), so
// what the charts show is tested without a display; ui/dashboard_view only draws it.
#pragma once

#include "reports.pb.h"

#include <QList>
#include <QPair>
#include <QPointF>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>

namespace lifeline::viewer::models {

// A line: x is the day's date at 00:00 UTC in ms since the epoch (a QDateTimeAxis shows it as the
// report's own date), y the value. Days without a value are left out (a gap, not a zero).
struct DayLine {
    QString name;
    QList<QPointF> points;
};

struct BarSet {
    QString name;
    QList<double> values;  // one per category
};

struct Bars {
    QStringList categories;
    QList<BarSet> sets;
};

// "2026-11-23" -> its 00:00 UTC in ms; -1 when it is not a date.
qint64 date_ms(const std::string& date);

// The reports' query for the last `days` days ending today (`today` as YYYY-MM-DD, in the viewer's
// UTC offset of `offset_seconds`), optionally one group: "from=...&to=...&tz=%2B01:00&group=desk".
std::string dashboard_query(int days, const std::string& today, int offset_seconds, const QString& group);

QList<DayLine> ticket_lines(const v1::TicketsReport& tickets);  // opened, resolved
DayLine backlog_line(const v1::BacklogReport& backlog);
DayLine sla_line(const v1::SlaReport& sla);  // compliance %, days with resolutions only
// Median first response and resolution per priority, in hours (0 where there were none).
Bars median_hours(const v1::DurationReport& response, const v1::DurationReport& resolution);
Bars rating_bars(const v1::SatisfactionReport& satisfaction);               // 1..5 stars: count
Bars category_bars(const v1::TopCategoriesReport& categories);              // most first
QList<QPair<QString, QString>> headline(const v1::SummaryReport& summary);  // label, value

// "–" when absent; "45 s", "21 min", "3.5 h", "2.1 d".
QString duration_text(std::optional<double> seconds);

}  // namespace lifeline::viewer::models
