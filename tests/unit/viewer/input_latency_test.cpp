// InputLatency with explicit times: what counts as the answer to an input, the median of recent samples, and when
// there is no figure at all.
#include "viewer/core/input_latency.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace lifeline::viewer {
namespace {

using namespace std::chrono_literals;
using Clock = InputLatency::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1h;

// One input made and written at `at`, answered by an update `after` later.
void sample(InputLatency& latency, Clock::time_point at, Clock::duration after) {
    latency.input_sent(at, at);
    latency.update_began(at + after);
}

TEST(InputLatencyTest, HasNoFigureWithoutInput) {
    InputLatency latency;
    EXPECT_FALSE(latency.figure(t0));
    latency.update_began(t0);  // the screen changing by itself measures nothing
    EXPECT_FALSE(latency.figure(t0 + 1ms));
}

TEST(InputLatencyTest, MeasuresFromTheInputBeingMadeToTheNextUpdate) {
    InputLatency latency;
    latency.input_sent(t0, t0 + 4ms);  // 4 ms queued behind the worker
    EXPECT_FALSE(latency.figure(t0 + 10ms)) << "no answer yet";
    latency.update_began(t0 + 30ms);
    EXPECT_EQ(latency.figure(t0 + 31ms), 30ms);
    latency.update_began(t0 + 60ms);  // later updates answer nothing
    EXPECT_EQ(latency.figure(t0 + 61ms), 30ms);
}

TEST(InputLatencyTest, AnUpdateThatBeganBeforeTheInputWasWrittenIsNotItsAnswer) {
    InputLatency latency;
    latency.input_sent(t0, t0 + 5ms);
    latency.update_began(t0 + 3ms);  // already on its way
    EXPECT_FALSE(latency.figure(t0 + 6ms));
    latency.update_began(t0 + 25ms);
    EXPECT_EQ(latency.figure(t0 + 26ms), 25ms);
}

TEST(InputLatencyTest, MoreInputBeforeTheAnswerKeepsTheFirstInputsClock) {
    InputLatency latency;
    latency.input_sent(t0, t0);
    latency.input_sent(t0 + 10ms, t0 + 10ms);
    latency.input_sent(t0 + 20ms, t0 + 20ms);
    latency.update_began(t0 + 45ms);
    EXPECT_EQ(latency.figure(t0 + 46ms), 45ms);
}

TEST(InputLatencyTest, TheFigureIsTheMedianOfRecentSamples) {
    InputLatency latency;
    sample(latency, t0, 10ms);
    sample(latency, t0 + 100ms, 500ms);  // one slow answer does not move the median far
    sample(latency, t0 + 700ms, 20ms);
    EXPECT_EQ(latency.figure(t0 + 1s), 20ms);
    sample(latency, t0 + 1s, 30ms);
    EXPECT_EQ(latency.figure(t0 + 2s), 25ms) << "the mean of the two middle samples";
}

TEST(InputLatencyTest, OldSamplesDropOutSoIdleTimeShowsNoFigure) {
    InputLatency latency;
    sample(latency, t0, 900ms);
    sample(latency, t0 + 4s, 10ms);
    sample(latency, t0 + 4s + 100ms, 12ms);
    EXPECT_EQ(latency.figure(t0 + 4s + 200ms), 12ms);
    EXPECT_EQ(latency.figure(t0 + 6s), 11ms) << "the first sample is older than kRecent";
    EXPECT_FALSE(latency.figure(t0 + 4s + 100ms + 12ms + InputLatency::kRecent + 1ms)) << "nothing recent";
}

TEST(InputLatencyTest, InputThatNothingAnswersMeasuresNothing) {
    InputLatency latency;
    latency.input_sent(t0, t0);  // dropped by the machine, or a key that changed nothing
    latency.update_began(t0 + InputLatency::kGiveUp + 1s);
    EXPECT_FALSE(latency.figure(t0 + InputLatency::kGiveUp + 1s));
    // A later input starts its own clock, even while an unanswered one is past its time.
    latency.input_sent(t0 + 10s, t0 + 10s);
    latency.input_sent(t0 + 10s + InputLatency::kGiveUp + 1s, t0 + 10s + InputLatency::kGiveUp + 1s);
    latency.update_began(t0 + 10s + InputLatency::kGiveUp + 1s + 40ms);
    EXPECT_EQ(latency.figure(t0 + 10s + InputLatency::kGiveUp + 2s), 40ms);
}

TEST(InputLatencyTest, KeepsOnlyTheLatestSamples) {
    InputLatency latency;
    const int samples = static_cast<int>(InputLatency::kMaxSamples);
    for (int i = 0; i < samples; ++i)
        sample(latency, t0 + i * 10ms, 900ms);
    for (int i = 0; i < samples; ++i)
        sample(latency, t0 + 1s + i * 10ms, 5ms);
    EXPECT_EQ(latency.figure(t0 + 2s), 5ms);
}

}  // namespace
}  // namespace lifeline::viewer
