// The technician's input latency: from an input event written to the server to the first framebuffer update that
// starts arriving after it, as the median of recent samples. Pure bookkeeping over times the caller passes in.
#pragma once

#include <chrono>
#include <deque>
#include <optional>

namespace lifeline::viewer {

// Not thread-safe; RfbClient keeps one under a lock (its worker reports input, its pump reports updates).
// A sample runs from the moment the technician made the first input that no update has followed yet (when it was
// queued, so time spent waiting for the worker counts) to the first update that began arriving after that input
// was written: an update already on its way when the input left cannot be its answer. More input before that
// update (the rest of a drag, the next keys) adds nothing, so a sample is "how long until the screen answered at
// all". An input that no update follows within kGiveUp measured nothing: the machine dropped it, or it changed
// nothing on the screen.
class InputLatency {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kMaxSamples = 15;
    static constexpr std::chrono::seconds kRecent{5};  // older samples no longer count for the figure
    static constexpr std::chrono::seconds kGiveUp{3};

    // A pointer or key event made at `made` was written to the server at `written`.
    void input_sent(Clock::time_point made, Clock::time_point written);
    // The first byte of a framebuffer update (with at least one rectangle) arrived at `at`.
    void update_began(Clock::time_point at);
    // The median of the samples taken in the kRecent before `now` (of the two middle ones, their mean); none when
    // there is no recent sample, which is also the case while the technician sends no input.
    std::optional<std::chrono::microseconds> figure(Clock::time_point now) const;

private:
    struct Sample {
        Clock::time_point at{};
        std::chrono::microseconds latency{};
    };
    std::optional<Clock::time_point> waiting_since_;  // when the unanswered input was made
    Clock::time_point written_{};                     // and when it was written
    std::deque<Sample> samples_;
};

}  // namespace lifeline::viewer
