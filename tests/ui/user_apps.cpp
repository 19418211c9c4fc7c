#include "tests/ui/user_apps.hpp"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <stdexcept>
#include <thread>

namespace lifeline::testing {

UserApps::UserApps(const std::string& display) : display_(XOpenDisplay(display.c_str())) {
    if (display_ == nullptr) throw std::runtime_error("cannot open " + display);
    const Window root = DefaultRootWindow(display_);
    XSetWindowAttributes attributes{};
    attributes.override_redirect = True;
    attributes.background_pixel = 0xffffff;
    attributes.event_mask = ButtonPressMask | KeyPressMask;
    window_ = XCreateWindow(display_, root, 200, 150, 300, 200, 0, CopyFromParent, InputOutput, CopyFromParent,
                            CWOverrideRedirect | CWBackPixel | CWEventMask, &attributes);
    XMapRaised(display_, window_);
    requestor_ = XCreateSimpleWindow(display_, root, 0, 0, 1, 1, 0, 0, 0);
    XSync(display_, False);
    XSetInputFocus(display_, window_, RevertToPointerRoot, CurrentTime);
    XSync(display_, False);
}

UserApps::~UserApps() { XCloseDisplay(display_); }

std::string UserApps::take_input() {
    std::string seen;
    XEvent event;
    while (XCheckWindowEvent(display_, window_, ButtonPressMask | KeyPressMask, &event)) {
        if (event.type == ButtonPress) {
            seen += "click@" + std::to_string(event.xbutton.x) + "," + std::to_string(event.xbutton.y) + " ";
        } else if (event.type == KeyPress) {
            char text[8] = {};
            KeySym keysym = 0;
            const int n = XLookupString(&event.xkey, text, sizeof text, &keysym, nullptr);
            seen.append(text, static_cast<std::size_t>(n > 0 ? n : 0));
        }
    }
    return seen;
}

void UserApps::own_clipboard(std::string utf8) {
    offered_ = std::move(utf8);
    XSetSelectionOwner(display_, XInternAtom(display_, "CLIPBOARD", False), requestor_, CurrentTime);
    XSync(display_, False);
}

void UserApps::pump() {
    const Atom utf8 = XInternAtom(display_, "UTF8_STRING", False);
    const Atom targets = XInternAtom(display_, "TARGETS", False);
    XEvent event;
    while (XCheckTypedEvent(display_, SelectionRequest, &event)) {
        const XSelectionRequestEvent& request = event.xselectionrequest;
        XEvent reply{};
        reply.xselection.type = SelectionNotify;
        reply.xselection.requestor = request.requestor;
        reply.xselection.selection = request.selection;
        reply.xselection.target = request.target;
        reply.xselection.time = request.time;
        reply.xselection.property = None;
        if (request.target == utf8 || request.target == XA_STRING) {
            XChangeProperty(display_, request.requestor, request.property, utf8, 8, PropModeReplace,
                            reinterpret_cast<const unsigned char*>(offered_.data()), static_cast<int>(offered_.size()));
            reply.xselection.property = request.property;
        } else if (request.target == targets) {
            const Atom offered[] = {targets, utf8};
            XChangeProperty(display_, request.requestor, request.property, XA_ATOM, 32, PropModeReplace,
                            reinterpret_cast<const unsigned char*>(offered), 2);
            reply.xselection.property = request.property;
        }
        XSendEvent(display_, request.requestor, False, NoEventMask, &reply);
    }
    XFlush(display_);
}

std::string UserApps::clipboard_text(std::chrono::milliseconds wait) {
    const Atom clipboard = XInternAtom(display_, "CLIPBOARD", False);
    if (XGetSelectionOwner(display_, clipboard) == None) return {};
    const Atom property = XInternAtom(display_, "LIFELINE_TEST_CLIPBOARD", False);
    XConvertSelection(display_, clipboard, XInternAtom(display_, "UTF8_STRING", False), property, requestor_,
                      CurrentTime);
    XFlush(display_);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    XEvent event;
    while (!XCheckTypedWindowEvent(display_, requestor_, SelectionNotify, &event)) {
        if (std::chrono::steady_clock::now() > deadline) return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (event.xselection.property == None) return {};
    Atom type = None;
    int format = 0;
    unsigned long count = 0, after = 0;
    unsigned char* data = nullptr;
    std::string text;
    if (XGetWindowProperty(display_, requestor_, property, 0, 1 << 20, True, AnyPropertyType, &type, &format, &count,
                           &after, &data) == Success &&
        data != nullptr) {
        text.assign(reinterpret_cast<const char*>(data), count);
    }
    if (data != nullptr) XFree(data);
    return text;
}

}  // namespace lifeline::testing
