// Reconnect delays: exponential backoff with full jitter, so a relay restart is not met by every
// agent at the same instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace lifeline::agent {

class Backoff {
public:
    // The ceiling starts at `base` and doubles per failed attempt up to `cap`; each delay is drawn
    // uniformly from [0, ceiling] ("full jitter").
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed);

    std::chrono::milliseconds ceiling() const;  // of the next delay
    std::chrono::milliseconds next();           // the delay before the next attempt; raises the ceiling
    void reset();                               // after a connection that worked
    int failures() const { return failures_; }

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds cap_;
    int failures_ = 0;
    std::mt19937_64 random_;
};

}  // namespace lifeline::agent
