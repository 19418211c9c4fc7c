// Screen capture on X11: XDamage says what changed, XShm (or plain XGetImage where MIT-SHM is not
// usable) copies just those rectangles into a 32-bit framebuffer. It also follows the screen's size
// and monitors (RandR), the cursor shape (XFixes) and, through XInput 2 raw motion, when the pointer
// moved, so that nothing has to be polled.
//
// Not thread-safe: the screen server's loop thread makes every call, on the Display it passed to
// create(), and feeds it that Display's events through handle_event().
#pragma once

#include "agent/screen/pixel_format.hpp"
#include "shared/core/error.hpp"

#include <X11/Xlib.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace lifeline::agent::screen {

struct Rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;

    bool empty() const { return width <= 0 || height <= 0; }
    bool operator==(const Rect&) const = default;
};

// Intersection of two rectangles; empty() when they do not overlap.
Rect intersect(const Rect& a, const Rect& b);

// The cursor as XFixes hands it over.
struct CursorImage {
    int width = 0;
    int height = 0;
    int xhot = 0;
    int yhot = 0;
    std::vector<std::uint32_t> argb;  // premultiplied 0xAARRGGBB, row-major
};

class X11Capture {
public:
    // `monitor` -1 serves the whole root window; otherwise the index of an active RandR monitor
    // (XRRGetMonitors order), Errc::not_found if there is no such monitor. Errc::unavailable when
    // the display lacks DAMAGE or XFixes or is not true-colour.
    static core::Result<std::unique_ptr<X11Capture>> create(Display* display, int monitor, bool use_xshm,
                                                            FrameLayout layout);
    ~X11Capture();
    X11Capture(const X11Capture&) = delete;
    X11Capture& operator=(const X11Capture&) = delete;

    // The served area in root coordinates. The framebuffer is area().width x area().height pixels.
    const Rect& area() const { return area_; }
    bool using_xshm() const { return shm_ != nullptr; }

    // Takes one X event. Returns true if it was one of ours (damage, RandR, cursor).
    bool handle_event(XEvent& event);

    bool damage_pending() const { return damage_pending_; }
    bool cursor_changed() const { return cursor_changed_; }
    // The pointer moved (anyone's: the local user's or injected) since the last pointer_position().
    // Always false without XInput 2, which the server then cannot follow.
    bool pointer_moved() const { return pointer_moved_; }
    // RandR reported a change: call update_area() to find out whether the served area moved.
    bool screen_changed() const { return screen_changed_; }

    // Re-reads the screen and monitor geometry. Returns true when area() changed (the framebuffer must
    // be reallocated and grabbed whole); the XShm segment is resized to match.
    bool update_area();

    // Copies the whole area into `frame` (area().width * area().height pixels) and drops pending damage.
    void grab_all(std::uint32_t* frame);
    // What changed since the last grab, in frame coordinates, for grab() to copy; clears damage_pending().
    std::vector<Rect> take_damage();
    // Copies `rect` (frame coordinates, inside the area) into `frame`.
    void grab(const Rect& rect, std::uint32_t* frame);
    // Forgets what changed without copying it: nobody is watching, and the next viewer starts from
    // grab_all().
    void discard_damage();

    // The current cursor image; clears cursor_changed(). nullopt if XFixes has none to give.
    std::optional<CursorImage> take_cursor();
    // Where the pointer is, in frame coordinates; nullopt when it is outside the served area. Clears
    // pointer_moved().
    std::optional<std::pair<int, int>> pointer_position();

private:
    struct ShmSegment;

    explicit X11Capture(Display* display);  // in the .cpp, where ShmSegment is complete
    core::Result<Rect> read_area() const;
    Rect screen_rect() const;  // the root window; empty if the server would not say
    void setup_shm();
    void select_raw_motion(bool on);
    void grab_rect(const Rect& root_rect, std::uint32_t* frame);

    Display* display_;
    Window root_ = None;
    Visual* visual_ = nullptr;
    int depth_ = 0;
    int monitor_ = -1;
    bool want_xshm_ = true;
    std::unique_ptr<PixelConverter> converter_;
    Rect area_;

    int damage_event_base_ = 0;
    int fixes_event_base_ = 0;
    int randr_event_base_ = -1;  // -1: no RandR, the size never changes under us
    int xi_opcode_ = -1;         // -1: no XInput 2, pointer motion is not reported
    Damage damage_ = None;
    XserverRegion damaged_region_ = None;
    std::unique_ptr<ShmSegment> shm_;

    bool damage_pending_ = false;
    bool cursor_changed_ = true;  // the first cursor is sent as soon as someone asks
    bool screen_changed_ = false;
    bool pointer_moved_ = true;  // where the pointer is at the start is news too
};

}  // namespace lifeline::agent::screen
