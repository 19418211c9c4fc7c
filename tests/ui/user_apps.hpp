// The user's programs in a desktop-viewer test, on the agent's own X server: a window that records the clicks
// and keys it gets, and the CLIPBOARD, owned with a text or read back. Kept apart from the Qt test code: Xlib's
// macros (None, Bool, ...) collide with Qt's names.
#pragma once

#include <chrono>
#include <string>

struct _XDisplay;  // Xlib's Display

namespace lifeline::testing {

class UserApps {
public:
    // A white window over UserScreen's white block (200, 150, 300 x 200), so the picture stays the same, with
    // the keyboard focus. Its own X connection.
    explicit UserApps(const std::string& display);
    ~UserApps();
    UserApps(const UserApps&) = delete;
    UserApps& operator=(const UserApps&) = delete;

    // Everything the window received since the last call: "click@X,Y " (window coordinates) for a button press,
    // the typed characters for keys.
    std::string take_input();
    // Takes CLIPBOARD with `utf8`; requests for it are answered while pump() is called.
    void own_clipboard(std::string utf8);
    void pump();
    // CLIPBOARD's text (UTF-8) from whoever owns it; empty when nobody does or the owner gave nothing within `wait`.
    std::string clipboard_text(std::chrono::milliseconds wait);

private:
    ::_XDisplay* display_;
    unsigned long window_ = 0;     // the user's window
    unsigned long requestor_ = 0;  // where selections are converted to
    std::string offered_;
};

}  // namespace lifeline::testing
