// Keyframes for playing one recording: decoder states taken while it plays, so that a seek resumes decoding at the
// nearest one before the target instead of at the start, kept within a memory budget (no Qt).
#pragma once

#include "shared/recording/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace lifeline::viewer {

class RfbDecoderState;

// Where and what: the decoder's state at a message boundary inside one server chunk of the recording.
struct PlaybackSnapshot {
    std::uint32_t at_ms = 0;          // the chunk's offset: usable for any target at or after it
    recording::ReaderPosition chunk;  // where that chunk starts in the file
    std::uint32_t skip = 0;           // bytes of its payload played before the state was taken
    std::uint64_t server_bytes = 0;   // bytes of the machine's stream before the state, from the recording's start
    std::uint64_t chunks = 0;         // chunks played before that chunk, as PlaybackResult counts them
    std::uint64_t updates = 0;        // framebuffer updates handled before the state
    std::shared_ptr<const RfbDecoderState> decoder;
};

struct SnapshotLimits {
    // A keyframe is due once this much recording time or this much of the machine's stream has passed since the
    // previous one, whichever comes first (the intervals widen when the budget is reached).
    std::uint32_t interval_ms = 10'000;
    std::uint64_t interval_bytes = std::uint64_t{16} << 20;
    // What the keyframes may hold together. A keyframe costs about 4 bytes a pixel (8 MiB at 1920x1080, so about
    // 30 fit), so the budget sets how many a screen size allows rather than a count.
    std::size_t budget_bytes = std::size_t{256} << 20;
};

// The keyframes of one recording. Thread-safe: a decoder thread adds while another reads. Decoding only ever runs
// forward from a keyframe or the start, adding keyframes as they fall due, so the part of the recording decoded
// so far is covered without gaps wider than the current spacing.
class PlaybackSnapshots {
public:
    explicit PlaybackSnapshots(SnapshotLimits limits = {});

    // The keyframe taken in the latest chunk recorded at or before `ms`, or null.
    std::shared_ptr<const PlaybackSnapshot> at_or_before(std::uint32_t ms) const;
    // Whether a keyframe at this point of the stream would be kept: the one before it (or the start) is at least
    // the current spacing back, the next is not within half of it, and one of this screen size fits the budget.
    bool due(std::uint32_t at_ms, std::uint64_t server_bytes, std::size_t picture_bytes) const;
    // Keeps it (unless one at the same stream position is kept already), then drops keyframes while over the
    // budget: each time the one whose neighbours are closest together, and the spacing widens to that gap, so the
    // ones left stay evenly spread and new ones come at the wider spacing.
    void add(PlaybackSnapshot snapshot);

    std::size_t size() const;
    std::size_t memory_bytes() const;
    // The current spacing in units of the limits' intervals: 1 until the budget was first reached.
    double spacing() const;

private:
    double distance(std::uint32_t from_ms, std::uint64_t from_bytes, std::uint32_t to_ms, std::uint64_t to_bytes) const;
    void thin();

    const SnapshotLimits limits_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const PlaybackSnapshot>> kept_;  // in stream order
    std::size_t bytes_ = 0;
    double spacing_ = 1;
};

}  // namespace lifeline::viewer
