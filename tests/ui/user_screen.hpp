// The user's side of a desktop-viewer test, on the agent's own X server. Kept apart from the Qt test
// code: Xlib's macros (None, Bool, ...) collide with Qt's names.
#pragma once

#include <string>
#include <utility>

struct _XDisplay;  // Xlib's Display

namespace lifeline::testing {

// A teal desktop with a white block at (200, 150), 300 x 200, and the pointer parked in a corner. Holds
// its X connection for its lifetime: Xvfb resets (and forgets the picture) when its last client leaves.
class UserScreen {
public:
    explicit UserScreen(const std::string& display);
    ~UserScreen();
    UserScreen(const UserScreen&) = delete;
    UserScreen& operator=(const UserScreen&) = delete;

    // Where the pointer is.
    std::pair<int, int> pointer() const;

private:
    ::_XDisplay* display_;
};

}  // namespace lifeline::testing
