#include "viewer/ui/dashboard_view.hpp"

#include "viewer/models/report_charts.hpp"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDate>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QTimeZone>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <optional>

namespace lifeline::viewer::ui {

namespace {

// The dashboard's reports, in the order they are asked for.
constexpr const char* kReports[] = {"summary",         "tickets", "backlog",      "response_time",
                                    "resolution_time", "sla",     "satisfaction", "top_categories"};

const std::pair<const char*, int> kRanges[] = {
    {QT_TRANSLATE_NOOP("DashboardView", "Last 7 days"), 7},
    {QT_TRANSLATE_NOOP("DashboardView", "Last 30 days"), 30},
    {QT_TRANSLATE_NOOP("DashboardView", "Last 90 days"), 90},
    {QT_TRANSLATE_NOOP("DashboardView", "Last 365 days"), 365},
};

QChart* new_chart(const QString& title) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    return chart;
}

QChart* line_chart(const QString& title, const QList<models::DayLine>& lines, std::optional<double> y_max) {
    auto* chart = new_chart(title);
    auto* x = new QDateTimeAxis;
    x->setFormat("d MMM");
    x->setTickCount(6);
    auto* y = new QValueAxis;
    y->setLabelFormat("%.0f");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double top = 0;
    std::optional<double> first, last;
    for (const auto& line : lines) {
        auto* series = new QLineSeries;
        series->setName(line.name);
        series->append(line.points);
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
        for (const auto& point : line.points)
            top = std::max(top, point.y());
        if (!line.points.isEmpty()) {
            first = std::min(first.value_or(line.points.front().x()), line.points.front().x());
            last = std::max(last.value_or(line.points.back().x()), line.points.back().x());
        }
    }
    if (first && last && *last > *first) {
        x->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*first), QTimeZone::utc()),
                    QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*last), QTimeZone::utc()));
    }
    y->setRange(0, y_max.value_or(std::max(1.0, top * 1.1)));
    y->applyNiceNumbers();
    if (lines.size() < 2) chart->legend()->hide();
    return chart;
}

QChart* bar_chart(const QString& title, const models::Bars& bars, bool horizontal) {
    auto* chart = new_chart(title);
    QAbstractBarSeries* series = horizontal ? static_cast<QAbstractBarSeries*>(new QHorizontalBarSeries)
                                            : static_cast<QAbstractBarSeries*>(new QBarSeries);
    // Most first from the top of a horizontal chart: Qt draws the first category at the bottom.
    auto in_order = [horizontal](auto list) {
        if (horizontal) std::reverse(list.begin(), list.end());
        return list;
    };
    double top = 0;
    for (const auto& set : bars.sets) {
        auto* bar_set = new QBarSet(set.name);
        for (double value : in_order(set.values)) {
            *bar_set << value;
            top = std::max(top, value);
        }
        series->append(bar_set);
    }
    chart->addSeries(series);
    auto* categories = new QBarCategoryAxis;
    categories->append(in_order(bars.categories));
    auto* values = new QValueAxis;
    values->setRange(0, std::max(1.0, top * 1.1));
    values->applyNiceNumbers();
    values->setLabelFormat("%.0f");
    chart->addAxis(categories, horizontal ? Qt::AlignLeft : Qt::AlignBottom);
    chart->addAxis(values, horizontal ? Qt::AlignBottom : Qt::AlignLeft);
    series->attachAxis(categories);
    series->attachAxis(values);
    if (bars.sets.size() < 2) chart->legend()->hide();
    return chart;
}

void replace_chart(QChartView* view, QChart* chart) {
    QChart* old = view->chart();
    view->setChart(chart);
    delete old;
}

}  // namespace

DashboardView::DashboardView(RelayClient& client, QWidget* parent) : QWidget(parent), client_(client) {
    range_ = new QComboBox;
    range_->setObjectName("dashboard-range");
    for (const auto& [label, days] : kRanges)
        range_->addItem(tr(label), days);
    range_->setCurrentIndex(1);
    group_ = new QLineEdit;
    group_->setObjectName("dashboard-group");
    group_->setPlaceholderText(tr("all groups"));
    group_->setClearButtonEnabled(true);
    group_->setMaxLength(64);
    auto* show = new QPushButton(tr("Sh&ow"));
    status_ = new QLabel;
    status_->setTextFormat(Qt::PlainText);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Range:")));
    controls->addWidget(range_);
    controls->addWidget(new QLabel(tr("Group:")));
    controls->addWidget(group_);
    controls->addWidget(show);
    controls->addWidget(status_, 1);

    // The headline: label over value, five to a row.
    auto* figures = new QGridLayout;
    const auto labels = models::headline(v1::SummaryReport{});
    for (int i = 0; i < labels.size(); ++i) {
        auto* name = new QLabel(labels[i].first);
        name->setTextFormat(Qt::PlainText);
        auto* value = new QLabel(QString::fromUtf8("–"));
        value->setTextFormat(Qt::PlainText);
        value->setObjectName("figure");
        QFont big = value->font();
        big.setPointSizeF(big.pointSizeF() * 1.6);
        big.setBold(true);
        value->setFont(big);
        figures->addWidget(name, (i / 5) * 2, i % 5);
        figures->addWidget(value, (i / 5) * 2 + 1, i % 5);
        figures_[labels[i].first] = value;
    }

    auto* grid = new QGridLayout;
    const QString names[] = {"tickets", "backlog", "durations", "sla", "satisfaction", "categories"};
    for (int i = 0; i < 6; ++i) {
        auto* view = new QChartView(new_chart(QString()));
        view->setObjectName("chart-" + names[i]);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumSize(360, 220);
        grid->addWidget(view, i / 3, i % 3);
        charts_[names[i]] = view;
    }

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(figures);
    layout->addLayout(grid, 1);

    connect(show, &QPushButton::clicked, this, &DashboardView::refresh);
    connect(group_, &QLineEdit::returnPressed, this, &DashboardView::refresh);
    connect(range_, &QComboBox::currentIndexChanged, this, &DashboardView::refresh);
}

QChartView* DashboardView::chart(const QString& name) const {
    auto it = charts_.find(name);
    return it == charts_.end() ? nullptr : it->second;
}

QLabel* DashboardView::figure(const QString& label) const {
    auto it = figures_.find(label);
    return it == figures_.end() ? nullptr : it->second;
}

void DashboardView::refresh() {
    const int generation = ++generation_;
    const std::string query =
        models::dashboard_query(range_->currentData().toInt(), QDate::currentDate().toString(Qt::ISODate).toStdString(),
                                QDateTime::currentDateTime().offsetFromUtc(), group_->text());
    reports_.clear();
    failed_ = false;
    pending_ = static_cast<int>(std::size(kReports));
    show_status(tr("Loading…"), false);
    for (const char* name : kReports) {
        const std::string report = name;
        client_.call<v1::Report>(
            this, [report, query](RelayApi& api) { return api.report(report, query); },
            [this, generation, report](core::Result<v1::Report> answer) {
                if (generation != generation_) return;  // a newer refresh is under way
                --pending_;
                if (!answer) {
                    if (!failed_) {
                        failed_ = true;
                        const QString why = QString::fromStdString(report + ": " + answer.error().message);
                        show_status(why, true);
                        emit failed(why);
                    }
                    return;
                }
                reports_[report] = std::move(*answer);
                if (pending_ == 0 && !failed_) show_reports();
            });
    }
}

void DashboardView::show_reports() {
    const auto& summary = reports_["summary"].summary();
    for (const auto& [label, value] : models::headline(summary)) {
        if (auto* shown = figure(label)) shown->setText(value);
    }
    replace_chart(chart("tickets"),
                  line_chart(tr("Tickets per day"), models::ticket_lines(reports_["tickets"].tickets()), {}));
    replace_chart(chart("backlog"),
                  line_chart(tr("Backlog"), {models::backlog_line(reports_["backlog"].backlog())}, {}));
    replace_chart(chart("durations"), bar_chart(tr("Median hours by priority"),
                                                models::median_hours(reports_["response_time"].response_time(),
                                                                     reports_["resolution_time"].resolution_time()),
                                                false));
    replace_chart(chart("sla"), line_chart(tr("SLA compliance %"), {models::sla_line(reports_["sla"].sla())}, 100.0));
    replace_chart(chart("satisfaction"),
                  bar_chart(tr("Satisfaction (%1 ratings)").arg(reports_["satisfaction"].satisfaction().ratings()),
                            models::rating_bars(reports_["satisfaction"].satisfaction()), false));
    replace_chart(
        chart("categories"),
        bar_chart(tr("Top categories"), models::category_bars(reports_["top_categories"].top_categories()), true));
    const auto& scope = reports_["summary"].scope();
    show_status(
        tr("%1 days from %2%3")
            .arg(scope.days())
            .arg(QString::fromStdString(reports_["tickets"].tickets().days_size() > 0
                                            ? reports_["tickets"].tickets().days(0).date()
                                            : std::string()))
            .arg(scope.group().empty() ? QString() : tr(", group %1").arg(QString::fromStdString(scope.group()))),
        false);
    emit loaded();
}

void DashboardView::show_status(const QString& message, bool error) {
    status_->setText(message);
    status_->setStyleSheet(error ? "color: #b00020;" : QString());
}

}  // namespace lifeline::viewer::ui
