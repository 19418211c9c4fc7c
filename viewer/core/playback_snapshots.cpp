// PlaybackSnapshots: the keyframe list, its spacing and its budget.
#include "viewer/core/playback_snapshots.hpp"

#include "viewer/core/rfb_decoder_state.hpp"

#include <algorithm>
#include <limits>

namespace lifeline::viewer {

namespace {

std::size_t cost_of(const PlaybackSnapshot& snapshot) {
    return sizeof(PlaybackSnapshot) + (snapshot.decoder ? snapshot.decoder->memory_bytes() : 0);
}

}  // namespace

PlaybackSnapshots::PlaybackSnapshots(SnapshotLimits limits) : limits_(limits) {}

double PlaybackSnapshots::distance(std::uint32_t from_ms, std::uint64_t from_bytes, std::uint32_t to_ms,
                                   std::uint64_t to_bytes) const {
    const double time =
        to_ms > from_ms ? static_cast<double>(to_ms - from_ms) / std::max(limits_.interval_ms, 1u) : 0.0;
    const double bytes = to_bytes > from_bytes
                             ? static_cast<double>(to_bytes - from_bytes) /
                                   static_cast<double>(std::max<std::uint64_t>(limits_.interval_bytes, 1))
                             : 0.0;
    return std::max(time, bytes);
}

std::shared_ptr<const PlaybackSnapshot> PlaybackSnapshots::at_or_before(std::uint32_t ms) const {
    std::lock_guard lock(mutex_);
    // Offsets never decrease along the stream, so the kept ones are in offset order too.
    auto after = std::upper_bound(kept_.begin(), kept_.end(), ms,
                                  [](std::uint32_t value, const auto& snapshot) { return value < snapshot->at_ms; });
    if (after == kept_.begin()) return nullptr;
    return *std::prev(after);
}

bool PlaybackSnapshots::due(std::uint32_t at_ms, std::uint64_t server_bytes, std::size_t picture_bytes) const {
    std::lock_guard lock(mutex_);
    if (picture_bytes > limits_.budget_bytes) return false;
    auto next = std::upper_bound(kept_.begin(), kept_.end(), server_bytes,
                                 [](std::uint64_t value, const auto& s) { return value < s->server_bytes; });
    std::uint32_t previous_ms = 0;
    std::uint64_t previous_bytes = 0;
    if (next != kept_.begin()) {
        previous_ms = (*std::prev(next))->at_ms;
        previous_bytes = (*std::prev(next))->server_bytes;
    }
    if (distance(previous_ms, previous_bytes, at_ms, server_bytes) < spacing_) return false;
    return next == kept_.end() || distance(at_ms, server_bytes, (*next)->at_ms, (*next)->server_bytes) >= spacing_ / 2;
}

void PlaybackSnapshots::add(PlaybackSnapshot snapshot) {
    auto kept = std::make_shared<const PlaybackSnapshot>(std::move(snapshot));
    std::lock_guard lock(mutex_);
    auto at = std::lower_bound(kept_.begin(), kept_.end(), kept->server_bytes,
                               [](const auto& s, std::uint64_t value) { return s->server_bytes < value; });
    if (at != kept_.end() && (*at)->server_bytes == kept->server_bytes) return;
    bytes_ += cost_of(*kept);
    kept_.insert(at, std::move(kept));
    thin();
}

void PlaybackSnapshots::thin() {
    while (bytes_ > limits_.budget_bytes && !kept_.empty()) {
        // Dropping keyframe i leaves a gap from its predecessor (or the start) to its successor; the last one's
        // gap runs on to wherever decoding got to, so it counts double.
        std::size_t victim = 0;
        double narrowest = std::numeric_limits<double>::infinity(), left = 0;
        for (std::size_t i = 0; i < kept_.size(); ++i) {
            const std::uint32_t from_ms = i > 0 ? kept_[i - 1]->at_ms : 0;
            const std::uint64_t from_bytes = i > 0 ? kept_[i - 1]->server_bytes : 0;
            const bool last = i + 1 == kept_.size();
            const PlaybackSnapshot& to = last ? *kept_[i] : *kept_[i + 1];
            const double gap = distance(from_ms, from_bytes, to.at_ms, to.server_bytes);
            if (gap * (last ? 2 : 1) < narrowest) {
                narrowest = gap * (last ? 2 : 1);
                left = gap;
                victim = i;
            }
        }
        bytes_ -= cost_of(*kept_[victim]);
        kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(victim));
        spacing_ = std::max(spacing_, left);
    }
}

std::size_t PlaybackSnapshots::size() const {
    std::lock_guard lock(mutex_);
    return kept_.size();
}

std::size_t PlaybackSnapshots::memory_bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

double PlaybackSnapshots::spacing() const {
    std::lock_guard lock(mutex_);
    return spacing_;
}

}  // namespace lifeline::viewer
