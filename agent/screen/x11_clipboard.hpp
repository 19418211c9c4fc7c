// Clipboard exchange with the X session, text only. Text from the viewer is offered as CLIPBOARD and
// PRIMARY by a hidden window that answers selection requests; when another client takes CLIPBOARD,
// its text is fetched for the viewer.
//
// Not thread-safe: the screen server's loop thread makes every call, on the Display it passed to
// create(), and feeds it that Display's events through handle_event().
#pragma once

#include "shared/core/error.hpp"

#include <X11/Xlib.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::agent::screen {

// RFB's classic cut text is ISO 8859-1; X selections carry UTF-8.
std::string latin1_to_utf8(std::string_view latin1);
// Characters outside Latin-1, and malformed sequences, become '?'.
std::string utf8_to_latin1(std::string_view utf8);

class X11Clipboard {
public:
    // Larger text is neither offered nor fetched (libvncserver caps the viewer's at the same size).
    static constexpr std::size_t kMaxText = 1 << 20;

    // Errc::unavailable when the X server lacks XFIXES.
    static core::Result<std::unique_ptr<X11Clipboard>> create(Display* display);
    ~X11Clipboard();  // destroys the hidden window, which gives up any selection it owns
    X11Clipboard(const X11Clipboard&) = delete;
    X11Clipboard& operator=(const X11Clipboard&) = delete;

    // Takes CLIPBOARD and PRIMARY and serves `utf8` until another client takes them.
    void set_text(std::string utf8);
    // Whether a new local CLIPBOARD owner is read at all; off while nobody may see it.
    void set_watching(bool watching) { watching_ = watching; }

    // Takes selection events. Returns true if the event was one of those.
    bool handle_event(XEvent& event);
    // The local clipboard's text, once it has been fetched after a change; then nullopt until the next.
    std::optional<std::string> take_local_text();

private:
    explicit X11Clipboard(Display* display) : display_(display) {}
    void answer(const XSelectionRequestEvent& request);
    void receive(const XSelectionEvent& notify);

    Display* display_;
    Window window_ = None;
    int fixes_event_base_ = 0;
    std::size_t max_property_bytes_ = 0;
    Atom clipboard_ = None;
    Atom utf8_string_ = None;
    Atom text_plain_utf8_ = None;
    Atom text_ = None;
    Atom targets_ = None;
    Atom incr_ = None;
    Atom property_ = None;  // where local owners put what we ask for

    std::string offered_;  // UTF-8, what we serve while we own a selection
    bool own_clipboard_ = false;
    bool own_primary_ = false;
    bool watching_ = false;
    std::optional<std::string> fetched_;
};

}  // namespace lifeline::agent::screen
