// Full-jitter backoff: delay = uniform(0, min(cap, base * 2^failures)).
#include "agent/core/backoff.hpp"

#include <algorithm>

namespace lifeline::agent {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed)
    : base_(std::max(base, std::chrono::milliseconds(1))), cap_(std::max(cap, base_)), random_(seed) {}

std::chrono::milliseconds Backoff::ceiling() const {
    auto ceiling = base_;
    for (int i = 0; i < failures_ && ceiling < cap_; ++i)
        ceiling *= 2;
    return std::min(ceiling, cap_);
}

std::chrono::milliseconds Backoff::next() {
    auto limit = ceiling();
    std::uniform_int_distribution<std::int64_t> draw(0, limit.count());
    failures_ = std::min(failures_ + 1, 64);
    return std::chrono::milliseconds(draw(random_));
}

void Backoff::reset() { failures_ = 0; }

}  // namespace lifeline::agent
