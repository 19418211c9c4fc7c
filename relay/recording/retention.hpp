// Recording retention: deletes recordings older than recording.retention_days and, oldest first, those beyond
// recording.max_total_mb; on start and then hourly.
#pragma once

#include "shared/core/clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lifeline::relay::recording {

struct RetentionPolicy {
    int days = 90;                      // 0: no age limit
    std::uint64_t max_total_bytes = 0;  // 0: no size cap
    bool active() const { return days > 0 || max_total_bytes > 0; }
};

struct DeletedRecording {
    std::string session_id;
    std::string file;  // the name in the recordings dir
    std::uint64_t bytes = 0;
    std::string why;  // "older than 90 days", "over the 500 MB cap"
};

// One sweep of `dir` (its *.llrec files, by modification time): first every file older than the age limit, then
// the oldest while the total is over the cap. Files for which `in_use(session id)` holds (a session still being
// recorded) are never deleted, though they count towards the total. Each deletion is logged. Blocking.
std::vector<DeletedRecording> sweep_recordings(const std::string& dir, const RetentionPolicy& policy,
                                               core::SystemTime now,
                                               const std::function<bool(const std::string&)>& in_use);

// Runs sweep_recordings on `pool` at start() and every `interval` after, until stop().
class RetentionSweeper {
public:
    RetentionSweeper(boost::asio::any_io_executor executor, boost::asio::thread_pool& pool, std::string dir,
                     RetentionPolicy policy, std::chrono::seconds interval = std::chrono::hours(1));

    // Set both before start(); they are called on a pool thread during a sweep.
    // For each file deleted: the audit log's hook.
    std::function<void(const std::string& session_id, const std::string& file, std::uint64_t bytes)> on_deleted;
    // Whether a session is still being recorded.
    std::function<bool(const std::string& session_id)> in_use;

    // Sweeps now and then every interval. Does nothing when the policy keeps everything.
    void start();
    // Any thread: no sweep starts after this, and the timer is cancelled so the io_context can run dry.
    void stop();

private:
    boost::asio::awaitable<void> run();
    void sweep_once();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::thread_pool& pool_;
    std::string dir_;
    RetentionPolicy policy_;
    std::chrono::seconds interval_;
    boost::asio::steady_timer timer_;
    std::atomic<bool> stopped_{false};
};

}  // namespace lifeline::relay::recording
