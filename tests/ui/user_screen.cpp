#include "tests/ui/user_screen.hpp"

#include <X11/Xlib.h>

#include <stdexcept>

namespace lifeline::testing {

UserScreen::UserScreen(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
    if (display_ == nullptr) throw std::runtime_error("cannot open " + display);
    const Window root = DefaultRootWindow(display_);
    XSetWindowBackground(display_, root, 0x008080);
    XClearWindow(display_, root);
    XSetWindowAttributes attributes{};
    attributes.override_redirect = True;
    attributes.background_pixel = 0xffffff;
    Window block = XCreateWindow(display_, root, 200, 150, 300, 200, 0, CopyFromParent, InputOutput, CopyFromParent,
                                 CWOverrideRedirect | CWBackPixel, &attributes);
    XMapRaised(display_, block);
    XWarpPointer(display_, None, root, 0, 0, 0, 0, 1000, 740);
    XSync(display_, False);
}

UserScreen::~UserScreen() { XCloseDisplay(display_); }

std::pair<int, int> UserScreen::pointer() const {
    Window root = 0, child = 0;
    int rx = 0, ry = 0, wx = 0, wy = 0;
    unsigned mask = 0;
    XQueryPointer(display_, DefaultRootWindow(display_), &root, &child, &rx, &ry, &wx, &wy, &mask);
    return {rx, ry};
}

}  // namespace lifeline::testing
