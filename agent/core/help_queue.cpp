// File-per-request queue: atomic writes, unlink on completion, ordering by queue time.
#include "agent/core/help_queue.hpp"

#include "agent/core/files.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

namespace lifeline::agent {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSuffix = ".help";
constexpr std::size_t kMaxEntryBytes = 16 << 20;

std::vector<v1::QueuedHelp> oldest_first(std::vector<v1::QueuedHelp> entries) {
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return google::protobuf::util::TimeUtil::TimestampToNanoseconds(a.queued_at()) <
               google::protobuf::util::TimeUtil::TimestampToNanoseconds(b.queued_at());
    });
    return entries;
}

}  // namespace

bool valid_idempotency_key(const std::string& key) {
    return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

core::Result<HelpQueue> HelpQueue::open(const std::string& state_dir) {
    HelpQueue queue((fs::path(state_dir) / "queue").string());
    if (auto ok = make_private_directories(queue.dir_); !ok) return ok.error();
    std::error_code ec;
    for (const auto& file : fs::directory_iterator(queue.dir_, ec)) {
        const auto& path = file.path();
        if (!file.is_regular_file() || path.extension() != kSuffix) continue;  // temp files of a crashed write too
        auto data = read_small_file(path.string(), kMaxEntryBytes);
        v1::QueuedHelp entry;
        if (!data || !entry.ParseFromString(*data) || !valid_idempotency_key(entry.request().idempotency_key()) ||
            path.stem().string() != entry.request().idempotency_key()) {
            fs::path aside = fs::path(queue.dir_) / "unreadable";
            fs::create_directories(aside, ec);
            fs::rename(path, aside / path.filename(), ec);
            spdlog::error("agent: queued request {} is unreadable; moved to {}", path.string(), aside.string());
            continue;
        }
        std::string key = entry.request().idempotency_key();
        queue.entries_.emplace(std::move(key), std::move(entry));
    }
    if (ec) return core::make_error(core::Errc::unavailable, "cannot read " + queue.dir_ + ": " + ec.message());
    return queue;
}

std::string HelpQueue::path_of(const std::string& key) const {
    return (fs::path(dir_) / (key + std::string(kSuffix))).string();
}

core::Result<void> HelpQueue::write(const v1::QueuedHelp& entry) const {
    return write_file_atomically(path_of(entry.request().idempotency_key()), entry.SerializeAsString(), 0600);
}

core::Result<void> HelpQueue::add(const v1::QueuedHelp& entry) {
    const std::string& key = entry.request().idempotency_key();
    if (!valid_idempotency_key(key)) return core::make_error(core::Errc::invalid_argument, "bad idempotency key");
    if (entries_.contains(key)) return {};
    if (auto ok = write(entry); !ok) return ok;
    entries_.emplace(key, entry);
    return {};
}

core::Result<void> HelpQueue::opened(const std::string& key, const std::string& number) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return {};  // a resend's second answer
    if (it->second.screenshot_png().empty()) return remove(key);
    if (it->second.number() == number) return {};
    v1::QueuedHelp updated = it->second;
    updated.set_number(number);
    if (auto ok = write(updated); !ok) return ok;
    it->second = std::move(updated);
    return {};
}

core::Result<void> HelpQueue::remove(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return {};
    std::error_code ec;
    fs::remove(path_of(key), ec);
    if (ec) return core::make_error(core::Errc::unavailable, "cannot remove " + path_of(key) + ": " + ec.message());
    entries_.erase(it);
    return {};
}

const v1::QueuedHelp* HelpQueue::find(const std::string& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

std::vector<v1::QueuedHelp> HelpQueue::to_send() const {
    std::vector<v1::QueuedHelp> out;
    for (const auto& [key, entry] : entries_)
        if (entry.number().empty()) out.push_back(entry);
    return oldest_first(std::move(out));
}

std::vector<v1::QueuedHelp> HelpQueue::to_upload() const {
    std::vector<v1::QueuedHelp> out;
    for (const auto& [key, entry] : entries_)
        if (!entry.number().empty() && !entry.screenshot_png().empty()) out.push_back(entry);
    return oldest_first(std::move(out));
}

}  // namespace lifeline::agent
