// The queue's model and filter without a display: the relay's order (priority, then due time, then
// age), the four views and their counts, status, category, SLA and text filters, live upserts, the SLA
// column's text and colours from a fixed clock, and text kept as it is.
#include "viewer/models/queue_model.hpp"
#include "viewer/models/workflow_text.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <QBrush>
#include <QFont>

#include <cstdio>
#include <optional>

namespace lifeline::viewer::models {
namespace {

using google::protobuf::util::TimeUtil;
using View = QueueFilter::View;

v1::Ticket ticket(const std::string& number, v1::Priority priority, std::int64_t created_s,
                  const std::string& assignee = {}, v1::Ticket::Status status = v1::Ticket::NEW) {
    v1::Ticket t;
    t.set_number(number);
    t.set_subject("subject of " + number);
    t.set_priority(priority);
    t.set_status(status);
    t.set_assignee(assignee);
    *t.mutable_created_at() = TimeUtil::SecondsToTimestamp(created_s);
    t.mutable_requester()->set_name("requester " + number);
    return t;
}

std::vector<std::string> shown(const QueueFilter& filter) {
    std::vector<std::string> numbers;
    for (int row = 0; row < filter.rowCount(); ++row)
        numbers.push_back(filter.index(row, QueueModel::Number).data().toString().toStdString());
    return numbers;
}

class QueueModelTest : public ::testing::Test {
protected:
    void SetUp() override {
        filter.setSourceModel(&model);
        filter.set_user("tina");
        filter.sort(QueueModel::Priority);
        model.reset({ticket("LL-000001", v1::P3, 1000, "tina"), ticket("LL-000002", v1::P1, 3000),
                     ticket("LL-000003", v1::P3, 500), ticket("LL-000004", v1::P1, 2000, "tom"),
                     ticket("LL-000005", v1::P2, 100, "tina", v1::Ticket::CLOSED)});
    }
    QueueModel model;
    QueueFilter filter;
};

TEST_F(QueueModelTest, SortsByPriorityThenOldestFirstAndHidesClosedWork) {
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000004", "LL-000002", "LL-000003", "LL-000001"}));
}

TEST_F(QueueModelTest, ViewsAndTheirCounts) {
    EXPECT_EQ(filter.count(View::All), 4);
    EXPECT_EQ(filter.count(View::Mine), 1);
    EXPECT_EQ(filter.count(View::Unassigned), 2);
    filter.set_view(View::Unassigned);
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000002", "LL-000003"}));
    filter.set_view(View::Mine);
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000001"}));
    filter.set_statuses({v1::Ticket::CLOSED});
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000005"}));
    EXPECT_EQ(filter.count(View::All), 1);
}

TEST_F(QueueModelTest, MyGroupsAndTheCategoryFilterWithTheirCounts) {
    auto printer = ticket("LL-000006", v1::P2, 4000);
    printer.set_group("office-it");
    printer.set_tier(2);
    printer.set_category("Printing");
    model.upsert(printer);
    auto vpn = ticket("LL-000007", v1::P3, 4100, "tom");
    vpn.set_group("network");
    vpn.set_category("Network");
    model.upsert(vpn);
    EXPECT_EQ(filter.count(View::MyGroups), 0) << "no groups known yet";
    filter.set_groups({"office-it", "network"});
    EXPECT_EQ(filter.count(View::MyGroups), 2);
    EXPECT_EQ(filter.count(View::All), 6);
    filter.set_view(View::MyGroups);
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000006", "LL-000007"}));
    EXPECT_EQ(model.index(model.row_of("LL-000006"), QueueModel::Group).data().toString(), "office-it/2");
    EXPECT_EQ(model.index(model.row_of("LL-000001"), QueueModel::Group).data().toString(), "");

    filter.set_category("Printing");
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000006"}));
    EXPECT_EQ(filter.count(View::All), 1);
    EXPECT_EQ(filter.count(View::Unassigned), 1);
    EXPECT_EQ(filter.count(View::Mine), 0);
    filter.set_category({});
    EXPECT_EQ(filter.count(View::All), 6);
    EXPECT_EQ(static_cast<int>(View::MyGroups), 3) << "the views' numbers are kept in the settings";
}

TEST_F(QueueModelTest, TextSearchLooksAtNumberSubjectAndRequester) {
    filter.set_text("  requester ll-000003 ");
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000003"}));
    filter.set_text("000004");
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000004"}));
    filter.set_text("nothing like it");
    EXPECT_TRUE(shown(filter).empty());
    EXPECT_EQ(filter.count(View::All), 0);
}

TEST_F(QueueModelTest, UpsertsChangeRowsInPlaceAndAddNewOnes) {
    int counts_changed = 0;
    QObject::connect(&filter, &QueueFilter::counts_changed, [&] { ++counts_changed; });
    auto claimed = ticket("LL-000002", v1::P1, 3000, "tina", v1::Ticket::OPEN);
    claimed.mutable_system_info()->set_hostname("not kept in the queue");
    model.upsert(claimed);
    EXPECT_EQ(model.rowCount(), 5);
    EXPECT_FALSE(model.ticket(model.row_of("LL-000002"))->has_system_info());
    EXPECT_EQ(filter.count(View::Mine), 2);
    model.upsert(ticket("LL-000006", v1::P1, 1500));
    EXPECT_EQ(shown(filter).front(), "LL-000006") << "the oldest P1 leads";
    EXPECT_GT(counts_changed, 0);
}

TEST_F(QueueModelTest, CellsShowTextAsItIsAndColourUrgentWork) {
    auto odd = ticket("LL-000007", v1::P1, 0);
    odd.set_subject("<b>Bold?</b> & <script>");
    model.upsert(odd);
    const int row = model.row_of("LL-000007");
    EXPECT_EQ(model.index(row, QueueModel::Subject).data().toString(), "<b>Bold?</b> & <script>");
    EXPECT_TRUE(model.index(row, 0).data(Qt::BackgroundRole).isValid()) << "P1 stands out";
    EXPECT_FALSE(model.index(model.row_of("LL-000003"), 0).data(Qt::BackgroundRole).isValid());
    EXPECT_EQ(model.index(model.row_of("LL-000003"), QueueModel::Assignee).data().toString(), "unassigned");
    model.set_now(QDateTime::fromSecsSinceEpoch(500 + 3 * 3600));
    EXPECT_EQ(model.index(model.row_of("LL-000003"), QueueModel::Age).data().toString(), "3 h");
    EXPECT_EQ(QueueModel::age_text(59), "0 min");
    EXPECT_EQ(QueueModel::age_text(3 * 86400), "3 d");
}

constexpr qint64 kNow = 1'764'600'000;

v1::Ticket with_sla(v1::Ticket t, v1::SlaState resolution, std::optional<qint64> due_in,
                    v1::SlaState response = v1::SLA_MET) {
    t.mutable_sla()->set_policy(v1::Priority_Name(t.priority()));
    t.mutable_sla()->mutable_response()->set_state(response);
    t.mutable_sla()->mutable_response()->set_target_seconds(3600);
    auto* target = t.mutable_sla()->mutable_resolution();
    target->set_state(resolution);
    target->set_target_seconds(8 * 3600);
    if (due_in) *target->mutable_due() = TimeUtil::SecondsToTimestamp(kNow + *due_in);
    return t;
}

TEST(QueueSla, TheSlaColumnSaysTheDueTimeAndColoursWhatNeedsAttention) {
    QueueModel model;
    model.set_now(QDateTime::fromSecsSinceEpoch(kNow));
    model.reset({with_sla(ticket("LL-000001", v1::P3, 0), v1::SLA_OK, 2 * 3600 + 10 * 60),
                 with_sla(ticket("LL-000002", v1::P3, 0), v1::SLA_AT_RISK, 20 * 60),
                 with_sla(ticket("LL-000003", v1::P1, 0), v1::SLA_BREACHED, -35 * 60),
                 with_sla(ticket("LL-000004", v1::P3, 0, "tina", v1::Ticket::PENDING), v1::SLA_PAUSED, std::nullopt),
                 ticket("LL-000005", v1::P4, 0)});
    auto cell = [&](const char* number, int role = Qt::DisplayRole) {
        return model.index(model.row_of(number), QueueModel::Sla).data(role);
    };
    EXPECT_EQ(model.headerData(QueueModel::Sla, Qt::Horizontal, Qt::DisplayRole).toString(), "SLA");
    EXPECT_EQ(cell("LL-000001").toString(), "due in 2 h 10 min");
    EXPECT_EQ(cell("LL-000002").toString(), "at risk, due in 20 min");
    EXPECT_EQ(cell("LL-000003").toString(), "overdue 35 min");
    EXPECT_EQ(cell("LL-000004").toString(), "paused");
    EXPECT_EQ(cell("LL-000005").toString(), "");
    EXPECT_EQ(cell("LL-000005", Qt::ToolTipRole).toString(), "No SLA applies");
    EXPECT_TRUE(cell("LL-000003", Qt::ToolTipRole).toString().contains("Resolution: overdue 35 min (target 8 h)"));

    const QColor amber = sla_colours(v1::SLA_AT_RISK)->background;
    const QColor red = sla_colours(v1::SLA_BREACHED)->background;
    auto background = [&](const char* number, int column) {
        return model.index(model.row_of(number), column).data(Qt::BackgroundRole).value<QBrush>().color();
    };
    EXPECT_FALSE(cell("LL-000001", Qt::BackgroundRole).isValid()) << "on track: the normal look";
    EXPECT_EQ(background("LL-000002", QueueModel::Sla), amber);
    EXPECT_EQ(background("LL-000003", QueueModel::Sla), red) << "the SLA colour over the priority colour";
    EXPECT_EQ(background("LL-000003", QueueModel::Subject), priority_colours(v1::P1)->background)
        << "the rest of the row keeps the priority colour";
    EXPECT_FALSE(cell("LL-000004", Qt::BackgroundRole).isValid());
    EXPECT_TRUE(cell("LL-000003", Qt::FontRole).value<QFont>().bold());
    EXPECT_EQ(cell("LL-000002", QueueModel::SlaStateRole).toInt(), v1::SLA_AT_RISK);

    // The clock moves on past the due time: overdue and red before the relay's next sweep says so.
    model.set_now(QDateTime::fromSecsSinceEpoch(kNow + 25 * 60));
    EXPECT_EQ(cell("LL-000002").toString(), "overdue 5 min");
    EXPECT_EQ(background("LL-000002", QueueModel::Sla), red);
    EXPECT_EQ(cell("LL-000001").toString(), "due in 1 h 45 min");
}

TEST(QueueSla, EveryColouredCellKeepsItsTextReadable) {
    QueueModel model;
    model.set_now(QDateTime::fromSecsSinceEpoch(kNow));
    std::vector<v1::Ticket> tickets;
    int n = 0;
    for (auto priority : {v1::P1, v1::P2, v1::P3, v1::P4}) {
        for (auto state : {v1::SLA_OK, v1::SLA_AT_RISK, v1::SLA_BREACHED, v1::SLA_PAUSED, v1::SLA_MET}) {
            char number[16];
            std::snprintf(number, sizeof number, "LL-%06d", ++n);
            tickets.push_back(with_sla(ticket(number, priority, 0), state, state == v1::SLA_BREACHED ? -60 : 600));
        }
    }
    model.reset(std::move(tickets));
    int checked = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        for (int column = 0; column < QueueModel::ColumnCount; ++column) {
            const QModelIndex index = model.index(row, column);
            const QVariant background = index.data(Qt::BackgroundRole);
            if (!background.isValid()) continue;
            const QVariant foreground = index.data(Qt::ForegroundRole);
            ASSERT_TRUE(foreground.isValid()) << "a coloured cell names its text colour too, row " << row;
            EXPECT_GE(contrast_ratio(foreground.value<QBrush>().color(), background.value<QBrush>().color()), 4.5)
                << "row " << row << " column " << column;
            ++checked;
        }
    }
    EXPECT_GT(checked, 20);
    // The quiet "unassigned" grey is readable on white and on the priority colours.
    const QColor grey = model.index(0, QueueModel::Assignee).data(Qt::ForegroundRole).value<QBrush>().color();
    for (const QColor& on :
         {QColor(Qt::white), priority_colours(v1::P1)->background, priority_colours(v1::P2)->background})
        EXPECT_GE(contrast_ratio(grey, on), 4.5) << on.name().toStdString();
}

TEST(QueueSla, TheSlaFilterShowsWhatNeedsAttentionAndTheCountsFollowTheClock) {
    QueueModel model;
    QueueFilter filter;
    filter.setSourceModel(&model);
    filter.set_user("tina");
    model.set_now(QDateTime::fromSecsSinceEpoch(kNow));
    model.reset({with_sla(ticket("LL-000001", v1::P3, 0, "tina"), v1::SLA_OK, 20 * 60),
                 with_sla(ticket("LL-000002", v1::P3, 0), v1::SLA_AT_RISK, 10 * 60),
                 with_sla(ticket("LL-000003", v1::P2, 0, "tina"), v1::SLA_BREACHED, -5 * 60),
                 with_sla(ticket("LL-000004", v1::P3, 0), v1::SLA_OK, 3600, v1::SLA_BREACHED),
                 ticket("LL-000005", v1::P4, 0)});
    filter.set_sla_states({v1::SLA_AT_RISK, v1::SLA_BREACHED});
    EXPECT_EQ(filter.count(View::All), 3) << "at risk, overdue, and a late first reply";
    EXPECT_EQ(filter.count(View::Mine), 1);
    EXPECT_EQ(filter.count(View::Unassigned), 2);
    filter.set_sla_states({v1::SLA_BREACHED});
    filter.sort(QueueModel::Priority);
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000003", "LL-000004"}));
    EXPECT_EQ(filter.count(View::Mine), 1);

    // A due time passes: the ticket is overdue, and shown as such, before the relay's sweep says so.
    model.set_now(QDateTime::fromSecsSinceEpoch(kNow + 15 * 60));
    EXPECT_EQ(shown(filter), (std::vector<std::string>{"LL-000003", "LL-000002", "LL-000004"}));
    EXPECT_EQ(filter.count(View::Unassigned), 2);
    // A pushed change that is no longer overdue (resolved: met) leaves the view.
    auto met = with_sla(ticket("LL-000003", v1::P2, 0, "tina", v1::Ticket::RESOLVED), v1::SLA_MET, std::nullopt);
    model.upsert(met);
    EXPECT_EQ(filter.count(View::Mine), 0);
    filter.set_sla_states({});
    EXPECT_EQ(filter.count(View::All), 5) << "any: tickets without SLA too";
}

TEST(QueueSla, TheOrderIsTheRelaysPriorityThenDueTimeThenAge) {
    QueueModel model;
    QueueFilter filter;
    filter.setSourceModel(&model);
    filter.sort(QueueModel::Priority);
    model.reset({with_sla(ticket("LL-000001", v1::P2, 100), v1::SLA_OK, 5 * 3600),
                 with_sla(ticket("LL-000002", v1::P2, 300), v1::SLA_OK, 3600),
                 with_sla(ticket("LL-000003", v1::P2, 50), v1::SLA_PAUSED, std::nullopt),
                 ticket("LL-000004", v1::P2, 10), with_sla(ticket("LL-000005", v1::P1, 900), v1::SLA_OK, 9 * 3600),
                 with_sla(ticket("LL-000006", v1::P2, 200), v1::SLA_OK, 3600)});
    EXPECT_EQ(shown(filter),
              (std::vector<std::string>{"LL-000005", "LL-000006", "LL-000002", "LL-000001", "LL-000004", "LL-000003"}))
        << "P1 first; then the soonest due; the same due time: the older; no due time (none, paused): last, oldest "
           "first";
    filter.sort(QueueModel::Sla);
    EXPECT_EQ(shown(filter).front(), "LL-000005") << "the SLA column sorts the relay's way too";
}

}  // namespace
}  // namespace lifeline::viewer::models
