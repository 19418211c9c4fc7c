// Per-pair failure counting with doubling lockouts.
#include "relay/auth/login_throttle.hpp"

#include <algorithm>
#include <cctype>

namespace lifeline::relay::auth {

std::string LoginThrottle::key(const std::string& username, const std::string& address) {
    std::string k;
    k.reserve(username.size() + address.size() + 1);
    for (char c : username)
        k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    k.push_back('\n');
    k += address;
    return k;
}

std::optional<std::chrono::seconds> LoginThrottle::retry_after(const std::string& username,
                                                               const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(username, address));
    if (it == entries_.end()) return std::nullopt;
    auto now = clock_.now();
    if (it->second.locked_until <= now) return std::nullopt;
    auto left = std::chrono::ceil<std::chrono::seconds>(it->second.locked_until - now);
    return std::max(left, std::chrono::seconds(1));
}

void LoginThrottle::record_failure(const std::string& username, const std::string& address) {
    std::lock_guard lock(mutex_);
    auto now = clock_.now();
    if (entries_.size() >= policy_.max_tracked_pairs) evict_unlocked(now);
    Entry& entry = entries_[key(username, address)];
    if (++entry.failures < policy_.max_failures) return;
    entry.failures = 0;
    auto duration = policy_.lockout;
    for (int i = 0; i < entry.lockouts && duration < policy_.max_lockout; ++i)
        duration *= 2;
    entry.locked_until = now + std::min(duration, policy_.max_lockout);
    ++entry.lockouts;
}

void LoginThrottle::record_success(const std::string& username, const std::string& address) {
    std::lock_guard lock(mutex_);
    entries_.erase(key(username, address));
}

void LoginThrottle::evict_unlocked(core::SystemTime now) {
    std::erase_if(entries_, [now](const auto& item) { return item.second.locked_until <= now; });
}

}  // namespace lifeline::relay::auth
