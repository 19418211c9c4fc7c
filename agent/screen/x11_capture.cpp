// XDamage + XShm capture: the server keeps the damaged region, we fetch it as rectangles and copy
// only those, so an idle screen costs nothing.
#include "agent/screen/x11_capture.hpp"

#include "agent/screen/x11_handles.hpp"

#include <X11/extensions/XInput2.h>
#include <X11/extensions/Xrandr.h>
#include <spdlog/spdlog.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <string>

namespace lifeline::agent::screen {

namespace {

// Beyond this many rectangles one grab of their bounding box is cheaper than a round trip each.
constexpr int kMaxDamageRects = 64;

struct MonitorsDeleter {
    void operator()(XRRMonitorInfo* monitors) const { ::XRRFreeMonitors(monitors); }
};

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

}  // namespace

Rect intersect(const Rect& a, const Rect& b) {
    const int x1 = std::max(a.x, b.x);
    const int y1 = std::max(a.y, b.y);
    const int x2 = std::min(a.x + a.width, b.x + b.width);
    const int y2 = std::min(a.y + a.height, b.y + b.height);
    if (x2 <= x1 || y2 <= y1) return Rect{};
    return Rect{x1, y1, x2 - x1, y2 - y1};
}

// A System V shared-memory segment the X server writes screen contents into.
struct X11Capture::ShmSegment {
    Display* display;
    XShmSegmentInfo info{};
    bool attached = false;

    explicit ShmSegment(Display* d) : display(d) {
        info.shmid = -1;
        info.shmaddr = nullptr;
    }
    ~ShmSegment() {
        if (attached) ::XShmDetach(display, &info);
        if (info.shmaddr != nullptr) ::shmdt(info.shmaddr);
        // Marking it for removal twice is harmless; never marking it would leak it past our exit.
        if (info.shmid >= 0) ::shmctl(info.shmid, IPC_RMID, nullptr);
    }
    ShmSegment(const ShmSegment&) = delete;
    ShmSegment& operator=(const ShmSegment&) = delete;
};

X11Capture::X11Capture(Display* display) : display_(display) {}

core::Result<std::unique_ptr<X11Capture>> X11Capture::create(Display* display, int monitor, bool use_xshm,
                                                             FrameLayout layout) {
    std::unique_ptr<X11Capture> capture(new X11Capture(display));
    const int screen = DefaultScreen(display);
    capture->root_ = RootWindow(display, screen);
    capture->visual_ = DefaultVisual(display, screen);
    capture->depth_ = DefaultDepth(display, screen);
    capture->monitor_ = monitor;
    capture->want_xshm_ = use_xshm;
    if (capture->visual_->c_class != TrueColor && capture->visual_->c_class != DirectColor) {
        return unavailable("the X display is not true-colour");
    }
    capture->converter_ = std::make_unique<PixelConverter>(capture->visual_->red_mask, capture->visual_->green_mask,
                                                           capture->visual_->blue_mask, layout);

    int error_base = 0;
    if (!::XDamageQueryExtension(display, &capture->damage_event_base_, &error_base)) {
        return unavailable("the X server has no DAMAGE extension");
    }
    // Each extension must be told our version before its first request.
    int major = 1, minor = 1;
    ::XDamageQueryVersion(display, &major, &minor);
    if (!::XFixesQueryExtension(display, &capture->fixes_event_base_, &error_base)) {
        return unavailable("the X server has no XFIXES extension");
    }
    major = 5;
    minor = 0;
    ::XFixesQueryVersion(display, &major, &minor);
    if (major < 2) return unavailable("the X server's XFIXES is older than 2.0");

    bool has_monitors = false;
    if (::XRRQueryExtension(display, &capture->randr_event_base_, &error_base)) {
        major = 1;
        minor = 5;
        ::XRRQueryVersion(display, &major, &minor);
        has_monitors = major > 1 || minor >= 5;
        int mask = RRScreenChangeNotifyMask;
        if (major > 1 || minor >= 2) mask |= RRCrtcChangeNotifyMask | RROutputChangeNotifyMask;
        ::XRRSelectInput(display, capture->root_, mask);
    } else {
        capture->randr_event_base_ = -1;
    }
    if (monitor >= 0 && !has_monitors) return unavailable("serving one monitor needs RandR 1.5");

    auto area = capture->read_area();
    if (!area) return area.error();
    capture->area_ = *area;

    capture->damage_ = ::XDamageCreate(display, capture->root_, XDamageReportNonEmpty);
    capture->damaged_region_ = ::XFixesCreateRegion(display, nullptr, 0);
    ::XFixesSelectCursorInput(display, capture->root_, XFixesDisplayCursorNotifyMask);
    capture->select_raw_motion(true);
    capture->setup_shm();
    return capture;
}

X11Capture::~X11Capture() {
    select_raw_motion(false);
    shm_.reset();
    if (damage_ != None) ::XDamageDestroy(display_, damage_);
    if (damaged_region_ != None) ::XFixesDestroyRegion(display_, damaged_region_);
    if (root_ != None && fixes_event_base_ != 0) ::XFixesSelectCursorInput(display_, root_, 0);
    if (root_ != None && randr_event_base_ >= 0) ::XRRSelectInput(display_, root_, 0);
}

void X11Capture::select_raw_motion(bool on) {
    if (on) {
        int event_base = 0, error_base = 0;
        if (!::XQueryExtension(display_, "XInputExtension", &xi_opcode_, &event_base, &error_base)) {
            xi_opcode_ = -1;
        } else {
            int major = 2, minor = 0;
            if (::XIQueryVersion(display_, &major, &minor) != Success) xi_opcode_ = -1;
        }
        if (xi_opcode_ < 0) {
            spdlog::info("agent: screen: no XInput 2; the pointer is only followed when the viewer moves it");
            return;
        }
    } else if (xi_opcode_ < 0) {
        return;
    }
    // Raw events go to the root window only, and come from every device, grabbed or not.
    unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {};
    if (on) XISetMask(bits, XI_RawMotion);
    XIEventMask mask{XIAllMasterDevices, static_cast<int>(sizeof bits), bits};
    ::XISelectEvents(display_, root_, &mask, 1);
}

core::Result<Rect> X11Capture::read_area() const {
    const Rect screen = screen_rect();
    if (screen.empty()) return unavailable("cannot read the root window's size");
    if (monitor_ < 0) return screen;

    int count = 0;
    std::unique_ptr<XRRMonitorInfo, MonitorsDeleter> monitors(::XRRGetMonitors(display_, root_, True, &count));
    if (!monitors || monitor_ >= count) {
        return core::make_error(core::Errc::not_found, "there is no monitor " + std::to_string(monitor_) +
                                                           " (the display has " + std::to_string(count) + ")");
    }
    const XRRMonitorInfo& chosen = monitors.get()[monitor_];
    const Rect area = intersect(Rect{chosen.x, chosen.y, chosen.width, chosen.height}, screen);
    if (area.empty()) {
        return core::make_error(core::Errc::not_found, "monitor " + std::to_string(monitor_) + " is off the screen");
    }
    return area;
}

bool X11Capture::update_area() {
    screen_changed_ = false;
    auto area = read_area();
    Rect next;
    if (area) {
        next = *area;
    } else {
        // The monitor went away. Keep showing the same part of the screen rather than widening the
        // view to everything the user has; the whole screen only if nothing of that part is left.
        spdlog::warn("agent: screen: {}; keeping the last area", area.error().message);
        const Rect screen = screen_rect();
        next = intersect(area_, screen);
        if (next.empty()) next = screen;
        if (next.empty()) return false;
    }
    if (next == area_) return false;
    spdlog::info("agent: screen: now serving {}x{}+{}+{}", next.width, next.height, next.x, next.y);
    area_ = next;
    setup_shm();
    return true;
}

Rect X11Capture::screen_rect() const {
    Window root_return = None;
    int x = 0, y = 0;
    unsigned width = 0, height = 0, border = 0, depth = 0;
    if (!::XGetGeometry(display_, root_, &root_return, &x, &y, &width, &height, &border, &depth)) return Rect{};
    return Rect{0, 0, static_cast<int>(width), static_cast<int>(height)};
}

void X11Capture::setup_shm() {
    shm_.reset();
    if (!want_xshm_ || !::XShmQueryExtension(display_)) return;

    // The segment holds the largest image we ever ask for: the whole area.
    XShmSegmentInfo sizing{};
    ImagePtr header(::XShmCreateImage(display_, visual_, static_cast<unsigned>(depth_), ZPixmap, nullptr, &sizing,
                                      static_cast<unsigned>(area_.width), static_cast<unsigned>(area_.height)));
    if (!header) return;
    const auto bytes = static_cast<std::size_t>(header->bytes_per_line) * static_cast<std::size_t>(header->height);

    auto segment = std::make_unique<ShmSegment>(display_);
    segment->info.shmid = ::shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
    if (segment->info.shmid < 0) {
        spdlog::info("agent: screen: no shared memory segment ({} bytes); using XGetImage", bytes);
        return;
    }
    void* address = ::shmat(segment->info.shmid, nullptr, 0);
    if (address == reinterpret_cast<void*>(-1)) {
        spdlog::info("agent: screen: cannot map a shared memory segment; using XGetImage");
        return;
    }
    segment->info.shmaddr = static_cast<char*>(address);
    segment->info.readOnly = False;
    segment->attached = ::XShmAttach(display_, &segment->info) != 0;
    // A server on another host or in another IPC namespace cannot see the segment, and XShmAttach only
    // fails asynchronously: a one-pixel grab tells.
    ImagePtr probe(::XShmCreateImage(display_, visual_, static_cast<unsigned>(depth_), ZPixmap, segment->info.shmaddr,
                                     &segment->info, 1, 1));
    const bool works =
        segment->attached && probe && ::XShmGetImage(display_, root_, probe.get(), area_.x, area_.y, AllPlanes) != 0;
    // Once both sides are attached, removal only takes effect when the last one detaches.
    ::shmctl(segment->info.shmid, IPC_RMID, nullptr);
    segment->info.shmid = -1;
    if (!works) {
        spdlog::info("agent: screen: MIT-SHM is not usable on this display; using XGetImage");
        return;
    }
    shm_ = std::move(segment);
}

bool X11Capture::handle_event(XEvent& event) {
    if (event.type == GenericEvent && xi_opcode_ >= 0 && event.xcookie.extension == xi_opcode_) {
        // Only the fact matters, not the event's data, so the cookie is never fetched.
        if (event.xcookie.evtype == XI_RawMotion) pointer_moved_ = true;
        return true;
    }
    if (event.type == damage_event_base_ + XDamageNotify) {
        damage_pending_ = true;
        return true;
    }
    if (event.type == fixes_event_base_ + XFixesCursorNotify) {
        cursor_changed_ = true;
        return true;
    }
    if (randr_event_base_ >= 0 &&
        (event.type == randr_event_base_ + RRScreenChangeNotify || event.type == randr_event_base_ + RRNotify)) {
        // Keeps Xlib's idea of the screen size (DisplayWidth and friends) current.
        ::XRRUpdateConfiguration(&event);
        screen_changed_ = true;
        return true;
    }
    return false;
}

void X11Capture::discard_damage() {
    damage_pending_ = false;
    ::XDamageSubtract(display_, damage_, None, None);
}

void X11Capture::grab_all(std::uint32_t* frame) {
    // Subtract first: whatever changes after this point raises a new DamageNotify, so nothing is lost.
    discard_damage();
    grab_rect(area_, frame);
}

std::vector<Rect> X11Capture::take_damage() {
    damage_pending_ = false;
    ::XDamageSubtract(display_, damage_, None, damaged_region_);
    int count = 0;
    XRectangle bounds{};
    XPtr<XRectangle> rects(::XFixesFetchRegionAndBounds(display_, damaged_region_, &count, &bounds));

    std::vector<Rect> changed;
    auto take = [&](int x, int y, int width, int height) {
        const Rect rect = intersect(Rect{x, y, width, height}, area_);
        if (!rect.empty()) changed.push_back(Rect{rect.x - area_.x, rect.y - area_.y, rect.width, rect.height});
    };
    if (count > kMaxDamageRects) {
        take(bounds.x, bounds.y, bounds.width, bounds.height);
    } else {
        for (int i = 0; i < count; ++i) {
            const XRectangle& r = rects.get()[i];
            take(r.x, r.y, r.width, r.height);
        }
    }
    return changed;
}

void X11Capture::grab(const Rect& rect, std::uint32_t* frame) {
    grab_rect(Rect{rect.x + area_.x, rect.y + area_.y, rect.width, rect.height}, frame);
}

void X11Capture::grab_rect(const Rect& rect, std::uint32_t* frame) {
    const auto stride = static_cast<std::size_t>(area_.width);
    std::uint32_t* dest =
        frame + static_cast<std::size_t>(rect.y - area_.y) * stride + static_cast<std::size_t>(rect.x - area_.x);
    const auto width = static_cast<unsigned>(rect.width);
    const auto height = static_cast<unsigned>(rect.height);
    if (shm_) {
        // A header per rectangle over the one segment: XShmGetImage reads image->width x height.
        ImagePtr image(::XShmCreateImage(display_, visual_, static_cast<unsigned>(depth_), ZPixmap, shm_->info.shmaddr,
                                         &shm_->info, width, height));
        if (image && ::XShmGetImage(display_, root_, image.get(), rect.x, rect.y, AllPlanes)) {
            converter_->convert_image(*image, dest, stride);
        }
        return;
    }
    ImagePtr image(::XGetImage(display_, root_, rect.x, rect.y, width, height, AllPlanes, ZPixmap));
    if (image) converter_->convert_image(*image, dest, stride);
}

std::optional<CursorImage> X11Capture::take_cursor() {
    cursor_changed_ = false;
    XPtr<XFixesCursorImage> image(::XFixesGetCursorImage(display_));
    if (!image || image->width == 0 || image->height == 0) return std::nullopt;
    CursorImage cursor;
    cursor.width = image->width;
    cursor.height = image->height;
    cursor.xhot = image->xhot;
    cursor.yhot = image->yhot;
    const auto count = static_cast<std::size_t>(image->width) * image->height;
    cursor.argb.resize(count);
    // XFixes hands out 32-bit pixels in unsigned longs, which are 64 bits wide on LP64.
    for (std::size_t i = 0; i < count; ++i)
        cursor.argb[i] = static_cast<std::uint32_t>(image->pixels[i]);
    return cursor;
}

std::optional<std::pair<int, int>> X11Capture::pointer_position() {
    pointer_moved_ = false;
    Window root_return = None, child = None;
    int root_x = 0, root_y = 0, window_x = 0, window_y = 0;
    unsigned mask = 0;
    if (!::XQueryPointer(display_, root_, &root_return, &child, &root_x, &root_y, &window_x, &window_y, &mask)) {
        return std::nullopt;
    }
    if (intersect(Rect{root_x, root_y, 1, 1}, area_).empty()) return std::nullopt;
    return std::make_pair(root_x - area_.x, root_y - area_.y);
}

}  // namespace lifeline::agent::screen
