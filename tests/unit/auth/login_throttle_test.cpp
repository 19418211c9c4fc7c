// Login throttling per (account, address) pair, with a controllable clock.
#include "relay/auth/login_throttle.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::auth {
namespace {

using namespace std::chrono_literals;

class FakeClock : public core::Clock {
public:
    core::SystemTime now() const override { return now_; }
    void advance(std::chrono::seconds s) { now_ += s; }

private:
    core::SystemTime now_ = core::from_unix_ms(1'700'000'000'000);
};

TEST(LoginThrottle, five_failures_lock_the_pair_for_five_minutes) {
    FakeClock clock;
    LoginThrottle throttle({}, clock);
    for (int i = 0; i < 4; ++i) {
        throttle.record_failure("alice", "10.0.0.1");
        EXPECT_FALSE(throttle.retry_after("alice", "10.0.0.1"));
    }
    throttle.record_failure("alice", "10.0.0.1");
    ASSERT_TRUE(throttle.retry_after("alice", "10.0.0.1"));
    EXPECT_EQ(*throttle.retry_after("alice", "10.0.0.1"), 300s);
    clock.advance(299s);
    EXPECT_TRUE(throttle.retry_after("alice", "10.0.0.1"));
    clock.advance(1s);
    EXPECT_FALSE(throttle.retry_after("alice", "10.0.0.1"));
}

TEST(LoginThrottle, an_attacker_elsewhere_does_not_lock_out_the_victim) {
    FakeClock clock;
    LoginThrottle throttle({}, clock);
    for (int i = 0; i < 20; ++i)
        throttle.record_failure("alice", "203.0.113.9");
    EXPECT_TRUE(throttle.retry_after("alice", "203.0.113.9"));
    EXPECT_FALSE(throttle.retry_after("alice", "10.0.0.1"));
    EXPECT_FALSE(throttle.retry_after("bob", "203.0.113.9"));
}

TEST(LoginThrottle, repeated_lockouts_double_up_to_the_cap) {
    FakeClock clock;
    LoginThrottle throttle({5, 300s, 1000s}, clock);
    auto lock_once = [&] {
        for (int i = 0; i < 5; ++i)
            throttle.record_failure("alice", "a");
        auto wait = throttle.retry_after("alice", "a");
        clock.advance(*wait);
        return *wait;
    };
    EXPECT_EQ(lock_once(), 300s);
    EXPECT_EQ(lock_once(), 600s);
    EXPECT_EQ(lock_once(), 1000s);  // 1200 s capped
    EXPECT_EQ(lock_once(), 1000s);
}

TEST(LoginThrottle, success_clears_the_count_and_usernames_fold_case) {
    FakeClock clock;
    LoginThrottle throttle({}, clock);
    for (int i = 0; i < 4; ++i)
        throttle.record_failure("Alice", "a");
    throttle.record_success("alice", "a");
    for (int i = 0; i < 4; ++i)
        throttle.record_failure("ALICE", "a");
    EXPECT_FALSE(throttle.retry_after("alice", "a"));
    throttle.record_failure("alice", "a");
    EXPECT_TRUE(throttle.retry_after("alice", "a"));
}

TEST(LoginThrottle, memory_stays_bounded_but_locks_survive_eviction) {
    FakeClock clock;
    LoginThrottle throttle({5, 300s, 86400s, 100}, clock);
    for (int i = 0; i < 5; ++i)
        throttle.record_failure("victim", "attacker");
    for (int i = 0; i < 1000; ++i)
        throttle.record_failure("user" + std::to_string(i), "spray");
    EXPECT_TRUE(throttle.retry_after("victim", "attacker"));
}

}  // namespace
}  // namespace lifeline::relay::auth
