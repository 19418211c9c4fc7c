// InputLatency: samples from input to the next update, and their recent median.
#include "viewer/core/input_latency.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace lifeline::viewer {

void InputLatency::input_sent(Clock::time_point made, Clock::time_point written) {
    if (waiting_since_ && written - written_ <= kGiveUp) return;  // the screen has not answered the earlier one
    waiting_since_ = std::min(made, written);
    written_ = written;
}

void InputLatency::update_began(Clock::time_point at) {
    if (!waiting_since_ || at < written_) return;
    const auto waited = at - *std::exchange(waiting_since_, std::nullopt);
    if (at - written_ > kGiveUp) return;
    samples_.push_back({at, std::chrono::duration_cast<std::chrono::microseconds>(waited)});
    if (samples_.size() > kMaxSamples) samples_.pop_front();
}

std::optional<std::chrono::microseconds> InputLatency::figure(Clock::time_point now) const {
    std::vector<std::chrono::microseconds> recent;
    for (const auto& sample : samples_) {
        if (now - sample.at <= kRecent) recent.push_back(sample.latency);
    }
    if (recent.empty()) return std::nullopt;
    const auto middle = recent.begin() + static_cast<std::ptrdiff_t>(recent.size() / 2);
    std::nth_element(recent.begin(), middle, recent.end());
    if (recent.size() % 2 == 1) return *middle;
    const auto below = *std::max_element(recent.begin(), middle);
    return (below + *middle) / 2;
}

}  // namespace lifeline::viewer
