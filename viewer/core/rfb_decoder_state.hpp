// RfbDecoderState: everything an RfbClient's decoder holds between two server messages -- the picture, the stream
// guard's place, and libvncclient's protocol state and zlib streams -- so that playback can resume decoding there
// (a keyframe) with exactly the pixels a decoder that read the stream from its start would show (no Qt).
#pragma once

#include "viewer/core/rfb_client.hpp"
#include "viewer/core/rfb_stream_guard.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

struct _rfbClient;  // libvncclient's rfbClient; only rfb_client.cpp and rfb_decoder_state.cpp see inside

namespace lifeline::viewer {

// Immutable once taken; safe to share between threads and to resume several decoders from, one after another or at
// once. Made by RfbClient::request_state() and used by RfbClient::resume().
class RfbDecoderState {
public:
    ~RfbDecoderState();
    RfbDecoderState(const RfbDecoderState&) = delete;
    RfbDecoderState& operator=(const RfbDecoderState&) = delete;

    const Framebuffer& picture() const { return picture_; }
    // The updates the client that took it had handled; the server bytes it had read (counted from its start).
    std::uint64_t updates() const { return updates_; }
    std::uint64_t server_bytes() const { return server_bytes_; }
    // What holding it costs: the picture, the painted map and the zlib streams with their windows.
    std::size_t memory_bytes() const;

    // ---- for RfbClient ---------------------------------------------------------------------------------------
    struct Libvnc;  // libvncclient's part: protocol fields and copies of the zlib streams
    // Copies what `client` holds (its worker thread, between messages) with the picture and guard RfbClient keeps.
    static std::shared_ptr<const RfbDecoderState> capture(const _rfbClient& client, Framebuffer picture,
                                                          std::vector<std::uint8_t> painted, std::size_t unpainted,
                                                          const RfbStreamGuard& guard, std::uint64_t updates,
                                                          std::uint64_t server_bytes);
    // Into a client fresh from rfbGetClient whose framebuffer has been allocated at picture()'s size: the protocol
    // fields and the zlib streams (copies; this state stays usable). The pixels are the caller's to copy. False if
    // zlib could not copy a stream (out of memory).
    bool restore_into(_rfbClient& client) const;
    const std::vector<std::uint8_t>& painted() const { return painted_; }  // empty when every pixel is painted
    std::size_t unpainted() const { return unpainted_; }
    const RfbStreamGuard& guard() const { return guard_; }

private:
    RfbDecoderState();

    Framebuffer picture_;
    std::vector<std::uint8_t> painted_;
    std::size_t unpainted_ = 0;
    RfbStreamGuard guard_;
    std::uint64_t updates_ = 0;
    std::uint64_t server_bytes_ = 0;
    std::unique_ptr<Libvnc> libvnc_;
};

}  // namespace lifeline::viewer
