// Builders for the bytes an RFB server sends, shared by the viewer's scripted-server and stream-guard tests.
#pragma once

#include <cstdint>
#include <string>

namespace lifeline::viewer::test {

inline std::string u8(int value) { return {static_cast<char>(value & 0xFF)}; }
inline std::string u16(int value) { return {static_cast<char>((value >> 8) & 0xFF), static_cast<char>(value & 0xFF)}; }
inline std::string u32(std::uint32_t value) {
    return {static_cast<char>(value >> 24), static_cast<char>((value >> 16) & 0xFF),
            static_cast<char>((value >> 8) & 0xFF), static_cast<char>(value & 0xFF)};
}

// RFB encoding numbers.
inline constexpr std::int32_t kRaw = 0, kCopyRect = 1, kTight = 7, kZrle = 16, kLastRect = -224, kNewFbSize = -223,
                              kExtDesktopSize = -308;

// ServerInit for a width x height, 32-bit true-colour desktop called `name`.
inline std::string server_init(int width, int height, const std::string& name = "fake") {
    return u16(width) + u16(height) + std::string("\x20\x18\x00\x01", 4) + u16(255) + u16(255) + u16(255) +
           std::string("\x10\x08\x00", 3) + std::string(3, '\0') + u32(static_cast<std::uint32_t>(name.size())) + name;
}
// Everything a "None" RFB 3.8 server sends up to and including ServerInit.
inline std::string handshake(int width, int height) {
    return "RFB 003.008\n" + u8(1) + u8(1) + u32(0) + server_init(width, height);
}
// A FramebufferUpdate message header announcing `rects` rectangles.
inline std::string update_header(int rects) { return u8(0) + u8(0) + u16(rects); }
inline std::string rect(int x, int y, int w, int h, std::int32_t encoding) {
    return u16(x) + u16(y) + u16(w) + u16(h) + u32(static_cast<std::uint32_t>(encoding));
}
// Tight's 1-3 byte length.
inline std::string compact_length(std::uint32_t length) {
    std::string out = u8(static_cast<int>(length & 0x7F));
    if (length > 0x7F) {
        out[0] = static_cast<char>(out[0] | 0x80);
        out += u8(static_cast<int>((length >> 7) & 0x7F));
        if (length > 0x3FFF) {
            out[1] = static_cast<char>(out[1] | 0x80);
            out += u8(static_cast<int>(length >> 14));
        }
    }
    return out;
}

}  // namespace lifeline::viewer::test
