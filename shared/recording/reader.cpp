// RecordingReader: the container's decoder, defensive about every length it reads.
#include "shared/recording/reader.hpp"

#include "shared/core/text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace lifeline::recording {

namespace {

constexpr std::size_t kReadStep = 64 * 1024;

core::Error invalid(std::string message) { return core::make_error(core::Errc::invalid_argument, std::move(message)); }

std::uint16_t get_u16(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[at]) << 8 |
                                      static_cast<std::uint8_t>(bytes[at + 1]));
}
std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint32_t>(get_u16(bytes, at)) << 16 | get_u16(bytes, at + 2);
}
std::uint64_t get_u64(std::string_view bytes, std::size_t at) {
    return static_cast<std::uint64_t>(get_u32(bytes, at)) << 32 | get_u32(bytes, at + 4);
}

// Reads the header's fields in order; every read checks that the field lies inside the header.
class FieldCursor {
public:
    explicit FieldCursor(std::string_view bytes) : bytes_(bytes) {}

    core::Result<std::string> text(const char* name) {
        if (!have(2, name)) return *error_;
        const std::uint16_t length = get_u16(bytes_, at_);
        at_ += 2;
        if (length > kMaxHeaderText) {
            return invalid(std::string("the recording's header field \"") + name + "\" is " + std::to_string(length) +
                           " bytes long (limit " + std::to_string(kMaxHeaderText) + ")");
        }
        if (!have(length, name)) return *error_;
        std::string value(bytes_.substr(at_, length));
        at_ += length;
        if (auto ok = core::check_text(name, value, kMaxHeaderText, false); !ok) {
            return invalid("the recording's header is damaged: " + ok.error().message);
        }
        return value;
    }
    core::Result<std::uint64_t> number(std::size_t size, const char* name) {
        if (!have(size, name)) return *error_;
        std::uint64_t value = 0;
        if (size == 1) value = static_cast<std::uint8_t>(bytes_[at_]);
        if (size == 2) value = get_u16(bytes_, at_);
        if (size == 8) value = get_u64(bytes_, at_);
        at_ += size;
        return value;
    }

private:
    bool have(std::size_t size, const char* name) {
        if (bytes_.size() - at_ >= size) return true;
        error_ = invalid(std::string("the recording's header ends inside its field \"") + name + "\"");
        return false;
    }

    std::string_view bytes_;
    std::size_t at_ = 0;
    std::optional<core::Error> error_;
};

const char* kind_name(ChunkKind kind) {
    switch (kind) {
        case ChunkKind::server: return "server";
        case ChunkKind::client: return "client";
        case ChunkKind::client_withheld: return "client-withheld";
        case ChunkKind::screen: return "screen";
        case ChunkKind::end: return "end";
    }
    return "unknown";
}

}  // namespace

RecordingReader::RecordingReader(std::unique_ptr<std::istream> in) : in_(std::move(in)) {}
RecordingReader::RecordingReader(RecordingReader&&) noexcept = default;
RecordingReader& RecordingReader::operator=(RecordingReader&&) noexcept = default;
RecordingReader::~RecordingReader() = default;

core::Result<RecordingReader> RecordingReader::open(const std::string& path) {
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file) {
        const int error = errno;
        if (error == ENOENT) return core::make_error(core::Errc::not_found, "no such file: " + path);
        return core::make_error(core::Errc::unavailable,
                                "cannot open " + path + ": " + std::system_category().message(error));
    }
    RecordingReader reader(std::move(file));
    if (auto ok = reader.read_header(); !ok) {
        return core::make_error(ok.error().code, path + ": " + ok.error().message);
    }
    return reader;
}

core::Result<RecordingReader> RecordingReader::from_bytes(std::string bytes) {
    RecordingReader reader(std::make_unique<std::istringstream>(std::move(bytes)));
    if (auto ok = reader.read_header(); !ok) return ok.error();
    return reader;
}

std::size_t RecordingReader::read_up_to(std::string& out, std::size_t count) {
    // In steps, so a corrupt length costs at most what the file really holds.
    std::size_t got = 0;
    while (got < count && *in_) {
        const std::size_t step = std::min(kReadStep, count - got);
        const std::size_t before = out.size();
        out.resize(before + step);
        in_->read(out.data() + before, static_cast<std::streamsize>(step));
        const auto n = static_cast<std::size_t>(in_->gcount());
        out.resize(before + n);
        got += n;
        if (n < step) break;
    }
    position_ += got;
    return got;
}

core::Result<void> RecordingReader::read_header() {
    std::string start;
    const std::size_t got = read_up_to(start, kMagic.size() + 1 + 4);
    const std::size_t compared = std::min(got, kMagic.size());
    if (compared == 0 || start.compare(0, compared, kMagic.substr(0, compared)) != 0) {
        return invalid("not a Lifeline session recording (it does not start with \"LLREC1\")");
    }
    if (got < kMagic.size() + 1 + 4) return invalid("the recording is cut off inside its header");
    const auto version = static_cast<std::uint8_t>(start[kMagic.size()]);
    if (version != kVersion) {
        return invalid("the recording is in format version " + std::to_string(version) + "; this build reads version " +
                       std::to_string(kVersion));
    }
    const std::uint32_t length = get_u32(start, kMagic.size() + 1);
    if (length > kMaxHeaderBytes) {
        return invalid("the recording's header claims " + std::to_string(length) + " bytes (limit " +
                       std::to_string(kMaxHeaderBytes) + "): the file is damaged");
    }
    std::string body;
    if (read_up_to(body, length) < length) return invalid("the recording is cut off inside its header");
    FieldCursor fields(body);
    auto session_id = fields.text("session id");
    if (!session_id) return session_id.error();
    auto ticket = fields.text("ticket");
    if (!ticket) return ticket.error();
    auto device_id = fields.text("device id");
    if (!device_id) return device_id.error();
    auto technician = fields.text("technician");
    if (!technician) return technician.error();
    auto started = fields.number(8, "start time");
    if (!started) return started.error();
    auto width = fields.number(2, "width");
    if (!width) return width.error();
    auto height = fields.number(2, "height");
    if (!height) return height.error();
    auto flags = fields.number(1, "flags");
    if (!flags) return flags.error();
    // Fields a later build adds follow here; this one skips them.
    header_.session_id = std::move(*session_id);
    header_.ticket = std::move(*ticket);
    header_.device_id = std::move(*device_id);
    header_.technician = std::move(*technician);
    header_.started_unix_ms = static_cast<std::int64_t>(*started);
    header_.width = static_cast<std::uint16_t>(*width);
    header_.height = static_cast<std::uint16_t>(*height);
    header_.flags = static_cast<std::uint8_t>(*flags);
    first_chunk_ = position_;
    return {};
}

core::Result<void> RecordingReader::seek(const ReaderPosition& where) {
    if (error_) return *error_;
    if (where.byte < first_chunk_) return invalid("a recording position before its first chunk");
    in_->clear();
    in_->seekg(static_cast<std::streamoff>(where.byte));
    if (!*in_) return core::make_error(core::Errc::unavailable, "cannot reposition the recording");
    position_ = where.byte;
    chunks_ = where.chunks;
    last_offset_ = where.last_offset_ms;
    end_ = End::more;
    cut_.clear();
    return {};
}

core::Error RecordingReader::fail(std::string message) {
    error_ = invalid("chunk " + std::to_string(chunks_ + 1) + " (at byte " + std::to_string(position_) +
                     "): " + std::move(message) + "; the recording is damaged");
    return *error_;
}

core::Result<std::optional<Chunk>> RecordingReader::next() {
    if (error_) return *error_;
    for (;;) {
        if (end_ != End::more) return std::optional<Chunk>();
        const std::uint64_t chunk_start = position_;
        std::string head;
        const std::size_t got = read_up_to(head, kChunkHeaderBytes);
        if (got < kChunkHeaderBytes) {
            end_ = End::truncated;
            cut_ = got == 0 ? "it ends without an end chunk" : "the last chunk is cut off in its header";
            return std::optional<Chunk>();
        }
        Chunk chunk;
        chunk.offset_ms = get_u32(head, 0);
        chunk.kind = static_cast<std::uint8_t>(head[4]);
        const std::uint32_t length = get_u32(head, 5);
        position_ = chunk_start;  // errors name the chunk's first byte
        if (length > kMaxChunkBytes) {
            return fail("claims " + std::to_string(length) + " bytes (limit " + std::to_string(kMaxChunkBytes) + ")");
        }
        if (chunk.offset_ms < last_offset_) {
            return fail("goes back in time, from " + std::to_string(last_offset_) + " ms to " +
                        std::to_string(chunk.offset_ms) + " ms");
        }
        const auto kind = chunk.chunk_kind();
        const auto expect_length = [&](std::uint32_t want) -> std::optional<core::Error> {
            if (length == want) return std::nullopt;
            return fail(std::string(kind_name(kind)) + " chunk of " + std::to_string(length) + " bytes (it has " +
                        std::to_string(want) + ")");
        };
        std::optional<core::Error> bad;
        if (kind == ChunkKind::end) bad = expect_length(0);
        if (kind == ChunkKind::client_withheld || kind == ChunkKind::screen) bad = expect_length(4);
        if (bad) return *bad;
        position_ = chunk_start + kChunkHeaderBytes;
        const std::size_t payload = read_up_to(chunk.payload, length);
        if (payload < length) {
            end_ = End::truncated;
            cut_ = "the last chunk is cut off after " + std::to_string(payload) + " of its " + std::to_string(length) +
                   " bytes";
            return std::optional<Chunk>();
        }
        last_offset_ = chunk.offset_ms;
        if (kind == ChunkKind::end) {
            std::string after;
            if (read_up_to(after, 1) != 0) {
                position_ -= 1;  // the error names the first byte after the end chunk
                return fail("bytes follow the end chunk");
            }
            end_ = End::complete;
            return std::optional<Chunk>();
        }
        if (kind == ChunkKind::screen && (get_u16(chunk.payload, 0) == 0 || get_u16(chunk.payload, 2) == 0)) {
            return fail("a screen size of zero");
        }
        ++chunks_;
        switch (kind) {
            case ChunkKind::server:
            case ChunkKind::client:
            case ChunkKind::client_withheld:
            case ChunkKind::screen: return std::optional<Chunk>(std::move(chunk));
            case ChunkKind::end: break;
        }
        // A kind from a later build: skipped.
    }
}

std::string RecordingReader::describe_end() const {
    switch (end_) {
        case End::complete: return "complete, " + std::to_string(chunks_) + " chunks";
        case End::truncated: return "truncated after " + std::to_string(chunks_) + " chunks (" + cut_ + ")";
        case End::more: break;
    }
    return std::to_string(chunks_) + " chunks read so far";
}

std::optional<std::uint32_t> parse_offset(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total_ms = 0;
    // A bare number is seconds.
    {
        double seconds = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (error == std::errc() && end == text.data() + text.size()) {
            if (!(seconds >= 0) || !std::isfinite(seconds)) return std::nullopt;
            total_ms = seconds * 1000;
            if (total_ms > 4'000'000'000.0) return std::nullopt;
            return static_cast<std::uint32_t>(std::llround(total_ms));
        }
    }
    // Otherwise number-unit pairs, largest unit first, each unit once: 1h2m3.5s, 1m30s, 250ms.
    int last_rank = 0;
    while (!text.empty()) {
        double value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || !(value >= 0) || !std::isfinite(value)) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        int rank = 0;
        double unit_ms = 0;
        if (text.starts_with("ms")) {
            rank = 4, unit_ms = 1;
            text.remove_prefix(2);
        } else if (text.starts_with("h")) {
            rank = 1, unit_ms = 3'600'000;
            text.remove_prefix(1);
        } else if (text.starts_with("m")) {
            rank = 2, unit_ms = 60'000;
            text.remove_prefix(1);
        } else if (text.starts_with("s")) {
            rank = 3, unit_ms = 1000;
            text.remove_prefix(1);
        } else {
            return std::nullopt;
        }
        if (rank <= last_rank) return std::nullopt;
        last_rank = rank;
        total_ms += value * unit_ms;
        if (total_ms > 4'000'000'000.0) return std::nullopt;
    }
    return static_cast<std::uint32_t>(std::llround(total_ms));
}

}  // namespace lifeline::recording
