// The "Get help" requests the daemon still owes the relay, one file each under STATE_DIR/queue.
// A request is on disk before anyone is told it was accepted, and leaves only when the relay has
// both the ticket and its screenshot. Its idempotency key makes every resend safe.
//
// Not thread-safe: the daemon uses it from its one I/O thread.
#pragma once

#include "lifeline.pb.h"
#include "shared/core/error.hpp"

#include <map>
#include <string>
#include <vector>

namespace lifeline::agent {

class HelpQueue {
public:
    // Loads what an earlier run left. A file that does not parse is moved to queue/unreadable/
    // (kept for a human, never resent) and logged.
    static core::Result<HelpQueue> open(const std::string& state_dir);

    // Persists a new request; an entry with the same key is left as it is.
    core::Result<void> add(const v1::QueuedHelp& entry);
    // The relay committed the ticket. The entry stays only while a screenshot is still to be uploaded.
    core::Result<void> opened(const std::string& key, const std::string& number);
    // The screenshot is on the ticket, or the relay refused the request for good: forget it.
    core::Result<void> remove(const std::string& key);

    const v1::QueuedHelp* find(const std::string& key) const;
    std::vector<v1::QueuedHelp> to_send() const;    // no ticket yet, oldest first
    std::vector<v1::QueuedHelp> to_upload() const;  // ticket opened, screenshot pending, oldest first
    std::size_t size() const { return entries_.size(); }

private:
    explicit HelpQueue(std::string dir) : dir_(std::move(dir)) {}
    std::string path_of(const std::string& key) const;
    core::Result<void> write(const v1::QueuedHelp& entry) const;

    std::string dir_;
    std::map<std::string, v1::QueuedHelp> entries_;
};

// Idempotency keys are ours (random, URL-safe); anything else never names a file.
bool valid_idempotency_key(const std::string& key);

}  // namespace lifeline::agent
