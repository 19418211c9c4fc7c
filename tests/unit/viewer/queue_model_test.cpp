// The queue's model and filter without a display: order (priority, then age), the three views and
// their counts, status and text filters, live upserts, and text kept as it is.
#include "viewer/models/queue_model.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace lifeline::viewer::models
