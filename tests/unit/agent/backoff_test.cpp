// The reconnect schedule: ceilings double from the base to the cap, every delay lies within its
// ceiling, the draws are spread (full jitter), and a working connection starts over.
#include "agent/core/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace lifeline::agent {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, ceilings_double_from_one_second_up_to_sixty) {
    Backoff backoff(milliseconds(1000), milliseconds(60'000), 1);
    std::vector<long> ceilings;
    for (int i = 0; i < 9; ++i) {
        ceilings.push_back(backoff.ceiling().count());
        backoff.next();
    }
    EXPECT_EQ(ceilings, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000}));
}

TEST(Backoff, every_delay_lies_between_zero_and_its_ceiling) {
    Backoff backoff(milliseconds(1000), milliseconds(60'000), 42);
    for (int i = 0; i < 1000; ++i) {
        auto ceiling = backoff.ceiling();
        auto delay = backoff.next();
        ASSERT_GE(delay.count(), 0);
        ASSERT_LE(delay, ceiling);
    }
}

TEST(Backoff, delays_are_spread_so_agents_do_not_return_together) {
    // 200 agents that lost the relay at the same moment, each with its own seed.
    std::set<long> first_delays;
    long below_half = 0;
    for (std::uint64_t seed = 1; seed <= 200; ++seed) {
        Backoff backoff(milliseconds(1000), milliseconds(60'000), seed);
        for (int i = 0; i < 6; ++i)
            backoff.next();
        auto delay = backoff.next().count();  // ceiling 60 s now
        first_delays.insert(delay);
        below_half += delay < 30'000 ? 1 : 0;
    }
    EXPECT_GT(first_delays.size(), 190u);
    EXPECT_GT(below_half, 60);  // uniform over [0, 60 s]: about half
    EXPECT_LT(below_half, 140);
}

TEST(Backoff, a_working_connection_resets_the_ceiling) {
    Backoff backoff(milliseconds(1000), milliseconds(60'000), 7);
    for (int i = 0; i < 10; ++i)
        backoff.next();
    EXPECT_EQ(backoff.ceiling(), milliseconds(60'000));
    backoff.reset();
    EXPECT_EQ(backoff.ceiling(), milliseconds(1000));
    EXPECT_EQ(backoff.failures(), 0);
}

TEST(Backoff, a_cap_below_the_base_is_raised_to_the_base) {
    Backoff backoff(milliseconds(2000), milliseconds(500), 3);
    EXPECT_EQ(backoff.ceiling(), milliseconds(2000));
    backoff.next();
    EXPECT_EQ(backoff.ceiling(), milliseconds(2000));
}

}  // namespace
}  // namespace lifeline::agent
