// RecordingWriter: appends chunks to a .llrec file while a session streams, with bounded memory, and finishes it
// durably (fsync of the file and its directory) with its size and SHA-256.
#pragma once

#include "shared/core/error.hpp"
#include "shared/recording/format.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lifeline::recording {

struct WriterOptions {
    // Chunks are collected up to this many bytes and then written with one write(2). 0 writes every chunk at once,
    // so a crash loses nothing appended (the relay's choice). Memory is this buffer, whatever is appended.
    std::size_t buffer_bytes = 256 * 1024;
};

struct RecordingSummary {
    std::string path;
    std::uint64_t bytes = 0;  // what is on disk
    std::string sha256;       // of exactly those bytes, lower-case hex
    bool complete = false;    // the end chunk was written; false after a write error (see problem)
    std::string problem;
};

// One writer per file. Not thread-safe: one caller at a time (the relay: the session's pump strand, then finish()
// from a worker thread once the pumps have stopped). Writes are whole chunks in order, so a process killed at any
// point leaves a file that reads up to its last whole chunk.
class RecordingWriter {
public:
    // Creates `path` with mode 0600 (it must not exist: already_exists) and writes the header. Errors:
    // invalid_argument for header text over kMaxHeaderText bytes, unavailable when the file cannot be created.
    static core::Result<std::unique_ptr<RecordingWriter>> create(const std::string& path, const RecordingHeader& header,
                                                                 WriterOptions options = {});
    // Without finish(): writes what is buffered and closes, without the end chunk or an fsync.
    ~RecordingWriter();
    RecordingWriter(const RecordingWriter&) = delete;
    RecordingWriter& operator=(const RecordingWriter&) = delete;

    // Appends one chunk; a payload over kMaxChunkBytes becomes several. Offsets must not decrease (they are
    // clamped to the last one). After the first write error every call answers that error (unavailable) and
    // nothing more is written.
    core::Result<void> append(std::uint32_t offset_ms, ChunkKind kind, std::string_view payload);
    // Writes what is buffered.
    core::Result<void> flush();
    // Appends the end chunk (unless a write failed), writes, fsyncs the file, closes it and fsyncs its directory.
    // Blocking; once. The summary describes what is on disk either way.
    RecordingSummary finish(std::uint32_t offset_ms);

    const std::string& path() const;
    std::uint64_t bytes_written() const;  // on disk, not counting the buffer
    bool failed() const;

private:
    struct Impl;
    explicit RecordingWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The size and SHA-256 of a recording already on disk (one cut short by a crash), after an fsync of it. Blocking.
// Errors: not_found, unavailable.
core::Result<RecordingSummary> summarize_file(const std::string& path);

// Big-endian helpers for the container's fields.
void put_u16(std::string& out, std::uint16_t value);
void put_u32(std::string& out, std::uint32_t value);
void put_u64(std::string& out, std::uint64_t value);

}  // namespace lifeline::recording
