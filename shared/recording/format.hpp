// The session recording container (.llrec, docs/protocol.md): its constants and header, shared by the relay's
// writer and the viewer's player. No relay or viewer code here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::recording {

// "LLREC1\n", then a version byte. Everything after it is big-endian.
inline constexpr std::string_view kMagic = "LLREC1\n";
inline constexpr std::uint8_t kVersion = 1;
// Limits a reader enforces, so a corrupt length is an error rather than an allocation.
inline constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
inline constexpr std::size_t kMaxHeaderText = 256;
inline constexpr std::uint32_t kMaxChunkBytes = 16u << 20;
// u32 time offset (ms since the recording began), u8 kind, u32 payload length.
inline constexpr std::size_t kChunkHeaderBytes = 9;

// What a chunk holds. Readers skip kinds they do not know, so new ones can be added within version 1.
enum class ChunkKind : std::uint8_t {
    server = 0,           // bytes from the machine's screen server to the viewer, verbatim
    client = 1,           // bytes from the viewer to the machine, with the redactions the header's flags say
    client_withheld = 2,  // payload: u32 count of viewer-to-machine bytes not recorded (after an unknown message)
    screen = 3,           // payload: u16 width, u16 height, from the server's ServerInit
    end = 255,            // empty; the last chunk of a recording that was finished rather than cut short
};

// Header flag bits.
inline constexpr std::uint8_t kFlagInputKept = 0x01;  // keysyms and clipboard text in client chunks are real

struct RecordingHeader {
    std::string session_id;
    std::string ticket;
    std::string device_id;
    std::string technician;  // username
    std::int64_t started_unix_ms = 0;
    // 0 when the size was not known when recording began: the first `screen` chunk has it.
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint8_t flags = 0;
};

}  // namespace lifeline::recording
