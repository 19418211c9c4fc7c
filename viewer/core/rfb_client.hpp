// The technician's RFB client: libvncclient on an already-connected stream, decoded frames out, input in (no Qt).
#pragma once

#include "shared/core/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::viewer {

enum class Encoding { tight, zrle, raw };

class RfbDecoderState;  // rfb_decoder_state.hpp

struct RfbOptions {
    // Preferred encoding. libvncclient is offered only tight, zrle and raw (this one first): every other decoder
    // is code we do not test and a hostile server could aim at, so a server sending any other is disconnected
    // (libvncclient itself would decode it; see RfbStreamGuard).
    Encoding encoding = Encoding::tight;
    int quality = 6;         // JPEG quality 0-9 for tight; -1 = lossless tight (no JPEG)
    int compress = 6;        // zlib level 0-9
    bool view_only = false;  // when true, send_pointer/send_key/send_clipboard are refused locally
    std::chrono::milliseconds handshake_timeout{10'000};  // start() gives up after this long
};

// 0x00RRGGBB, row-major, width * height pixels.
struct Framebuffer {
    int width = 0, height = 0;
    std::vector<std::uint32_t> pixels;
};

// One RFB session over a stream the caller already connected (the relay tunnel's local end); it never connects
// anywhere itself. Threads: a worker runs libvncclient (handshake, messages, and every write, so input queued
// from any thread is sent between server messages), and a pump moves bytes between the caller's fd and
// libvncclient's socket, counting them and checking the server's with an RfbStreamGuard before libvncclient
// reads them. All public methods are safe from any thread except the worker's own
// callbacks destroying the client. Callbacks run on the worker thread; keep them short, never destroy the
// RfbClient from one, and an exception thrown from one closes the connection.
class RfbClient {
public:
    // Takes ownership of `fd` (a connected stream to an RFB server; closed on failure too), performs the RFB
    // handshake ("None" security only; RFB 3.3 servers, which choose the security type themselves, are refused)
    // and leaves the worker running the message loop. Errors: invalid_argument for bad options or fd,
    // unavailable with the reason the handshake failed or timed out.
    static core::Result<std::unique_ptr<RfbClient>> start(int fd, const RfbOptions& options);
    // Playback's keyframes: like start(), but the stream on `fd` carries on where `state` was taken (no handshake
    // on it) and the decoder starts from that state, so it shows what one that read the stream from its start
    // would. Counters (updates, bytes) start from 0. Errors: invalid_argument for bad options or fd, unavailable
    // when the state cannot be copied in (out of memory).
    static core::Result<std::unique_ptr<RfbClient>> resume(int fd, const RfbOptions& options,
                                                           const RfbDecoderState& state);

    // Stops both threads, closes the fd and frees libvncclient's state. Does not call on_closed.
    ~RfbClient();
    RfbClient(const RfbClient&) = delete;
    RfbClient& operator=(const RfbClient&) = delete;

    Framebuffer framebuffer() const;       // a copy, taken under a lock
    std::uint64_t updates() const;         // framebuffer update messages fully handled
    std::uint64_t bytes_received() const;  // bytes read from the server's stream, handshake included
    // The median time from the technician's pointer or key event to the first framebuffer update that began
    // arriving after it, over the last few seconds (see InputLatency); none while no recent input was answered.
    // Measured where the bytes are: input as the worker writes it, updates as their first byte reaches the pump.
    std::optional<std::chrono::microseconds> input_latency() const;
    // Waits until at least `count` updates arrived or the connection ended; true if the count was reached.
    bool wait_for_updates(std::uint64_t count, std::chrono::milliseconds timeout) const;
    // Waits until the server has painted every pixel of the current framebuffer at least once (the first
    // picture is complete), or the connection ended; true if it is complete. Checked after each update message.
    bool wait_for_full_frame(std::chrono::milliseconds timeout) const;
    // Waits until the connection has ended (the server's stream ended, it was refused, or the handshake failed);
    // true if it has. Everything the server sent before its end has then been handled.
    bool wait_closed(std::chrono::milliseconds timeout) const;

    // Asks for a copy of the decoder's state at the moment libvncclient has handled exactly the first
    // `server_byte` bytes of the server's stream (counted from start() or resume()) -- a message boundary. The
    // caller must not let the stream carry bytes past that one until `done` has run. `done` runs once, on the
    // worker thread (on the caller's at once if the connection is already closed): with the state, or with an
    // error when the position is not where a message ends, has already passed, a later request superseded it, or
    // the connection ends first. Keep it short.
    using StateCallback = std::function<void(core::Result<std::shared_ptr<const RfbDecoderState>>)>;
    void request_state(std::uint64_t server_byte, StateCallback done);

    // Setters may be called at any time; the new callback applies from the next event.
    void set_on_update(std::function<void(int x, int y, int w, int h)> callback);  // pixels are in framebuffer()
    void set_on_resize(std::function<void(int width, int height)> callback);       // before the new size's pixels
    void set_on_clipboard(std::function<void(std::string text)> callback);         // Latin-1, as RFB sends it
    void set_on_closed(std::function<void(std::string reason)> callback);          // once, unless destroyed first

    // Queued for the worker. Errors: permission_denied when view-only, unavailable once the connection ended,
    // invalid_argument for out-of-range values, too_many_requests when the server stopped reading our input,
    // payload_too_large for clipboard text over 1 MiB.
    core::Result<void> send_pointer(int x, int y, int button_mask);
    core::Result<void> send_key(std::uint32_t keysym, bool down);
    core::Result<void> send_clipboard(const std::string& latin1_text);
    // Sends a new SetEncodings (quality clamped to -1..9) and asks for a full refresh in it.
    void set_encoding(Encoding encoding, int quality);

    bool connected() const;
    std::string close_reason() const;  // empty while connected

private:
    struct Impl;
    explicit RfbClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Writes a Framebuffer as PNG (libpng, RGB 8-bit) to `path`; used by the headless viewer's --screenshot.
// Errors: invalid_argument for an empty or inconsistent framebuffer, unavailable when the file cannot be written.
core::Result<void> write_png(const Framebuffer& framebuffer, const std::string& path);

}  // namespace lifeline::viewer
