// What the screen server needs around libvncserver's C interface: its log lines in spdlog, an Xlib I/O error
// handler that does not exit, and the cursor shape built the way libvncserver frees it.
#pragma once

#include "agent/screen/pixel_format.hpp"
#include "agent/screen/x11_capture.hpp"

#include <rfb/rfb.h>

#include <string>

namespace lifeline::agent::screen {

// Larger cursors are not forwarded (XFixes hands out at most a few hundred pixels square).
inline constexpr int kMaxCursorSide = 512;

// Once per process: libvncserver's log to spdlog, and an Xlib I/O error handler that only logs, so that each
// display's exit handler decides what losing the X server means.
void install_process_hooks();

// The last error libvncserver logged on this thread, mostly the reason a viewer went away. The caller clears it
// before the call whose failure it wants to explain.
std::string& last_rfb_error();

// The cursor for rfbSetCursor, which takes ownership (everything in it is malloc'ed and marked for cleanup), its
// pixels in the framebuffer's layout. nullptr for an empty cursor, one larger than kMaxCursorSide on a side, one
// with fewer pixels than its size says, or when memory ran out.
rfbCursor* make_rfb_cursor(const CursorImage& image, const FrameLayout& layout);

}  // namespace lifeline::agent::screen
