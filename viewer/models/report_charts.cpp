#include "viewer/models/report_charts.hpp"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QTimeZone>
#include <QUrl>

#include <cmath>
#include <cstdlib>

namespace lifeline::viewer::models {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("Dashboard", text); }

QString q(const std::string& text) { return QString::fromStdString(text); }

QString priority_label(v1::Priority priority) { return q(v1::Priority_Name(priority)); }

double hours(const v1::DurationStats& stats) {
    return stats.has_median_seconds() ? stats.median_seconds() / 3600.0 : 0.0;
}

QString number(double value, int decimals) { return QString::number(value, 'f', decimals); }

}  // namespace

qint64 date_ms(const std::string& date) {
    const QDate day = QDate::fromString(q(date), Qt::ISODate);
    if (!day.isValid()) return -1;
    return QDateTime(day, QTime(0, 0), QTimeZone::utc()).toMSecsSinceEpoch();
}

std::string dashboard_query(int days, const std::string& today, int offset_seconds, const QString& group) {
    const QDate last = QDate::fromString(q(today), Qt::ISODate);
    const QDate first = last.addDays(1 - days);
    const int minutes = std::abs(offset_seconds) / 60;
    // '+' travels as %2B: a plain '+' in a query string means a blank.
    const QString tz = QString(offset_seconds < 0 ? "-" : "%2B") +
                       QString("%1:%2").arg(minutes / 60, 2, 10, QChar('0')).arg(minutes % 60, 2, 10, QChar('0'));
    QString query = "from=" + first.toString(Qt::ISODate) + "&to=" + last.toString(Qt::ISODate) + "&tz=" + tz;
    if (!group.trimmed().isEmpty()) {
        query += "&group=" + QString::fromUtf8(QUrl::toPercentEncoding(group.trimmed()));
    }
    return query.toStdString();
}

QList<DayLine> ticket_lines(const v1::TicketsReport& tickets) {
    DayLine opened{tr("Opened"), {}}, resolved{tr("Resolved"), {}};
    for (const auto& day : tickets.days()) {
        const auto x = static_cast<double>(date_ms(day.date()));
        opened.points.append({x, static_cast<double>(day.opened())});
        resolved.points.append({x, static_cast<double>(day.resolved())});
    }
    return {opened, resolved};
}

DayLine backlog_line(const v1::BacklogReport& backlog) {
    DayLine line{tr("Open at the end of the day"), {}};
    for (const auto& day : backlog.days())
        line.points.append({static_cast<double>(date_ms(day.date())), static_cast<double>(day.open())});
    return line;
}

DayLine sla_line(const v1::SlaReport& sla) {
    DayLine line{tr("SLA compliance %"), {}};
    for (const auto& day : sla.days()) {
        if (day.has_compliance_percent()) {
            line.points.append({static_cast<double>(date_ms(day.date())), day.compliance_percent()});
        }
    }
    return line;
}

Bars median_hours(const v1::DurationReport& response, const v1::DurationReport& resolution) {
    Bars bars;
    BarSet first{tr("First response"), {}}, resolved{tr("Resolution"), {}};
    for (int i = 0; i < response.by_priority_size() && i < resolution.by_priority_size(); ++i) {
        bars.categories << priority_label(response.by_priority(i).priority());
        first.values << hours(response.by_priority(i).stats());
        resolved.values << hours(resolution.by_priority(i).stats());
    }
    bars.sets = {first, resolved};
    return bars;
}

Bars rating_bars(const v1::SatisfactionReport& satisfaction) {
    Bars bars;
    BarSet ratings{tr("Ratings"), {}};
    for (const auto& rating : satisfaction.distribution()) {
        bars.categories << QString("%1 ★").arg(rating.rating());
        ratings.values << static_cast<double>(rating.count());
    }
    bars.sets = {ratings};
    return bars;
}

Bars category_bars(const v1::TopCategoriesReport& categories) {
    Bars bars;
    BarSet tickets{tr("Tickets"), {}};
    for (const auto& category : categories.categories()) {
        bars.categories << (category.category().empty() ? tr("(none)") : q(category.category()));
        tickets.values << static_cast<double>(category.tickets());
    }
    bars.sets = {tickets};
    return bars;
}

QString duration_text(std::optional<double> seconds) {
    if (!seconds) return QString::fromUtf8("–");
    const double s = *seconds;
    if (s < 90) return QString("%1 s").arg(std::lround(s));
    if (s < 90 * 60) return QString("%1 min").arg(std::lround(s / 60));
    if (s < 36 * 3600) return QString("%1 h").arg(number(s / 3600, 1));
    return QString("%1 d").arg(number(s / 86400, 1));
}

QList<QPair<QString, QString>> headline(const v1::SummaryReport& s) {
    auto optional = [](bool present, double value) { return present ? std::optional<double>(value) : std::nullopt; };
    auto percent = [](bool present, double value) {
        return present ? QString("%1 %").arg(number(value, 1)) : QString::fromUtf8("–");
    };
    return {
        {tr("Opened"), QString::number(s.opened())},
        {tr("Resolved"), QString::number(s.resolved())},
        {tr("Backlog"), QString::number(s.backlog())},
        {tr("Median first response"),
         duration_text(optional(s.has_median_response_seconds(), s.median_response_seconds()))},
        {tr("Median resolution"),
         duration_text(optional(s.has_median_resolution_seconds(), s.median_resolution_seconds()))},
        {tr("SLA compliance"), percent(s.has_sla_compliance_percent(), s.sla_compliance_percent())},
        {tr("Escalations"), QString::number(s.escalations())},
        {tr("Reopen rate"), percent(s.has_reopen_rate_percent(), s.reopen_rate_percent())},
        {tr("Remote sessions"), QString("%1 (%2 min)").arg(s.sessions()).arg(number(s.session_minutes(), 0))},
        {tr("Satisfaction"), s.has_satisfaction_average()
                                 ? QString("%1 / 5 (%2)").arg(number(s.satisfaction_average(), 2)).arg(s.ratings())
                                 : QString::fromUtf8("–")},
    };
}

}  // namespace lifeline::viewer::models
