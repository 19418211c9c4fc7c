// A scripted RFB server's encoder for the playback tests and `lifeline-bench playback`: tight (fill, and basic
// compression with the copy filter) and ZRLE (raw tiles) rectangles through zlib streams that live as long as the
// connection, as a real server's do -- so later updates refer back into earlier ones, and a decoder that lost the
// streams' state would inflate garbage or fail.
#pragma once

#include "tests/unit/viewer/rfb_bytes.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::viewer::test {

class ZlibScript {
public:
    explicit ZlibScript(int level = 6) {
        for (z_stream& stream : streams_) {
            if (deflateInit(&stream, level) != Z_OK) throw std::runtime_error("deflateInit failed");
        }
    }
    ~ZlibScript() {
        for (z_stream& stream : streams_)
            deflateEnd(&stream);
    }
    ZlibScript(const ZlibScript&) = delete;
    ZlibScript& operator=(const ZlibScript&) = delete;

    // One rectangle (no update header) of `pixels` (0x00RRGGBB, w * h of them).
    std::string tight_rect(int x, int y, int w, int h, const std::vector<std::uint32_t>& pixels, int stream = 0) {
        std::string data;
        data.reserve(pixels.size() * 3);
        for (std::uint32_t p : pixels) {  // libvncclient's 24-bit tight pixels: R, G, B
            data += static_cast<char>((p >> 16) & 0xFF);
            data += static_cast<char>((p >> 8) & 0xFF);
            data += static_cast<char>(p & 0xFF);
        }
        std::string out = rect(x, y, w, h, kTight) + u8((stream & 3) << 4);  // basic, copy filter
        if (data.size() < 12) return out + data;                             // too small to compress
        const std::string packed = deflate(streams_[static_cast<std::size_t>(stream & 3)], data);
        return out + compact_length(static_cast<std::uint32_t>(packed.size())) + packed;
    }
    std::string tight_fill(int x, int y, int w, int h, std::uint32_t rgb) {
        return rect(x, y, w, h, kTight) + u8(0x80) + u8(static_cast<int>((rgb >> 16) & 0xFF)) +
               u8(static_cast<int>((rgb >> 8) & 0xFF)) + u8(static_cast<int>(rgb & 0xFF));
    }
    std::string zrle_rect(int x, int y, int w, int h, const std::vector<std::uint32_t>& pixels) {
        std::string data;
        for (int ty = 0; ty < h; ty += 64) {
            for (int tx = 0; tx < w; tx += 64) {
                data += '\0';  // a raw tile of CPIXELs: for our little-endian depth-24 format, B, G, R
                for (int py = ty; py < std::min(h, ty + 64); ++py) {
                    for (int px = tx; px < std::min(w, tx + 64); ++px) {
                        const std::uint32_t p = pixels[static_cast<std::size_t>(py) * static_cast<std::size_t>(w) +
                                                       static_cast<std::size_t>(px)];
                        data += static_cast<char>(p & 0xFF);
                        data += static_cast<char>((p >> 8) & 0xFF);
                        data += static_cast<char>((p >> 16) & 0xFF);
                    }
                }
            }
        }
        const std::string packed = deflate(streams_[4], data);
        return rect(x, y, w, h, kZrle) + u32(static_cast<std::uint32_t>(packed.size())) + packed;
    }

private:
    static std::string deflate(z_stream& stream, std::string_view raw) {
        std::string out;
        std::array<char, 64 * 1024> buffer{};
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
        stream.avail_in = static_cast<uInt>(raw.size());
        do {
            stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
            stream.avail_out = static_cast<uInt>(buffer.size());
            if (::deflate(&stream, Z_SYNC_FLUSH) == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
            out.append(buffer.data(), buffer.size() - stream.avail_out);
        } while (stream.avail_out == 0);
        return out;
    }

    std::array<z_stream, 5> streams_{};  // tight's four, then ZRLE's
};

}  // namespace lifeline::viewer::test
