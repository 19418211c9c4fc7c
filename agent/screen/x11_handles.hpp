// Owning handles for the Xlib objects the screen server holds, so that every early return frees them.
#pragma once

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <memory>

namespace lifeline::agent::screen {

struct DisplayCloser {
    void operator()(Display* display) const { ::XCloseDisplay(display); }
};
using DisplayPtr = std::unique_ptr<Display, DisplayCloser>;

// For everything Xlib and its extensions allocate and document as "free with XFree".
struct XFreeDeleter {
    void operator()(void* data) const {
        if (data != nullptr) ::XFree(data);
    }
};
template <class T>
using XPtr = std::unique_ptr<T, XFreeDeleter>;

// XDestroyImage is a macro, so it cannot be named as a deleter directly. For an XShm image it frees
// only the header, never the shared segment.
struct ImageDeleter {
    void operator()(XImage* image) const { XDestroyImage(image); }
};
using ImagePtr = std::unique_ptr<XImage, ImageDeleter>;

}  // namespace lifeline::agent::screen
