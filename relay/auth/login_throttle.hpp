// Throttles password guessing per (account, client address) pair, so an attacker elsewhere cannot
// lock a victim out of their own account by failing logins in their name.
#pragma once

#include "shared/core/clock.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace lifeline::relay::auth {

struct ThrottlePolicy {
    int max_failures = 5;               // consecutive failures that start a lockout
    std::chrono::seconds lockout{300};  // first lockout; each further one doubles
    std::chrono::seconds max_lockout{86'400};
    std::size_t max_tracked_pairs = 100'000;  // memory bound under a spray from many addresses
};

class LoginThrottle {
public:
    LoginThrottle(ThrottlePolicy policy, const core::Clock& clock) : policy_(policy), clock_(clock) {}

    // How long this pair must still wait, or nullopt when it may try now. Thread-safe.
    std::optional<std::chrono::seconds> retry_after(const std::string& username, const std::string& address);
    void record_failure(const std::string& username, const std::string& address);
    void record_success(const std::string& username, const std::string& address);

private:
    struct Entry {
        int failures = 0;
        int lockouts = 0;
        core::SystemTime locked_until{};
    };
    static std::string key(const std::string& username, const std::string& address);
    void evict_unlocked(core::SystemTime now);

    ThrottlePolicy policy_;
    const core::Clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace lifeline::relay::auth
