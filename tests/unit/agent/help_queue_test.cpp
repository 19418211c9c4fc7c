// The on-disk help queue: what is added survives a restart, keys make it idempotent, entries leave
// only when the relay has the ticket and its screenshot, and damaged files are set aside.
#include "agent/core/help_queue.hpp"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace lifeline::agent {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::TimeUtil;

class HelpQueueTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lifeline-queue-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static v1::QueuedHelp entry(const std::string& key, std::int64_t queued_ms, std::string screenshot = {}) {
        v1::QueuedHelp e;
        e.mutable_request()->set_idempotency_key(key);
        e.mutable_request()->set_subject("printer " + key);
        e.set_screenshot_png(std::move(screenshot));
        *e.mutable_queued_at() = TimeUtil::MillisecondsToTimestamp(queued_ms);
        return e;
    }
    HelpQueue open() {
        auto queue = HelpQueue::open(dir_.string());
        EXPECT_TRUE(queue) << (queue ? "" : queue.error().message);
        return std::move(*queue);
    }
    static std::vector<std::string> keys(const std::vector<v1::QueuedHelp>& entries) {
        std::vector<std::string> out;
        for (const auto& e : entries)
            out.push_back(e.request().idempotency_key());
        return out;
    }

    fs::path dir_;
};

TEST_F(HelpQueueTest, requests_survive_a_restart_in_the_order_they_were_asked) {
    {
        auto queue = open();
        ASSERT_TRUE(queue.add(entry("second", 2000)));
        ASSERT_TRUE(queue.add(entry("first", 1000)));
        ASSERT_TRUE(queue.add(entry("third", 3000)));
    }
    auto reopened = open();
    EXPECT_EQ(keys(reopened.to_send()), (std::vector<std::string>{"first", "second", "third"}));
    EXPECT_EQ(reopened.find("second")->request().subject(), "printer second");
}

TEST_F(HelpQueueTest, queue_files_are_private_to_the_user) {
    auto queue = open();
    ASSERT_TRUE(queue.add(entry("k1", 1)));
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "queue" / "k1.help").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir_ / "queue").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(HelpQueueTest, adding_the_same_key_twice_keeps_one_request) {
    auto queue = open();
    ASSERT_TRUE(queue.add(entry("same", 1)));
    auto again = entry("same", 2);
    again.mutable_request()->set_subject("changed");
    ASSERT_TRUE(queue.add(again));
    EXPECT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue.find("same")->request().subject(), "printer same");
}

TEST_F(HelpQueueTest, an_opened_ticket_without_screenshot_leaves_the_queue_for_good) {
    {
        auto queue = open();
        ASSERT_TRUE(queue.add(entry("a", 1)));
        ASSERT_TRUE(queue.opened("a", "LL-000001"));
        EXPECT_EQ(queue.size(), 0u);
        // The relay's answer to a resend of the same request: harmless.
        ASSERT_TRUE(queue.opened("a", "LL-000001"));
    }
    EXPECT_EQ(open().size(), 0u);
}

TEST_F(HelpQueueTest, a_screenshot_keeps_the_entry_until_uploaded_also_across_restarts) {
    {
        auto queue = open();
        ASSERT_TRUE(queue.add(entry("shot", 1, "\x89PNG\r\n\x1a\nfake")));
        ASSERT_TRUE(queue.opened("shot", "LL-000007"));
        EXPECT_TRUE(queue.to_send().empty()) << "an opened ticket must never be sent again";
    }
    auto queue = open();
    auto uploads = queue.to_upload();
    ASSERT_EQ(uploads.size(), 1u);
    EXPECT_EQ(uploads[0].number(), "LL-000007");
    EXPECT_TRUE(queue.to_send().empty());
    ASSERT_TRUE(queue.remove("shot"));
    EXPECT_EQ(open().size(), 0u);
}

TEST_F(HelpQueueTest, unreadable_files_are_set_aside_and_the_rest_still_loads) {
    {
        auto queue = open();
        ASSERT_TRUE(queue.add(entry("good", 1)));
    }
    std::ofstream(dir_ / "queue" / "broken.help") << "\xff\xff\xff not a protobuf";
    std::ofstream(dir_ / "queue" / "good.help.tmp-123456") << "left by a crash mid-write";
    auto mismatched = entry("other", 5);
    std::ofstream(dir_ / "queue" / "renamed.help") << mismatched.SerializeAsString();

    auto queue = open();
    EXPECT_EQ(keys(queue.to_send()), (std::vector<std::string>{"good"}));
    EXPECT_TRUE(fs::exists(dir_ / "queue" / "unreadable" / "broken.help"));
    EXPECT_TRUE(fs::exists(dir_ / "queue" / "unreadable" / "renamed.help"));
}

TEST_F(HelpQueueTest, keys_that_could_name_other_files_are_refused) {
    auto queue = open();
    EXPECT_FALSE(queue.add(entry("../../etc/passwd", 1)));
    EXPECT_FALSE(queue.add(entry("", 1)));
    EXPECT_FALSE(queue.add(entry(std::string(65, 'a'), 1)));
    EXPECT_EQ(queue.size(), 0u);
}

}  // namespace
}  // namespace lifeline::agent
