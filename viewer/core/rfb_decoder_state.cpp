// RfbDecoderState: copying libvncclient's state between two server messages, and putting it into a fresh client.
//
// What persists in libvncclient 0.9.14 from one message to the next, for the encodings we let through (raw,
// tight, ZRLE and the guard's pseudo-encodings): the framebuffer; the four tight zlib streams and ZRLE's one, each
// with its 32 KiB window (a server compresses every rectangle with the same stream, so later data refers back
// into earlier updates); the ServerInit, name and protocol version; the fields pseudo-encodings set
// (supportedMessages, screen, requestedResize, the keyboard LED state); and appData.qualityLevel, which a ZRLE
// rectangle sets. Everything else (tight's filter, palette and gradient row, the read buffers) is per rectangle.
// zlib's inflateCopy copies a stream whole, bits in flight and window included, so a restored stream inflates
// the rest of the recording exactly as the original would have.
#include "viewer/core/rfb_decoder_state.hpp"

#include <rfb/rfbclient.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace lifeline::viewer {

namespace {

constexpr std::size_t kTightStreams = 4;
constexpr std::size_t kStreams = kTightStreams + 1;  // tight's four, then ZRLE's
// inflate's own state is about 7 KiB; its window 32 KiB once the stream has produced output.
constexpr std::size_t kStreamBytes = (7 + 32) * 1024;

}  // namespace

struct RfbDecoderState::Libvnc {
    Libvnc() = default;
    Libvnc(const Libvnc&) = delete;
    Libvnc& operator=(const Libvnc&) = delete;
    ~Libvnc() {
        for (std::size_t i = 0; i < kStreams; ++i) {
            if (active[i]) inflateEnd(&streams[i]);
        }
    }

    rfbServerInitMsg si{};
    std::string desktop_name;
    bool has_desktop_name = false;
    int major = 0, minor = 0;
    rfbSupportedMessages supported_messages{};
    rfbExtDesktopScreen screen{};
    rfbBool requested_resize = FALSE;
    int keyboard_led_enabled = 0, keyboard_led_state = 0;
    int quality_level = 0;
    std::array<z_stream, kStreams> streams{};
    std::array<bool, kStreams> active{};
};

RfbDecoderState::RfbDecoderState() = default;
RfbDecoderState::~RfbDecoderState() = default;

std::size_t RfbDecoderState::memory_bytes() const {
    std::size_t bytes = sizeof(*this) + picture_.pixels.size() * sizeof(std::uint32_t) + painted_.size();
    if (libvnc_) {
        bytes += sizeof(Libvnc) + libvnc_->desktop_name.size();
        for (bool active : libvnc_->active) {
            if (active) bytes += kStreamBytes;
        }
    }
    return bytes;
}

std::shared_ptr<const RfbDecoderState> RfbDecoderState::capture(const rfbClient& client, Framebuffer picture,
                                                                std::vector<std::uint8_t> painted,
                                                                std::size_t unpainted, const RfbStreamGuard& guard,
                                                                std::uint64_t updates, std::uint64_t server_bytes) {
    std::shared_ptr<RfbDecoderState> state(new RfbDecoderState);
    state->picture_ = std::move(picture);
    if (unpainted > 0) state->painted_ = std::move(painted);
    state->unpainted_ = unpainted;
    state->guard_ = guard;
    state->updates_ = updates;
    state->server_bytes_ = server_bytes;
    auto libvnc = std::make_unique<Libvnc>();
    libvnc->si = client.si;
    libvnc->has_desktop_name = client.desktopName != nullptr;
    if (client.desktopName != nullptr) libvnc->desktop_name = client.desktopName;
    libvnc->major = client.major;
    libvnc->minor = client.minor;
    libvnc->supported_messages = client.supportedMessages;
    libvnc->screen = client.screen;
    libvnc->requested_resize = client.requestedResize;
    libvnc->keyboard_led_enabled = client.KeyboardLedStateEnabled;
    libvnc->keyboard_led_state = client.CurrentKeyboardLedState;
    libvnc->quality_level = client.appData.qualityLevel;
    // inflateCopy only reads its source; zlib's signature just is not const.
    auto& source = const_cast<rfbClient&>(client);
    for (std::size_t i = 0; i < kStreams; ++i) {
        const bool active = i < kTightStreams ? client.zlibStreamActive[i] == TRUE : client.decompStreamInited == TRUE;
        if (!active) continue;
        z_stream* from = i < kTightStreams ? &source.zlibStream[i] : &source.decompStream;
        if (inflateCopy(&libvnc->streams[i], from) != Z_OK) return nullptr;
        libvnc->active[i] = true;
    }
    state->libvnc_ = std::move(libvnc);
    return state;
}

bool RfbDecoderState::restore_into(rfbClient& client) const {
    const Libvnc& saved = *libvnc_;
    client.si = saved.si;
    std::free(client.desktopName);
    client.desktopName = saved.has_desktop_name ? strdup(saved.desktop_name.c_str()) : nullptr;
    client.major = saved.major;
    client.minor = saved.minor;
    client.supportedMessages = saved.supported_messages;
    client.screen = saved.screen;
    client.requestedResize = saved.requested_resize;
    client.KeyboardLedStateEnabled = saved.keyboard_led_enabled;
    client.CurrentKeyboardLedState = saved.keyboard_led_state;
    client.appData.qualityLevel = saved.quality_level;
    auto& streams = const_cast<Libvnc&>(saved).streams;  // inflateCopy reads its source only
    for (std::size_t i = 0; i < kStreams; ++i) {
        if (!saved.active[i]) continue;
        z_stream* into = i < kTightStreams ? &client.zlibStream[i] : &client.decompStream;
        if (inflateCopy(into, &streams[i]) != Z_OK) return false;
        // Marked live only once copied, so rfbClientCleanup ends exactly the streams that exist.
        if (i < kTightStreams) {
            client.zlibStreamActive[i] = TRUE;
        } else {
            client.decompStreamInited = TRUE;
        }
    }
    return true;
}

}  // namespace lifeline::viewer
