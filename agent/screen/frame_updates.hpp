// From X damage to framebuffer updates: the damaged rectangles are grabbed, compared with what the viewer holds
// (scroll_detector), and handed to libvncserver as copies and changed areas in an order the viewer can follow.
// Loop thread of the screen server only.
#pragma once

#include "agent/screen/scroll_detector.hpp"
#include "agent/screen/x11_capture.hpp"

#include <rfb/rfb.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lifeline::agent::screen {

// In screen (framebuffer) coordinates.
struct FrameChanges {
    std::vector<AreaMove> copies;  // blocks that are the old picture moved; they do not overlap
    std::vector<Area> changed;     // what goes as pixels, after the copies
};

class DamageGrabber {
public:
    // Grabs everything X reported damaged into `framebuffer` (rows `stride` pixels apart) and says what changed;
    // with `find_moves` (the viewer takes CopyRect) moved blocks come as copies, otherwise all as pixels.
    FrameChanges grab(X11Capture& capture, std::uint32_t* framebuffer, std::size_t stride, bool find_moves);

private:
    std::vector<std::uint32_t> before_grab_;  // a damaged rectangle as it was, to see what really changed
};

// Schedules the copies and marks the changed areas on the client's screen. An update carries copies by one
// distance only, so each distance but the last is sent at once, in an update of its own.
void queue_frame_changes(rfbClientPtr client, FrameChanges changes);

}  // namespace lifeline::agent::screen
