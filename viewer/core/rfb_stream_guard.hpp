// RfbStreamGuard: checks the server-to-viewer half of an RFB session before libvncclient reads any of it (sans-I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::viewer {

// The pixel format RfbClient asks for (rfbGetClient(kBitsPerSample, kSamplesPerPixel, kBytesPerPixel)): 32-bit
// true colour, depth 24, 8 bits per channel. The guard sizes raw and tight data with it.
inline constexpr int kBitsPerSample = 8;
inline constexpr int kSamplesPerPixel = 3;
inline constexpr int kBytesPerPixel = 4;

// libvncclient decodes whatever a server sends, offered or not, and some of its decoders write past the
// framebuffer on crafted input. The guard follows the byte stream exactly as libvncclient 0.9.14 will read it and
// refuses, before those bytes are passed on:
//  - a peer that is not RFB, RFB older than 3.7 or an UltraVNC 3.14/3.16 (where the server picks the security
//    type), a security list without "None", a failed security result (with the server's reason);
//  - any server message but FramebufferUpdate, Bell, ServerCutText (at most 1 MiB) and xvp;
//  - any rectangle encoding but raw, tight, ZRLE, CopyRect (libvncclient checks its source and destination
//    against the framebuffer) and the pseudo-encodings libvncclient asks for itself (LastRect, NewFBSize,
//    ExtDesktopSize, KeyboardLedState, SupportedMessages/Encodings, ServerIdentity, QemuExtendedKeyEvent) — so
//    hextile, RRE, ultra, cursors and the rest never reach a decoder;
//  - tight data libvncclient mishandles: a JPEG in a rectangle with a zero width or height (TurboJPEG then
//    decodes at the JPEG's own size, past the framebuffer), "no zlib" data whose length is not the rectangle's
//    (read past libvncclient's buffer), a gradient wider than 2048 (its gradient filter keeps a row of that
//    width on the stack), a palette of one colour, an unknown filter or subencoding, a zero length;
//  - ZRLE data longer than any encoding of its rectangle could be.
// It does not check rectangles against the framebuffer size (libvncclient does, for every encoding let through)
// nor decompress anything. One guard per connection; not thread-safe.
class RfbStreamGuard {
public:
    // Feeds the next bytes from the server, in order. True while everything so far is acceptable; after the first
    // false, always false and `refusal()` says why. Nothing of a chunk that is refused may be passed on.
    bool accept(const std::uint8_t* data, std::size_t size);
    bool accept(std::string_view bytes) {
        return accept(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }

    // accept() up to the end of the server message in progress (or of the handshake): answers how many bytes it
    // took, all of `size` unless a message ended first (at_message_boundary() is then true) or it refused them
    // (refusal() then says why; nothing of the chunk may be passed on).
    std::size_t accept_message(const std::uint8_t* data, std::size_t size);

    const std::string& refusal() const { return refusal_; }
    bool handshake_done() const { return handshake_done_; }  // ServerInit has been seen
    // Between two server messages after the handshake: everything accepted so far is whole messages.
    bool at_message_boundary() const {
        return handshake_done_ && refusal_.empty() && step_ == Step::message_type && buf_.empty();
    }
    // FramebufferUpdate messages with at least one rectangle whose header has been accepted so far: a change here
    // after accept() means an update began arriving in that chunk.
    std::uint64_t updates_begun() const { return updates_begun_; }

private:
    enum class Step {
        version,
        security_count,
        security_types,
        security_result,
        reason_length,
        reason,
        server_init,
        message_type,
        update_header,
        rect_header,
        next_rect,
        ext_desktop_size,
        cut_text_header,
        xvp,
        tight_control,
        tight_filter,
        tight_palette_size,
        tight_data,
        tight_length,
        zrle_length,
        skip,
    };

    std::size_t feed(const std::uint8_t* data, std::size_t size, bool stop_at_boundary);
    void expect(Step step, std::size_t need);
    void skip(std::uint64_t count, Step then, std::size_t then_need);
    bool refuse(std::string why);
    bool handle();  // buf_ holds need_ bytes for step_
    bool on_version();
    bool on_rect_header();
    bool on_tight_control();
    bool on_tight_length();
    bool next_rect();
    std::uint16_t u16(std::size_t at) const;
    std::uint32_t u32(std::size_t at) const;

    Step step_ = Step::version;
    std::size_t need_ = 12;  // "RFB 003.008\n"
    std::string buf_;        // the bytes collected for step_
    std::uint64_t skip_left_ = 0;
    Step then_ = Step::message_type;
    std::size_t then_need_ = 0;
    std::string refusal_;
    std::string reason_context_;   // what a reason string that follows explains
    bool security_result_ = true;  // RFB 3.8 sends a SecurityResult after "None"; 3.7 does not
    bool handshake_done_ = false;
    std::uint32_t rects_left_ = 0;
    int rect_w_ = 0, rect_h_ = 0;
    bool tight_jpeg_ = false;
    bool tight_no_zlib_ = false;
    int tight_bits_ = 0;  // bits per pixel of tight basic data after its filter
    std::uint64_t tight_size_ = 0;
    std::uint64_t updates_begun_ = 0;
};

}  // namespace lifeline::viewer
