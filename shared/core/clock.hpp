// Time source for logic that must be testable without sleeping (token expiry, throttling, SLA).
#pragma once

#include <chrono>
#include <cstdint>

namespace lifeline::core {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual SystemTime now() const = 0;
};

class SystemClock final : public Clock {
public:
    SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// Milliseconds since the Unix epoch: how times are stored.
inline std::int64_t to_unix_ms(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline SystemTime from_unix_ms(std::int64_t ms) { return SystemTime(std::chrono::milliseconds(ms)); }

}  // namespace lifeline::core
