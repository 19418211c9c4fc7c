// One-time Xlib initialisation shared by system info, screenshots and (later) screen capture.
#include "agent/machine/xlib_setup.hpp"

#include <X11/Xlib.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace lifeline::agent::machine {

namespace {

int log_x_error(Display* display, XErrorEvent* event) {
    char text[256] = {};
    ::XGetErrorText(display, event->error_code, text, sizeof text);
    spdlog::warn("agent: X11 error: {} (request {}.{})", text, static_cast<int>(event->request_code),
                 static_cast<int>(event->minor_code));
    return 0;
}

}  // namespace

void ensure_xlib_ready() {
    static std::once_flag once;
    std::call_once(once, [] {
        ::XInitThreads();
        ::XSetErrorHandler(&log_x_error);
    });
}

}  // namespace lifeline::agent::machine
