// RecordingReader: validates a .llrec header and walks its chunks, stopping cleanly where a crash cut the file.
#pragma once

#include "shared/core/error.hpp"
#include "shared/recording/format.hpp"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

namespace lifeline::recording {

struct Chunk {
    std::uint32_t offset_ms = 0;
    std::uint8_t kind = 0;  // a ChunkKind, or one this build does not know (next() skips those)
    std::string payload;

    ChunkKind chunk_kind() const { return static_cast<ChunkKind>(kind); }
};

// Where a reader is between two chunks: enough to carry on reading from there later (playback's keyframes).
struct ReaderPosition {
    std::uint64_t byte = 0;            // the next chunk's first byte in the file
    std::uint64_t chunks = 0;          // chunks read before it
    std::uint32_t last_offset_ms = 0;  // the offset of the chunk before it
};

// Reads one recording front to back with memory bounded by the largest chunk (kMaxChunkBytes). Anything malformed
// is an error naming where and what, never undefined behaviour: the input may be hostile. Not thread-safe.
class RecordingReader {
public:
    // Opens and checks the header. Errors: not_found, unavailable (cannot read), invalid_argument (not a recording,
    // another version, a bad or cut header).
    static core::Result<RecordingReader> open(const std::string& path);
    static core::Result<RecordingReader> from_bytes(std::string bytes);

    RecordingReader(RecordingReader&&) noexcept;
    RecordingReader& operator=(RecordingReader&&) noexcept;
    ~RecordingReader();

    const RecordingHeader& header() const { return header_; }

    // The next chunk of a known kind, or nullopt at the end: complete() after the end chunk, truncated() when the
    // file stops without one (mid-chunk or between chunks: a crash). A malformed chunk is an invalid_argument error
    // saying which and why; every later call answers the same error.
    core::Result<std::optional<Chunk>> next();

    std::uint64_t chunks() const { return chunks_; }  // chunks read so far (the end chunk not counted)
    // Before the next chunk; valid while no error or end has been met.
    ReaderPosition position() const { return {position_, chunks_, last_offset_}; }
    // Carries on from a position this reader (or another over the same file) answered earlier, as if every chunk
    // before it had been read again. Errors: invalid_argument for a position before the first chunk or after an
    // error; unavailable when the file cannot be repositioned.
    core::Result<void> seek(const ReaderPosition& where);
    bool complete() const { return end_ == End::complete; }
    bool truncated() const { return end_ == End::truncated; }
    // "complete after N chunks", "truncated after N chunks (...)", or "N chunks read so far".
    std::string describe_end() const;

private:
    enum class End { more, complete, truncated };
    explicit RecordingReader(std::unique_ptr<std::istream> in);
    core::Result<void> read_header();
    std::size_t read_up_to(std::string& out, std::size_t count);
    core::Error fail(std::string message);

    std::unique_ptr<std::istream> in_;
    RecordingHeader header_;
    std::uint64_t chunks_ = 0;
    std::uint64_t position_ = 0;     // bytes consumed from the start of the file
    std::uint64_t first_chunk_ = 0;  // where the chunks begin, after the header
    std::uint32_t last_offset_ = 0;
    End end_ = End::more;
    std::string cut_;  // why truncated
    std::optional<core::Error> error_;
};

// A time offset on the command line: "12.5s", "12.5" (seconds), "1m30s", "2m", "1h2m3.5s", "250ms". Milliseconds,
// or nullopt for anything else (negative, empty, unknown unit, over 49 days).
std::optional<std::uint32_t> parse_offset(std::string_view text);

}  // namespace lifeline::recording
