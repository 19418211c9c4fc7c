// Playing a session recording (.llrec): its server stream through the same RfbClient (and so the same guard and
// libvncclient decoders) a live session uses, paced as recorded or faster, up to a time offset (no Qt).
#pragma once

#include "shared/core/error.hpp"
#include "shared/recording/format.hpp"
#include "viewer/core/rfb_client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace lifeline::viewer {

class PlaybackSnapshots;  // playback_snapshots.hpp

struct PlaybackOptions {
    // 1 plays as recorded, 4 four times as fast; 0 as fast as the decoder takes it.
    double speed = 0;
    // Plays the chunks recorded up to this offset (ms), and the rest of a server message in progress at it, so the
    // picture never shows half an update. Unset: the whole recording.
    std::optional<std::uint32_t> stop_at_ms;
    // Chunks before this offset are played as fast as the decoder takes them and pacing (speed > 0) starts here:
    // how a player resumes or jumps to a point of the recording.
    std::uint32_t start_at_ms = 0;
    // Called on the decoder's thread after a framebuffer update, at most once per `picture_interval`, with the
    // picture and the offset of the last chunk played, once playing has reached start_at_ms. Keep it short.
    std::function<void(Framebuffer picture, std::uint32_t at_ms)> on_picture;
    std::chrono::milliseconds picture_interval{33};
    // The decoder's options. The recorded stream already carries the encoded rectangles, so the encoding offered
    // does not matter; the pixel format does, and RfbClient always asks for the same one. Input is never sent.
    RfbOptions rfb;
    // After the last byte is written, for the decoder to finish.
    std::chrono::milliseconds drain_timeout{30'000};
    // Keyframes of this recording, shared by every play of it: playing resumes at the latest one it may (at or
    // before start_at_ms when pacing or showing pictures, at or before stop_at_ms), and adds those that fall due
    // while it decodes. Null: every play decodes from the start.
    std::shared_ptr<PlaybackSnapshots> snapshots;
};

struct PlaybackResult {
    recording::RecordingHeader header;
    Framebuffer framebuffer;         // the picture after the last byte played
    std::uint64_t chunks = 0;        // chunks read from the recording
    std::uint64_t server_bytes = 0;  // bytes of the machine's stream fed to the decoder
    std::uint32_t played_ms = 0;     // the offset of the last chunk played
    std::uint64_t updates = 0;       // framebuffer updates the decoder handled
    bool complete = false;           // the recording's end was reached and it was finished normally
    bool truncated = false;          // the recording's end was reached and a crash had cut it short
    std::string end;                 // how the reading ended, for people: "complete, 120 chunks", "stopped at ..."
    std::optional<std::uint32_t> resumed_at_ms;  // the offset of the keyframe decoding resumed at, if it did
    std::uint64_t keyframes_taken = 0;           // keyframes this play added to options.snapshots
};

// Plays `path`. Blocking: runs the writer side on a thread of its own and libvncclient on RfbClient's, and returns
// once the decoder has handled every byte played. `stop` cuts it short (an unavailable error). Errors:
// not_found/unavailable (the file), invalid_argument (not a recording, damaged, a stream the guard refuses, or one
// that ends before the RFB handshake), unavailable (the decoder failed or did not finish in time).
core::Result<PlaybackResult> play_recording(const std::string& path, const PlaybackOptions& options,
                                            std::stop_token stop = {});

}  // namespace lifeline::viewer
