// The lead dashboard under Xvfb: the real relay over a data set of the last 30 days seeded into its
// SQLite file, the review window's Dashboard tab with its Qt Charts. Checks the headline figures and
// what each chart holds against the data, for 30 and 7 days and one group, and saves a screenshot
// (screenshots/viewer-dashboard.png in the build directory).
#include "relay/store/sqlite/database.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/qt_wait.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/xvfb_process.hpp"
#include "tests/ui/viewer_test_support.hpp"
#include "viewer/ui/dashboard_view.hpp"
#include "viewer/ui/lead_window.hpp"

#include <gtest/gtest.h>

#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QTabWidget>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>

namespace lifeline::testing {
namespace {

namespace fs = std::filesystem;
using relay::store::sqlite::Connection;
using relay::store::sqlite::Database;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
const char* const kCategories[] = {"printing", "email", "network"};
const char* const kGroups[] = {"desk", "apps", "desk"};

// Day d of the last 30 (0 = 29 days ago, 29 = today, UTC) opens 1 + d % 3 tickets at 08:00, 10:00
// and 12:00: printing (desk), email (apps), network (desk). Each gets a first response after 20 min;
// those of days 0..27 are resolved 2 h after opening, under an SLA met, and the first of each day
// is rated 1 + d % 5 an hour later. Days 28 and 29 stay open.
//   30 days: opened 10 * (1 + 2 + 3) = 60, resolved 60 - 2 - 3 = 55, backlog 5; ratings 28:
//   1, 2, 3 six times each, 4 and 5 five times, average 81 / 28 = 2.89; printing 30, email 20,
//   network 10; the desk group 40.
//   7 days (23..29): opened 3 + 1 + 2 + 3 + 1 + 2 + 3 = 15.
void seed(const std::string& path, std::int64_t today_ms) {
    Database db(path, false);
    db.write([&](Connection& c) {
        auto insert = c.prepare(
            "INSERT INTO tickets (subject, description, status, priority, urgency, impact, category, grp, assignee, "
            "channel, created_by, created_at, updated_at, resolved_at, first_response_at, sla_state, "
            "satisfaction_rating, satisfaction_at, routed_at) "
            "VALUES (?, '', ?, 3, 2, 2, ?, ?, 'tina', 'phone', 'tina', ?, ?, ?, ?, ?, ?, ?, ?)");
        for (int d = 0; d < 30; ++d) {
            for (int i = 0; i <= d % 3; ++i) {
                const std::int64_t created = today_ms - (29 - d) * kDay + (8 + 2 * i) * kHour;
                const bool resolved = d < 28;
                const bool rated = resolved && i == 0;
                insert.bind(1, "day " + std::to_string(d) + " ticket " + std::to_string(i));
                insert.bind(2, resolved ? 5 : 2);
                insert.bind(3, kCategories[i]);
                insert.bind(4, kGroups[i]);
                insert.bind(5, created);
                insert.bind(6, created + (resolved ? 2 * kHour : kHour / 3));
                insert.bind(7, resolved ? std::optional<std::int64_t>(created + 2 * kHour) : std::nullopt);
                insert.bind(8, created + kHour / 3);
                insert.bind(9, resolved ? 5 : 1);
                insert.bind(10, rated ? std::optional<std::int64_t>(1 + d % 5) : std::nullopt);
                insert.bind(11, rated ? std::optional<std::int64_t>(created + 3 * kHour) : std::nullopt);
                insert.bind(12, created);
                insert.run();
            }
        }
    });
}

// The dashboard asks for days in the viewer's offset; the seeded days are UTC days.
class DashboardScreen : public ViewerScreen {
public:
    DashboardScreen() : ViewerScreen(1500, 950, "viewer_dashboard_test") {}
    void SetUp() override {
        ::setenv("TZ", "UTC", 1);
        ::tzset();
        ViewerScreen::SetUp();
    }
};
const auto* const kScreen = ::testing::AddGlobalTestEnvironment(new DashboardScreen);

QList<QPointF> line_points(QChartView* view, int series) {
    auto all = view->chart()->series();
    if (series >= all.size()) return {};
    auto* line = qobject_cast<QLineSeries*>(all[series]);
    return line ? line->points() : QList<QPointF>{};
}

QList<double> bar_values(QChartView* view, int set) {
    auto all = view->chart()->series();
    if (all.isEmpty()) return {};
    auto* bars = qobject_cast<QAbstractBarSeries*>(all[0]);
    if (!bars || set >= bars->count()) return {};
    QList<double> values;
    for (int i = 0; i < bars->barSets()[set]->count(); ++i)
        values << bars->barSets()[set]->at(i);
    return values;
}

// Category -> value of a bar chart's first set, as drawn (the axis' labels paired with the bars).
std::map<QString, double> bars_by_category(QChartView* view) {
    std::map<QString, double> out;
    auto all = view->chart()->series();
    auto axes = view->chart()->axes();
    QBarCategoryAxis* categories = nullptr;
    for (auto* axis : axes)
        if (auto* c = qobject_cast<QBarCategoryAxis*>(axis)) categories = c;
    if (all.isEmpty() || !categories) return out;
    auto* bars = qobject_cast<QAbstractBarSeries*>(all[0]);
    if (!bars || bars->count() == 0) return out;
    for (int i = 0; i < categories->count() && i < bars->barSets()[0]->count(); ++i)
        out[categories->at(i)] = bars->barSets()[0]->at(i);
    return out;
}

double sum_y(const QList<QPointF>& points) {
    double total = 0;
    for (const auto& p : points)
        total += p.y();
    return total;
}

TEST(ViewerDashboard, shows_the_reports_as_figures_and_charts) {
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    RelayProcess relay;
    seed(relay.data_dir() + "/lifeline.db", now_ms / kDay * kDay);
    relay.start();
    ApiClient admin(relay.client());
    admin.login("admin", relay.admin_password());
    admin.create_user("lena", v1::LEAD, "lena-password-1", 0);

    viewer::ui::RelayClient client;
    QObject receiver;
    bool signed_in = false;
    std::string sign_in_error;
    client.run<bool>(
        &receiver,
        [&] {
            viewer::RelayEndpoint endpoint{"127.0.0.1", relay.port(), {}};
            endpoint.tls.ca_file = relay.ca_file();
            auto api = viewer::RelayApi::create(endpoint);
            if (!api) {
                sign_in_error = api.error().message;
                return false;
            }
            auto login = api->sign_in("lena", "lena-password-1");
            if (!login) {
                sign_in_error = login.error().message;
                return false;
            }
            client.adopt(std::move(*api));
            return true;
        },
        [&](bool ok) { signed_in = ok; });
    ASSERT_TRUE(wait_until([&] { return signed_in; })) << sign_in_error;

    auto* review = new viewer::ui::LeadWindow(client, true);
    auto* dashboard = review->dashboard();
    ASSERT_NE(dashboard, nullptr);
    int loads = 0;
    QString failure;
    QObject::connect(dashboard, &viewer::ui::DashboardView::loaded, [&] { ++loads; });
    QObject::connect(dashboard, &viewer::ui::DashboardView::failed, [&](const QString& why) { failure = why; });
    review->resize(1480, 930);
    review->tabs()->setCurrentWidget(dashboard);
    review->show();
    ASSERT_TRUE(wait_until([&] { return loads == 1 || !failure.isEmpty(); }, std::chrono::seconds(30)));
    ASSERT_TRUE(failure.isEmpty()) << failure.toStdString();

    auto figure = [&](const char* label) {
        auto* shown = dashboard->figure(label);
        return shown ? shown->text().toStdString() : std::string("(no figure)");
    };
    EXPECT_EQ(figure("Opened"), "60");
    EXPECT_EQ(figure("Resolved"), "55");
    EXPECT_EQ(figure("Backlog"), "5");
    EXPECT_EQ(figure("Median first response"), "20 min");
    EXPECT_EQ(figure("Median resolution"), "2.0 h");
    EXPECT_EQ(figure("SLA compliance"), "100.0 %");
    EXPECT_EQ(figure("Escalations"), "0");
    EXPECT_EQ(figure("Reopen rate"), "0.0 %");
    EXPECT_EQ(figure("Satisfaction"), "2.89 / 5 (28)");

    const auto opened = line_points(dashboard->chart("tickets"), 0);
    ASSERT_EQ(opened.size(), 30);
    EXPECT_EQ(sum_y(opened), 60);
    EXPECT_EQ(opened.back().y(), 3);  // today: day 29 opens 1 + 29 % 3
    EXPECT_EQ(sum_y(line_points(dashboard->chart("tickets"), 1)), 55);
    const auto backlog = line_points(dashboard->chart("backlog"), 0);
    ASSERT_EQ(backlog.size(), 30);
    EXPECT_EQ(backlog.back().y(), 5);
    EXPECT_EQ(line_points(dashboard->chart("sla"), 0).size(), 28);  // days with resolutions
    EXPECT_EQ(bar_values(dashboard->chart("satisfaction"), 0), (QList<double>{6, 6, 6, 5, 5}));
    const auto categories = bars_by_category(dashboard->chart("categories"));
    EXPECT_EQ(categories, (std::map<QString, double>{{"printing", 30}, {"email", 20}, {"network", 10}}));
    // Most first from the top: Qt draws the first category at the bottom.
    auto* axis = qobject_cast<QBarCategoryAxis*>(dashboard->chart("categories")->chart()->axes(Qt::Vertical).value(0));
    ASSERT_NE(axis, nullptr);
    EXPECT_EQ(axis->categories(), (QStringList{"network", "email", "printing"}));
    const auto hours = bar_values(dashboard->chart("durations"), 1);  // resolution, P1..P4
    ASSERT_EQ(hours.size(), 4);
    EXPECT_EQ(hours[2], 2);  // every ticket is P3

    fs::create_directories("screenshots");
    const fs::path shot = fs::absolute("screenshots/viewer-dashboard.png");
    EXPECT_TRUE(review->grab().save(QString::fromStdString(shot.string()))) << shot;

    // The last 7 days, then one group.
    dashboard->range()->setCurrentIndex(0);
    ASSERT_TRUE(wait_until([&] { return loads == 2; }, std::chrono::seconds(30))) << failure.toStdString();
    EXPECT_EQ(line_points(dashboard->chart("tickets"), 0).size(), 7);
    EXPECT_EQ(figure("Opened"), "15");
    dashboard->group()->setText("desk");
    dashboard->range()->setCurrentIndex(1);  // asks again, with the group
    ASSERT_TRUE(wait_until([&] { return loads == 3; }, std::chrono::seconds(30))) << failure.toStdString();
    EXPECT_EQ(figure("Opened"), "40");
    EXPECT_EQ(bars_by_category(dashboard->chart("categories")),
              (std::map<QString, double>{{"printing", 30}, {"network", 10}}));

    // A group name the relay refuses is an error on the status line, not a crash or a modal box.
    dashboard->group()->setText("desk\x01");
    dashboard->refresh();
    ASSERT_TRUE(wait_until([&] { return !failure.isEmpty(); }, std::chrono::seconds(30)));
    EXPECT_TRUE(dashboard->status_label()->text().contains("group")) << dashboard->status_label()->text().toStdString();
    EXPECT_EQ(figure("Opened"), "40");  // the last figures stay

    delete review;
}

}  // namespace
}  // namespace lifeline::testing
