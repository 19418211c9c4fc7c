// The lead's dashboard (a tab of the review window): the summary's headline figures and charts of the
// relay's reports (Qt Charts) over the last 7, 30, 90 or 365 days, for all groups or one. The reports
// load on the RelayClient's worker, one call each, in order; the charts change only once all of a
// refresh have arrived, and a result of an older refresh is dropped.
#pragma once

#include "reports.pb.h"
#include "viewer/ui/relay_client.hpp"

#include <QWidget>

#include <map>
#include <string>

class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;

namespace lifeline::viewer::ui {

class DashboardView : public QWidget {
    Q_OBJECT
public:
    explicit DashboardView(RelayClient& client, QWidget* parent = nullptr);

    // Asks for the reports again with the range and group chosen.
    void refresh();

    // "tickets", "backlog", "durations", "sla", "satisfaction", "categories".
    QChartView* chart(const QString& name) const;
    // The value shown beside a headline label ("Opened", "Median first response", ...); nullptr if none.
    QLabel* figure(const QString& label) const;
    QComboBox* range() const { return range_; }
    QLineEdit* group() const { return group_; }
    QLabel* status_label() const { return status_; }

signals:
    void loaded();                    // every report of a refresh arrived and is shown
    void failed(const QString& why);  // a report did not come; the status line says which

private:
    void show_reports();
    void show_status(const QString& message, bool error);

    RelayClient& client_;
    QComboBox* range_ = nullptr;
    QLineEdit* group_ = nullptr;
    QLabel* status_ = nullptr;
    std::map<QString, QChartView*> charts_;
    std::map<QString, QLabel*> figures_;
    std::map<std::string, v1::Report> reports_;
    int pending_ = 0;
    int generation_ = 0;
    bool failed_ = false;
};

}  // namespace lifeline::viewer::ui
