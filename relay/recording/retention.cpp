// Recording retention: the sweep over the recordings dir, and the timer that repeats it.
#include "relay/recording/retention.hpp"

#include "shared/core/offload.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace lifeline::relay::recording {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

struct Candidate {
    std::string session_id;
    std::string file;
    fs::path path;
    std::uint64_t bytes = 0;
    core::SystemTime modified;
};

std::vector<Candidate> list_recordings(const std::string& dir) {
    std::vector<Candidate> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.ends_with(".llrec") || name.size() <= 6) continue;
        struct stat info {};
        if (::lstat(it->path().c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
        Candidate c;
        c.session_id = name.substr(0, name.size() - 6);
        c.file = name;
        c.path = it->path();
        c.bytes = static_cast<std::uint64_t>(info.st_size);
        c.modified = core::SystemTime(std::chrono::duration_cast<core::SystemTime::duration>(
            std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
        found.push_back(std::move(c));
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
        return a.modified != b.modified ? a.modified < b.modified : a.file < b.file;
    });
    return found;
}

bool remove_one(const Candidate& c, const std::string& why, std::vector<DeletedRecording>& deleted) {
    std::error_code ec;
    if (!fs::remove(c.path, ec) || ec) {
        spdlog::warn("recordings: could not delete {}: {}", c.file, ec ? ec.message() : "it is gone");
        return false;
    }
    spdlog::info("recordings: deleted {} ({} bytes): {}", c.file, c.bytes, why);
    deleted.push_back({c.session_id, c.file, c.bytes, why});
    return true;
}

}  // namespace

std::vector<DeletedRecording> sweep_recordings(const std::string& dir, const RetentionPolicy& policy,
                                               core::SystemTime now,
                                               const std::function<bool(const std::string&)>& in_use) {
    std::vector<DeletedRecording> deleted;
    if (!policy.active()) return deleted;
    std::vector<Candidate> kept;
    const auto busy = [&](const Candidate& c) { return in_use && in_use(c.session_id); };
    for (Candidate& c : list_recordings(dir)) {
        const bool too_old = policy.days > 0 && now - c.modified > std::chrono::hours(24) * policy.days;
        if (too_old && !busy(c) && remove_one(c, "older than " + std::to_string(policy.days) + " days", deleted)) {
            continue;
        }
        kept.push_back(std::move(c));
    }
    if (policy.max_total_bytes == 0) return deleted;
    std::uint64_t total = 0;
    for (const Candidate& c : kept)
        total += c.bytes;
    const std::string why = "over the " + std::to_string(policy.max_total_bytes / (1024 * 1024)) + " MB cap";
    for (const Candidate& c : kept) {  // oldest first
        if (total <= policy.max_total_bytes) break;
        if (busy(c)) continue;
        if (remove_one(c, why, deleted)) total -= c.bytes;
    }
    return deleted;
}

RetentionSweeper::RetentionSweeper(asio::any_io_executor executor, asio::thread_pool& pool, std::string dir,
                                   RetentionPolicy policy, std::chrono::seconds interval)
    : strand_(asio::make_strand(std::move(executor))),
      pool_(pool),
      dir_(std::move(dir)),
      policy_(policy),
      interval_(interval),
      timer_(strand_) {}

void RetentionSweeper::start() {
    if (!policy_.active()) return;
    asio::co_spawn(strand_, run(), asio::detached);
}

void RetentionSweeper::stop() {
    stopped_ = true;
    asio::post(strand_, [this] { timer_.cancel(); });
}

void RetentionSweeper::sweep_once() {
    if (stopped_) return;
    for (const DeletedRecording& d : sweep_recordings(dir_, policy_, std::chrono::system_clock::now(), in_use)) {
        if (on_deleted) on_deleted(d.session_id, d.file, d.bytes);
    }
}

asio::awaitable<void> RetentionSweeper::run() {
    const auto sweep = [this] {
        try {
            sweep_once();
        } catch (const std::exception& e) {
            spdlog::error("recordings: the retention sweep failed: {}", e.what());
        }
    };
    while (!stopped_) {
        co_await core::offload(pool_, sweep);
        if (stopped_) break;
        timer_.expires_after(interval_);
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) break;
    }
}

}  // namespace lifeline::relay::recording
