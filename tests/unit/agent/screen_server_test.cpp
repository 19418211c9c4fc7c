// The agent's screen server against a real Xvfb, with a real libvncclient on the other end of the
// socketpair: picture, damage, encodings, cursor, input, view-only, clipboard, RandR and shutdown.
#include "agent/screen/screen_server.hpp"
#include "tests/support/xvfb_process.hpp"

// Before Xlib.h, which #defines None (a name GoogleTest uses).
#include <gtest/gtest.h>

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/cursorfont.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xrandr.h>
#include <X11/keysym.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <rfb/rfbclient.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef LIBVNCSERVER_HAVE_LIBJPEG
extern "C" int tjDestroy(void* handle);  // TurboJPEG's, as libvncclient bundles it
#endif

namespace lifeline::agent::screen {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = 5s;  // every wait in this file is bounded by this
constexpr int kWidth = 1024;
constexpr int kHeight = 768;

// Polls `done` every 5 ms until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() >= deadline) return done();
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// ---- the test's own X connection: the "local user" ----

struct XDisplay {
    Display* d = nullptr;
    explicit XDisplay(const std::string& name) : d(::XOpenDisplay(name.c_str())) {
        if (d == nullptr) throw std::runtime_error("cannot open " + name);
    }
    ~XDisplay() {
        if (d != nullptr) ::XCloseDisplay(d);
    }
    XDisplay(const XDisplay&) = delete;
    XDisplay& operator=(const XDisplay&) = delete;
    Window root() const { return DefaultRootWindow(d); }
};

void fill(Display* d, int x, int y, int w, int h, std::uint32_t rgb) {
    GC gc = ::XCreateGC(d, DefaultRootWindow(d), 0, nullptr);
    ::XSetForeground(d, gc, rgb);
    ::XFillRectangle(d, DefaultRootWindow(d), gc, x, y, static_cast<unsigned>(w), static_cast<unsigned>(h));
    ::XFreeGC(d, gc);
    ::XSync(d, False);
}

// A smooth gradient with noise on top: many colours, which Tight sends as JPEG.
void draw_photo(Display* d, int x0, int y0, int w, int h) {
    XImage* image = ::XCreateImage(d, DefaultVisual(d, DefaultScreen(d)), 24, ZPixmap, 0, nullptr,
                                   static_cast<unsigned>(w), static_cast<unsigned>(h), 32, 0);
    image->data = static_cast<char*>(std::calloc(static_cast<std::size_t>(image->bytes_per_line) * h, 1));
    std::uint32_t seed = 12345;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            seed = seed * 1103515245u + 12345u;
            const auto noise = static_cast<int>((seed >> 16) % 24);
            const auto r = static_cast<std::uint32_t>(std::min(255, x * 255 / w + noise));
            const auto g = static_cast<std::uint32_t>(std::min(255, y * 255 / h + noise));
            const auto b = static_cast<std::uint32_t>(std::min(255, (x + y) * 255 / (w + h) + noise));
            XPutPixel(image, x, y, (r << 16) | (g << 8) | b);
        }
    }
    GC gc = ::XCreateGC(d, DefaultRootWindow(d), 0, nullptr);
    ::XPutImage(d, DefaultRootWindow(d), gc, image, 0, 0, x0, y0, static_cast<unsigned>(w), static_cast<unsigned>(h));
    ::XFreeGC(d, gc);
    XDestroyImage(image);
    ::XSync(d, False);
}

// The root window as 0xRRGGBB pixels, straight from the X server.
std::vector<std::uint32_t> root_pixels(Display* d, int x, int y, int w, int h) {
    XImage* image = ::XGetImage(d, DefaultRootWindow(d), x, y, static_cast<unsigned>(w), static_cast<unsigned>(h),
                                AllPlanes, ZPixmap);
    std::vector<std::uint32_t> out(static_cast<std::size_t>(w) * h);
    for (int row = 0; row < h; ++row)
        for (int col = 0; col < w; ++col)
            out[static_cast<std::size_t>(row) * w + col] =
                static_cast<std::uint32_t>(XGetPixel(image, col, row)) & 0xffffff;
    XDestroyImage(image);
    return out;
}

struct PointerState {
    int x = -1;
    int y = -1;
    unsigned mask = 0;
};

PointerState query_pointer(Display* d) {
    Window root = None, child = None;
    int wx = 0, wy = 0;
    PointerState state;
    ::XQueryPointer(d, DefaultRootWindow(d), &root, &child, &state.x, &state.y, &wx, &wy, &state.mask);
    return state;
}

bool key_is_down(Display* d, KeySym keysym) {
    char keys[32] = {};
    ::XQueryKeymap(d, keys);
    const KeyCode code = ::XKeysymToKeycode(d, keysym);
    return code != 0 && (keys[code / 8] & (1 << (code % 8))) != 0;
}

// A mapped, focused window that records the keysyms of KeyPress events and the buttons pressed in it.
class RecorderWindow {
public:
    RecorderWindow(Display* d, int x, int y, int w, int h) : d_(d) {
        window_ = ::XCreateSimpleWindow(d, DefaultRootWindow(d), x, y, static_cast<unsigned>(w),
                                        static_cast<unsigned>(h), 0, 0, 0x202020);
        XSetWindowAttributes attributes{};
        attributes.override_redirect = True;  // no window manager, but be explicit about placement
        ::XChangeWindowAttributes(d, window_, CWOverrideRedirect, &attributes);
        ::XSelectInput(d, window_, KeyPressMask | ButtonPressMask | StructureNotifyMask);
        ::XMapRaised(d, window_);
        ::XSync(d, False);
        mapped_ = eventually([&] {
            pump();
            return viewable_;
        });
        if (mapped_) ::XSetInputFocus(d, window_, RevertToParent, CurrentTime);
        ::XSync(d, False);
    }
    ~RecorderWindow() {
        ::XDestroyWindow(d_, window_);
        ::XSync(d_, False);
    }
    RecorderWindow(const RecorderWindow&) = delete;
    RecorderWindow& operator=(const RecorderWindow&) = delete;

    bool mapped() const { return mapped_; }
    void pump() {
        while (::XPending(d_) > 0) {
            XEvent event{};
            ::XNextEvent(d_, &event);
            if (event.type == MapNotify) viewable_ = true;
            if (event.type == MappingNotify) ::XRefreshKeyboardMapping(&event.xmapping);
            if (event.type == KeyPress) {
                char text[16];
                KeySym keysym = NoSymbol;
                ::XLookupString(&event.xkey, text, sizeof text, &keysym, nullptr);
                keysyms.push_back(keysym);
            }
            if (event.type == ButtonPress) buttons.push_back(event.xbutton.button);
        }
    }

    std::vector<KeySym> keysyms;
    std::vector<unsigned> buttons;

private:
    Display* d_;
    Window window_ = None;
    bool viewable_ = false;
    bool mapped_ = false;
};

// Owns CLIPBOARD with a text and answers requests for it while pumped.
class SelectionOwner {
public:
    SelectionOwner(Display* d, std::string utf8) : d_(d), text_(std::move(utf8)) {
        window_ = ::XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
        clipboard_ = ::XInternAtom(d, "CLIPBOARD", False);
        utf8_ = ::XInternAtom(d, "UTF8_STRING", False);
        ::XSetSelectionOwner(d, clipboard_, window_, CurrentTime);
        ::XSync(d, False);
    }
    ~SelectionOwner() {
        ::XDestroyWindow(d_, window_);
        ::XSync(d_, False);
    }
    SelectionOwner(const SelectionOwner&) = delete;
    SelectionOwner& operator=(const SelectionOwner&) = delete;

    void pump() {
        while (::XPending(d_) > 0) {
            XEvent event{};
            ::XNextEvent(d_, &event);
            if (event.type != SelectionRequest) continue;
            const XSelectionRequestEvent& request = event.xselectionrequest;
            XEvent reply{};
            reply.xselection.type = SelectionNotify;
            reply.xselection.requestor = request.requestor;
            reply.xselection.selection = request.selection;
            reply.xselection.target = request.target;
            reply.xselection.time = request.time;
            reply.xselection.property = None;
            if (request.target == utf8_) {
                ::XChangeProperty(d_, request.requestor, request.property, utf8_, 8, PropModeReplace,
                                  reinterpret_cast<const unsigned char*>(text_.data()), static_cast<int>(text_.size()));
                reply.xselection.property = request.property;
            }
            ::XSendEvent(d_, request.requestor, False, NoEventMask, &reply);
            ::XFlush(d_);
        }
    }

private:
    Display* d_;
    std::string text_;
    Window window_ = None;
    Atom clipboard_ = None;
    Atom utf8_ = None;
};

// Asks the owner of `selection` for UTF8_STRING and returns what it gave; empty on timeout.
std::string read_selection(Display* d, const char* selection_name) {
    const Atom selection = ::XInternAtom(d, selection_name, False);
    const Atom utf8 = ::XInternAtom(d, "UTF8_STRING", False);
    const Atom property = ::XInternAtom(d, "TEST_SELECTION", False);
    Window window = ::XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
    ::XConvertSelection(d, selection, utf8, property, window, CurrentTime);
    ::XFlush(d);
    std::string text;
    bool answered = false;
    eventually([&] {
        XEvent event{};
        while (!answered && ::XCheckTypedWindowEvent(d, window, SelectionNotify, &event)) {
            answered = true;
            if (event.xselection.property == None) break;
            Atom type = None;
            int format = 0;
            unsigned long count = 0, after = 0;
            unsigned char* data = nullptr;
            if (::XGetWindowProperty(d, window, property, 0, 1 << 16, True, AnyPropertyType, &type, &format, &count,
                                     &after, &data) == Success &&
                data != nullptr) {
                text.assign(reinterpret_cast<char*>(data), count);
            }
            if (data != nullptr) ::XFree(data);
        }
        return answered;
    });
    ::XDestroyWindow(d, window);
    ::XSync(d, False);
    return text;
}

// ---- the viewer: libvncclient on our end of the socketpair ----

void quiet_log(const char*, ...) {}

struct ViewerOptions {
    std::string encodings = "raw";
    bool remote_cursor = true;  // the cursor comes as a shape, so the picture is the screen alone
};

// libvncclient on its own thread, as a real viewer runs: it always reads, so the server is never held
// up in a write. Input is posted to that thread (libvncclient's writes are not thread-safe); the
// state it keeps is read under a lock.
class Viewer {
public:
    Viewer(int fd, const ViewerOptions& options) : fd_(fd), encodings_(options.encodings) {
        rfbClientLog = &quiet_log;
        rfbClientErr = &quiet_log;
        wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        client_ = rfbGetClient(8, 3, 4);
        client_->format.redShift = 16;  // a host-order uint32 reads 0x00RRGGBB
        client_->format.greenShift = 8;
        client_->format.blueShift = 0;
        client_->sock = fd;
        client_->canHandleNewFBSize = TRUE;
        client_->appData.shareDesktop = TRUE;
        client_->appData.useRemoteCursor = options.remote_cursor ? TRUE : FALSE;
        client_->appData.encodingsString = encodings_.c_str();
        client_->MallocFrameBuffer = &Viewer::on_malloc;
        client_->FinishedFrameBufferUpdate = &Viewer::on_update;
        client_->GotFrameBufferUpdate = &Viewer::on_rect;
        client_->GotXCutText = &Viewer::on_cut_text;
        client_->GotCursorShape = &Viewer::on_cursor_shape;
        rfbClientSetClientData(client_, &kTag, this);
    }
    ~Viewer() {
        stop_ = true;
        wake();
        if (thread_.joinable()) thread_.join();
        client_->sock = RFB_INVALID_SOCKET;  // closed below, by us
        // libvncclient 0.9.14's cleanup leaves the remote cursor's buffers and the JPEG decoder behind.
        std::free(client_->rcSource);
        std::free(client_->rcMask);
        client_->rcSource = client_->rcMask = nullptr;
#ifdef LIBVNCSERVER_HAVE_LIBJPEG
        if (client_->tjhnd != nullptr) tjDestroy(client_->tjhnd);
        client_->tjhnd = nullptr;
#endif
        rfbClientCleanup(client_);
        if (fd_ >= 0) ::close(fd_);
        ::close(wake_fd_);
    }
    Viewer(const Viewer&) = delete;
    Viewer& operator=(const Viewer&) = delete;

    // The RFB handshake and a request for the whole screen, then waiting until it has arrived.
    bool connect() {
        if (!InitialiseRFBConnection(client_)) return false;
        client_->width = client_->si.framebufferWidth;
        client_->height = client_->si.framebufferHeight;
        if (!client_->MallocFrameBuffer(client_)) return false;
        if (!SetFormatAndEncodings(client_)) return false;
        if (!SendFramebufferUpdateRequest(client_, 0, 0, client_->width, client_->height, FALSE)) return false;
        thread_ = std::thread([this] { run(); });
        return wait_until([&] { return updates() >= 1; });
    }

    // Waits until `done` holds or `timeout` passes; `tick` runs before every check.
    static bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = kWait,
                           const std::function<void()>& tick = {}) {
        return eventually(
            [&] {
                if (tick) tick();
                return done();
            },
            timeout);
    }

    template <class F>
    auto locked(F f) const {
        std::lock_guard lock(mutex_);
        return f();
    }

    // 0xff000000 outside the picture, which no real pixel is.
    std::uint32_t pixel(int x, int y) const {
        std::lock_guard lock(mutex_);
        if (x < 0 || y < 0 || x >= client_->width || y >= client_->height) return 0xff000000;
        return pixels_[static_cast<std::size_t>(y) * static_cast<std::size_t>(client_->width) + x] & 0xffffff;
    }
    // A copy of the picture, rows `width()` pixels apart.
    std::vector<std::uint32_t> picture() const {
        std::lock_guard lock(mutex_);
        return pixels_;
    }
    int width() const {
        return locked([&] { return client_->width; });
    }
    int height() const {
        return locked([&] { return client_->height; });
    }
    int updates() const {
        return locked([&] { return updates_; });
    }
    int cursor_shapes() const {
        return locked([&] { return cursor_shapes_; });
    }
    std::pair<int, int> cursor_size() const {
        return locked([&] { return std::make_pair(cursor_width_, cursor_height_); });
    }
    std::vector<std::string> cut_texts() const {
        return locked([&] { return cut_texts_; });
    }
    bool closed() const {
        return locked([&] { return closed_; });
    }
    int major() const { return client_->major; }
    int minor() const { return client_->minor; }
    std::string desktop_name() const { return client_->desktopName != nullptr ? client_->desktopName : ""; }
    int socket() const { return fd_; }

    void pointer(int x, int y, int buttons) {
        post([=](rfbClient* c) { SendPointerEvent(c, x, y, buttons); });
    }
    void key(KeySym keysym, bool down) {
        post([=](rfbClient* c) { SendKeyEvent(c, static_cast<std::uint32_t>(keysym), down ? TRUE : FALSE); });
    }
    void tap(KeySym keysym) {
        key(keysym, true);
        key(keysym, false);
    }
    void cut_text(std::string latin1) {
        post([latin1](rfbClient* c) mutable { SendClientCutText(c, latin1.data(), static_cast<int>(latin1.size())); });
    }

private:
    void post(std::function<void(rfbClient*)> command) {
        {
            std::lock_guard lock(mutex_);
            commands_.push_back(std::move(command));
        }
        wake();
    }
    void wake() {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
    }
    void run() {
        while (!stop_) {
            std::unique_lock lock(mutex_);
            for (auto& command : std::exchange(commands_, {}))
                command(client_);
            const bool readable_now = client_->buffered > 0 && !closed_;
            lock.unlock();
            if (!readable_now) {
                pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd_, POLLIN, 0}};
                if (::poll(fds, closed() ? 1 : 2, 100) <= 0) continue;
                if (fds[0].revents != 0) {
                    std::uint64_t counter = 0;
                    [[maybe_unused]] const auto drained = ::read(wake_fd_, &counter, sizeof counter);
                }
                if (fds[1].revents == 0) continue;
            }
            lock.lock();
            if (!closed_ && !HandleRFBServerMessage(client_)) closed_ = true;
        }
    }

    static inline int kTag = 0;
    static Viewer* of(rfbClient* client) { return static_cast<Viewer*>(rfbClientGetClientData(client, &kTag)); }
    // The callbacks run inside HandleRFBServerMessage, where run() holds the lock.
    static rfbBool on_malloc(rfbClient* client) {
        Viewer* self = of(client);
        self->pixels_.assign(static_cast<std::size_t>(client->width) * static_cast<std::size_t>(client->height), 0);
        client->frameBuffer = reinterpret_cast<std::uint8_t*>(self->pixels_.data());
        // Incremental requests cover updateRect, which only rfbInitConnection (not used here) would set.
        client->updateRect.x = 0;
        client->updateRect.y = 0;
        client->updateRect.w = client->width;
        client->updateRect.h = client->height;
        return TRUE;
    }
    static void on_rect(rfbClient* client, int, int, int, int) { of(client)->rects_in_update_ = true; }
    // Only updates with pixels count: an ExtendedDesktopSize answer to a full request carries none,
    // and libvncclient reallocates (clears) the picture for it.
    static void on_update(rfbClient* client) {
        Viewer* self = of(client);
        if (self->rects_in_update_) ++self->updates_;
        self->rects_in_update_ = false;
    }
    static void on_cut_text(rfbClient* client, const char* text, int length) {
        of(client)->cut_texts_.emplace_back(text, static_cast<std::size_t>(length));
    }
    static void on_cursor_shape(rfbClient* client, int, int, int width, int height, int) {
        Viewer* self = of(client);
        ++self->cursor_shapes_;
        self->cursor_width_ = width;
        self->cursor_height_ = height;
        // libvncclient 0.9.14 allocates a new mask for every shape without freeing the last one.
        std::free(client->rcMask);
        client->rcMask = nullptr;
    }

    int fd_;
    int wake_fd_ = -1;
    std::string encodings_;
    rfbClient* client_ = nullptr;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::function<void(rfbClient*)>> commands_;
    std::vector<std::uint32_t> pixels_;
    int updates_ = 0;
    bool rects_in_update_ = false;
    int cursor_shapes_ = 0;
    int cursor_width_ = 0;
    int cursor_height_ = 0;
    std::vector<std::string> cut_texts_;
    bool closed_ = false;
};

// How far the viewer's picture of a root-window area is from the X server's own.
struct Difference {
    int max_channel = 0;
    double mean_channel = 0;
    std::size_t pixels_off = 0;  // pixels with any channel off by more than `tolerance`
};

Difference compare(const Viewer& viewer, Display* d, int x, int y, int w, int h, int offset_x = 0, int offset_y = 0,
                   int tolerance = 0) {
    const auto truth = root_pixels(d, x + offset_x, y + offset_y, w, h);
    const auto picture = viewer.picture();
    const int stride = viewer.width();
    Difference diff;
    double total = 0;
    for (int row = 0; row < h; ++row) {
        for (int col = 0; col < w; ++col) {
            const std::uint32_t want = truth[static_cast<std::size_t>(row) * w + col];
            const std::uint32_t got =
                picture[static_cast<std::size_t>(y + row) * static_cast<std::size_t>(stride) + (x + col)] & 0xffffff;
            int worst = 0;
            for (int shift = 0; shift <= 16; shift += 8) {
                const int delta =
                    std::abs(static_cast<int>((want >> shift) & 0xff) - static_cast<int>((got >> shift) & 0xff));
                worst = std::max(worst, delta);
                total += delta;
            }
            diff.max_channel = std::max(diff.max_channel, worst);
            if (worst > tolerance) ++diff.pixels_off;
        }
    }
    diff.mean_channel = total / (3.0 * w * h);
    return diff;
}

// Inodes of this process's sockets that listen on TCP or TCP6.
std::set<std::string> own_listening_sockets() {
    std::set<std::string> listening;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
            fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
            if (state == "0A") listening.insert(inode);
        }
    }
    std::set<std::string> ours;
    DIR* dir = ::opendir("/proc/self/fd");
    while (dirent* entry = dir != nullptr ? ::readdir(dir) : nullptr) {
        char target[128] = {};
        const std::string path = std::string("/proc/self/fd/") + entry->d_name;
        const auto n = ::readlink(path.c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        const std::string link(target, static_cast<std::size_t>(n));
        if (link.rfind("socket:[", 0) != 0) continue;
        const std::string inode = link.substr(8, link.size() - 9);
        if (listening.count(inode) != 0) ours.insert(inode);
    }
    if (dir != nullptr) ::closedir(dir);
    return ours;
}

// ---- fixture ----

ScreenOptions with_control(int monitor = -1) {
    ScreenOptions options;
    options.monitor = monitor;
    options.view_only = false;
    return options;
}

class ScreenServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        xvfb_ = std::make_unique<testing::XvfbProcess>(kWidth, kHeight);
        x_ = std::make_unique<XDisplay>(xvfb_->display());
    }
    void TearDown() override {
        viewer_.reset();
        server_.reset();
        x_.reset();
        xvfb_.reset();
    }

    ScreenServer& start(ScreenOptions options = {}) {
        options.display = xvfb_->display();
        auto started = ScreenServer::start(options);
        if (!started) throw std::runtime_error("ScreenServer::start: " + started.error().message);
        server_ = std::move(*started);
        server_->set_on_client_gone([this](std::string reason) {
            std::lock_guard lock(gone_mutex_);
            gone_.push_back(std::move(reason));
        });
        return *server_;
    }

    // A socketpair, one end served, a viewer on the other, and the first full picture received.
    Viewer& connect(const ViewerOptions& options = {}) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");
        auto served = server_->serve(pair[0]);
        if (!served) throw std::runtime_error("serve: " + served.error().message);
        viewer_ = std::make_unique<Viewer>(pair[1], options);
        if (!viewer_->connect()) throw std::runtime_error("the viewer did not get a first picture");
        return *viewer_;
    }

    // The server's figures once they count the first picture a raw viewer got: the viewer can have it before the
    // server's loop publishes what it sent.
    ScreenStats stats_after_first_raw_picture() {
        const std::uint64_t picture_bytes = static_cast<std::uint64_t>(kWidth) * kHeight * 4;
        EXPECT_TRUE(eventually([&] { return server_->stats().bytes_sent >= picture_bytes; }));
        return server_->stats();
    }

    std::vector<std::string> gone() {
        std::lock_guard lock(gone_mutex_);
        return gone_;
    }

    Display* x() const { return x_->d; }

    std::unique_ptr<testing::XvfbProcess> xvfb_;
    std::unique_ptr<XDisplay> x_;
    std::unique_ptr<ScreenServer> server_;
    std::unique_ptr<Viewer> viewer_;
    std::mutex gone_mutex_;
    std::vector<std::string> gone_;
};

// A known picture on the root window: a background, solid blocks in several colours.
void draw_scene(Display* d) {
    fill(d, 0, 0, kWidth, kHeight, 0x336699);
    fill(d, 10, 10, 200, 100, 0xff0000);
    fill(d, 250, 40, 120, 300, 0x00ff00);
    fill(d, 400, 400, 300, 200, 0x0000ff);
    fill(d, 900, 700, 124, 68, 0xffffff);
}

// ---- start-up ----

TEST_F(ScreenServerTest, StartWithoutDisplayIsUnavailable) {
    ScreenOptions options;
    options.display = ":4099";  // nothing listens there
    auto started = ScreenServer::start(options);
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, core::Errc::unavailable);
    EXPECT_NE(started.error().message.find(":4099"), std::string::npos) << started.error().message;
}

TEST_F(ScreenServerTest, StartWithUnknownMonitorIsNotFound) {
    ScreenOptions options;
    options.display = xvfb_->display();
    options.monitor = 7;
    auto started = ScreenServer::start(options);
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, core::Errc::not_found) << started.error().message;
}

TEST_F(ScreenServerTest, ServesThroughTheGivenSocketWithoutListening) {
    start();
    EXPECT_EQ(server_->width(), kWidth);
    EXPECT_EQ(server_->height(), kHeight);
    Viewer& viewer = connect();
    EXPECT_EQ(viewer.width(), kWidth);
    EXPECT_EQ(viewer.height(), kHeight);
    EXPECT_EQ(viewer.major(), 3);
    EXPECT_EQ(viewer.minor(), 8);
    EXPECT_EQ(viewer.desktop_name(), "Lifeline");
    EXPECT_TRUE(own_listening_sockets().empty());
}

// ---- picture ----

class EncodingTest : public ScreenServerTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(EncodingTest, FirstPictureEqualsTheScreenAndChangesFollow) {
    draw_scene(x());
    start();
    Viewer& viewer = connect(ViewerOptions{GetParam(), true});
    // Solid blocks are lossless in every encoding, Tight included (fill and palette sub-encodings).
    const Difference first = compare(viewer, x(), 0, 0, kWidth, kHeight);
    EXPECT_EQ(first.pixels_off, 0u) << "max channel difference " << first.max_channel;

    // The damage path: a change arrives by itself, as an incremental update.
    const int before = viewer.updates();
    fill(x(), 600, 100, 80, 60, 0xffff00);
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.pixel(640, 130) == 0xffff00; }));
    EXPECT_GT(viewer.updates(), before);
    EXPECT_EQ(compare(viewer, x(), 590, 90, 100, 80).pixels_off, 0u);

    const ScreenStats stats = server_->stats();
    EXPECT_GE(stats.updates_sent, 2u);
    EXPECT_GT(stats.bytes_sent, 0u);
}

INSTANTIATE_TEST_SUITE_P(Encodings, EncodingTest, ::testing::Values("tight", "zrle", "raw"),
                         [](const ::testing::TestParamInfo<const char*>& param_info) {
                             return std::string(param_info.param);
                         });

TEST_F(ScreenServerTest, WithoutXShmThePictureIsTheSame) {
    draw_scene(x());
    ScreenOptions options;
    options.use_xshm = false;  // plain XGetImage, as on a display MIT-SHM cannot reach
    start(options);
    Viewer& viewer = connect(ViewerOptions{"zrle", true});
    EXPECT_EQ(compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off, 0u);
    fill(x(), 600, 100, 80, 60, 0xffff00);
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.pixel(640, 130) == 0xffff00; }));
}

TEST_F(ScreenServerTest, TightSendsDetailedAreasAsJpeg) {
    draw_scene(x());
    draw_photo(x(), 500, 50, 256, 256);
    start();
    Viewer& viewer = connect(ViewerOptions{"tight", true});
    const Difference photo = compare(viewer, x(), 500, 50, 256, 256);
    // Lossy but close: JPEG did the photo (Tight's lossless paths would be exact).
    EXPECT_GT(photo.max_channel, 0);
    EXPECT_LT(photo.mean_channel, 12.0);
    EXPECT_EQ(compare(viewer, x(), 10, 10, 200, 100).pixels_off, 0u);
}

// The document at (100, 100), 400x300, scrolled up by 8 rows (its content moves up, a new strip at the bottom).
void scroll_document(Display* d) {
    GC gc = ::XCreateGC(d, DefaultRootWindow(d), 0, nullptr);
    ::XCopyArea(d, DefaultRootWindow(d), DefaultRootWindow(d), gc, 100, 108, 400, 292, 100, 100);
    ::XFreeGC(d, gc);
    fill(d, 100, 392, 400, 8, 0xffcc00);
}

TEST_F(ScreenServerTest, AScrolledAreaTravelsAsACopyAndOnlyTheNewStripAsPixels) {
    draw_scene(x());
    draw_photo(x(), 100, 100, 400, 300);  // every row its own, as text lines mostly are
    start();
    Viewer& viewer = connect(ViewerOptions{"raw copyrect", true});
    ASSERT_EQ(compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off, 0u);
    const ScreenStats before = stats_after_first_raw_picture();

    scroll_document(x());
    EXPECT_TRUE(Viewer::wait_until([&] { return compare(viewer, x(), 100, 100, 400, 300).pixels_off == 0; }));
    EXPECT_TRUE(Viewer::wait_until([&] { return server_->stats().copies_sent > before.copies_sent; }));
    const ScreenStats after = server_->stats();
    // Raw pixels for the 8 new rows (12,800 bytes) and headers; the whole area raw would be 480,000.
    EXPECT_LT(after.bytes_sent - before.bytes_sent, 400u * 16u * 4u);
    EXPECT_EQ(compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off, 0u);
}

TEST_F(ScreenServerTest, AnAreaSlidSidewaysTravelsAsACopyAndOnlyTheNewColumnsAsPixels) {
    draw_scene(x());
    draw_photo(x(), 100, 100, 400, 300);
    start();
    Viewer& viewer = connect(ViewerOptions{"raw copyrect", true});
    const ScreenStats before = stats_after_first_raw_picture();

    GC gc = ::XCreateGC(x(), DefaultRootWindow(x()), 0, nullptr);
    ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 108, 100, 392, 300, 100, 100);
    ::XFreeGC(x(), gc);
    fill(x(), 492, 100, 8, 300, 0xffcc00);
    EXPECT_TRUE(Viewer::wait_until([&] { return compare(viewer, x(), 100, 100, 400, 300).pixels_off == 0; }));
    EXPECT_TRUE(Viewer::wait_until([&] { return server_->stats().copies_sent > before.copies_sent; }));
    // Raw pixels for the 8 new columns (9,600 bytes) and headers; the whole area raw would be 480,000.
    EXPECT_LT(server_->stats().bytes_sent - before.bytes_sent, 300u * 16u * 4u);
    EXPECT_EQ(compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off, 0u);
}

TEST_F(ScreenServerTest, AreasMovedByDifferentDistancesAtOnceAllTravelAsCopies) {
    // A page scrolled and a band slid between two updates: one update carries copies by one distance only, so
    // the screen server sends one per distance rather than either area as pixels.
    draw_scene(x());
    draw_photo(x(), 100, 100, 400, 300);
    draw_photo(x(), 550, 420, 400, 300);
    start();
    Viewer& viewer = connect(ViewerOptions{"raw copyrect", true});
    const ScreenStats before = stats_after_first_raw_picture();

    ::XGrabServer(x());  // both drawn before the screen server sees either
    scroll_document(x());
    GC gc = ::XCreateGC(x(), DefaultRootWindow(x()), 0, nullptr);
    ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 550, 420, 384, 300, 566, 420);
    ::XFreeGC(x(), gc);
    fill(x(), 550, 420, 16, 300, 0x00ccff);
    ::XUngrabServer(x());
    ::XSync(x(), False);
    EXPECT_TRUE(Viewer::wait_until([&] { return compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off == 0; }));
    EXPECT_TRUE(Viewer::wait_until([&] { return server_->stats().copies_sent >= before.copies_sent + 2; }));
    // The new rows and columns raw: (400 x 8 + 16 x 300) x 4 = 32,000 bytes; either area as pixels, 480,000.
    EXPECT_LT(server_->stats().bytes_sent - before.bytes_sent, 40'000u);
}

TEST_F(ScreenServerTest, ScrollingOnWhileUpdatesAreInFlightEndsOnTheExactPicture) {
    // Scrolls up, down, left and right in quick succession, with drawing beside the page, while earlier copies and
    // changes are
    // still on their way: whatever libvncserver holds pending when the next copy comes, the viewer's picture
    // must end exactly as the screen's.
    draw_scene(x());
    draw_photo(x(), 100, 100, 400, 300);
    start();
    Viewer& viewer = connect(ViewerOptions{"zrle copyrect", true});
    GC gc = ::XCreateGC(x(), DefaultRootWindow(x()), 0, nullptr);
    std::uint32_t seed = 7;
    for (int step = 0; step < 60; ++step) {
        seed = seed * 1103515245u + 12345u;
        const int offset = static_cast<int>((seed >> 16) % 81) - 40;  // -40..40 rows or columns
        if (step % 3 == 2 && offset > 0) {
            ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 100 + offset, 100, 400 - offset, 300,
                        100, 100);
            fill(x(), 500 - offset, 100, offset, 300, 0x0000ffu + static_cast<std::uint32_t>(step) * 0x10000u);
        } else if (step % 3 == 2 && offset < 0) {
            ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 100, 100, 400 + offset, 300,
                        100 - offset, 100);
            fill(x(), 100, 100, -offset, 300, 0x00ffffu - static_cast<std::uint32_t>(step));
        } else if (offset > 0) {
            ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 100, 100 + offset, 400, 300 - offset,
                        100, 100);
            fill(x(), 100, 400 - offset, 400, offset, 0x010101u * static_cast<std::uint32_t>(step * 4));
        } else if (offset < 0) {
            ::XCopyArea(x(), DefaultRootWindow(x()), DefaultRootWindow(x()), gc, 100, 100, 400, 300 + offset, 100,
                        100 - offset);
            fill(x(), 100, 100, 400, -offset, 0x00ff00u + static_cast<std::uint32_t>(step));
        }
        fill(x(), 520, 100 + step * 4, 40, 4, 0xff00ffu);  // beside the page, in the same rows
        std::this_thread::sleep_for(std::chrono::milliseconds(seed % 4));
    }
    ::XFreeGC(x(), gc);
    ::XSync(x(), False);
    EXPECT_TRUE(Viewer::wait_until([&] { return compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off == 0; }))
        << compare(viewer, x(), 0, 0, kWidth, kHeight).pixels_off << " pixels differ";
    EXPECT_GT(server_->stats().copies_sent, 0u);
}

TEST_F(ScreenServerTest, WithoutCopyRectTheScrolledAreaIsSentAsPixels) {
    draw_scene(x());
    draw_photo(x(), 100, 100, 400, 300);
    start();
    Viewer& viewer = connect(ViewerOptions{"raw", true});
    const ScreenStats before = server_->stats();
    scroll_document(x());
    EXPECT_TRUE(Viewer::wait_until([&] { return compare(viewer, x(), 100, 100, 400, 300).pixels_off == 0; }));
    EXPECT_EQ(server_->stats().copies_sent, before.copies_sent);
}

TEST_F(ScreenServerTest, RowsDrawnAgainTheSameAreNotSentAgain) {
    draw_scene(x());
    start();
    Viewer& viewer = connect(ViewerOptions{"raw", true});
    const ScreenStats before = stats_after_first_raw_picture();
    // Damage over 200x100 pixels that did not change, then one pixel that did: only that one travels.
    fill(x(), 10, 10, 200, 100, 0xff0000);
    fill(x(), 1000, 5, 1, 1, 0x00ffff);
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.pixel(1000, 5) == 0x00ffff; }));
    EXPECT_LT(server_->stats().bytes_sent - before.bytes_sent, 1024u);
}

TEST_F(ScreenServerTest, CursorShapeReachesTheViewerAndFollowsChanges) {
    start();
    Viewer& viewer = connect(ViewerOptions{"raw", true});
    ASSERT_TRUE(Viewer::wait_until([&] { return viewer.cursor_shapes() >= 1; }));
    EXPECT_GT(viewer.cursor_size().first, 0);
    EXPECT_GT(viewer.cursor_size().second, 0);

    // A window with a hand cursor under the pointer: XFixes reports the new shape.
    Window window = ::XCreateSimpleWindow(x(), DefaultRootWindow(x()), 0, 0, kWidth, kHeight, 0, 0, 0x000000);
    ::XDefineCursor(x(), window, ::XCreateFontCursor(x(), XC_hand2));
    ::XMapRaised(x(), window);
    ::XSync(x(), False);
    const int before = viewer.cursor_shapes();
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.cursor_shapes() > before; }));
}

TEST_F(ScreenServerTest, DrawnCursorFollowsTheLocalPointer) {
    fill(x(), 0, 0, kWidth, kHeight, 0x808080);
    ::XTestFakeMotionEvent(x(), 0, 100, 100, CurrentTime);
    ::XSync(x(), False);
    start();
    Viewer& viewer = connect(ViewerOptions{"raw", false});  // the server draws the cursor in
    auto cursor_near = [&](int cx, int cy) {
        for (int dy = -3; dy <= 3; ++dy)
            for (int dx = -3; dx <= 3; ++dx)
                if (viewer.pixel(cx + dx, cy + dy) != 0x808080) return true;
        return false;
    };
    EXPECT_TRUE(Viewer::wait_until([&] { return cursor_near(100, 100); }));

    // The local user moves the pointer: XInput 2 raw motion tells the server, which redraws.
    ::XTestFakeMotionEvent(x(), 0, 600, 500, CurrentTime);
    ::XSync(x(), False);
    EXPECT_TRUE(Viewer::wait_until([&] { return cursor_near(600, 500) && !cursor_near(100, 100); }));
}

// ---- input ----

TEST_F(ScreenServerTest, PointerInputMovesClicksAndScrolls) {
    start(with_control());
    Viewer& viewer = connect();
    RecorderWindow window(x(), 0, 0, 400, 400);
    ASSERT_TRUE(window.mapped());

    viewer.pointer(100, 120, 0);
    EXPECT_TRUE(eventually([&] {
        const PointerState p = query_pointer(x());
        return p.x == 100 && p.y == 120;
    }));
    viewer.pointer(100, 120, rfbButton1Mask);
    EXPECT_TRUE(eventually([&] { return (query_pointer(x()).mask & Button1Mask) != 0; }));
    viewer.pointer(100, 120, 0);
    EXPECT_TRUE(eventually([&] { return (query_pointer(x()).mask & Button1Mask) == 0; }));
    viewer.pointer(100, 120, rfbWheelDownMask);  // bit 4: button 5
    viewer.pointer(100, 120, 0);
    EXPECT_TRUE(eventually([&] {
        window.pump();
        return std::count(window.buttons.begin(), window.buttons.end(), 5u) == 1;
    }));
    EXPECT_EQ(std::count(window.buttons.begin(), window.buttons.end(), 1u), 1);
    EXPECT_TRUE(eventually([&] { return server_->stats().input_events == 5; }));
    EXPECT_EQ(server_->stats().input_dropped, 0u);
}

TEST_F(ScreenServerTest, KeysArriveAsTheirKeysymsShiftedAndForeign) {
    // The US layout Xvfb starts with has neither: they must go on borrowed keycodes.
    ASSERT_EQ(::XKeysymToKeycode(x(), XK_eacute), 0);
    ASSERT_EQ(::XKeysymToKeycode(x(), XK_Cyrillic_ya), 0);
    start(with_control());
    Viewer& viewer = connect();
    RecorderWindow window(x(), 0, 0, 400, 400);
    ASSERT_TRUE(window.mapped());

    const std::vector<KeySym> typed{XK_a, XK_A, XK_exclam, XK_1, XK_eacute, XK_Cyrillic_ya, XK_Return};
    for (KeySym keysym : typed)
        viewer.tap(keysym);
    // Shift_L shows up on its own wherever the server pressed it for a shifted symbol.
    auto without_shift = [&] {
        std::vector<KeySym> keys;
        for (KeySym keysym : window.keysyms)
            if (keysym != XK_Shift_L && keysym != XK_Shift_R) keys.push_back(keysym);
        return keys;
    };
    EXPECT_TRUE(eventually([&] {
        window.pump();
        return without_shift().size() >= typed.size();
    }));
    EXPECT_EQ(without_shift(), typed);
    EXPECT_NE(::XKeysymToKeycode(x(), XK_Cyrillic_ya), 0) << "a keycode was lent to the Cyrillic letter";
    EXPECT_FALSE(key_is_down(x(), XK_Shift_L));

    // The viewer holds Shift itself and types a shifted and an unshifted symbol.
    window.keysyms.clear();
    viewer.key(XK_Shift_L, true);
    viewer.tap(XK_B);
    viewer.tap(XK_b);
    viewer.key(XK_Shift_L, false);
    EXPECT_TRUE(eventually([&] {
        window.pump();
        return without_shift().size() >= 2;
    }));
    EXPECT_EQ(without_shift(), (std::vector<KeySym>{XK_B, XK_b}));
}

TEST_F(ScreenServerTest, ViewOnlyDropsEverythingUntilControlIsGranted) {
    start();  // view-only is the default
    const PointerState before = query_pointer(x());
    Viewer& viewer = connect();
    viewer.pointer(50, 60, rfbButton1Mask);
    viewer.tap(XK_a);
    viewer.cut_text("secret");
    EXPECT_TRUE(eventually([&] { return server_->stats().input_dropped >= 4; }));
    const PointerState after = query_pointer(x());
    EXPECT_EQ(after.x, before.x);
    EXPECT_EQ(after.y, before.y);
    EXPECT_EQ(after.mask & Button1Mask, 0u);
    EXPECT_EQ(::XGetSelectionOwner(x(), ::XInternAtom(x(), "CLIPBOARD", False)), None);
    EXPECT_EQ(server_->stats().input_events, 0u);

    server_->set_view_only(false);
    viewer.pointer(70, 80, 0);
    EXPECT_TRUE(eventually([&] {
        const PointerState p = query_pointer(x());
        return p.x == 70 && p.y == 80;
    }));
    EXPECT_TRUE(eventually([&] { return server_->stats().input_events == 1; }));

    // Back to view-only: dropped again.
    server_->set_view_only(true);
    const auto dropped = server_->stats().input_dropped;
    viewer.pointer(90, 95, 0);
    EXPECT_TRUE(eventually([&] { return server_->stats().input_dropped > dropped; }));
    EXPECT_EQ(query_pointer(x()).x, 70);
}

TEST_F(ScreenServerTest, StopInputReleasesWhatIsHeldAndStopsForGood) {
    start(with_control());
    Viewer& viewer = connect();
    viewer.pointer(200, 200, rfbButton1Mask);
    viewer.key(XK_a, true);
    ASSERT_TRUE(eventually([&] { return (query_pointer(x()).mask & Button1Mask) != 0 && key_is_down(x(), XK_a); }));

    server_->stop_input();
    // No waiting: when stop_input() returns, the X server has processed the releases.
    EXPECT_EQ(query_pointer(x()).mask & Button1Mask, 0u);
    EXPECT_FALSE(key_is_down(x(), XK_a));

    const auto dropped = server_->stats().input_dropped;
    viewer.pointer(300, 310, 0);
    viewer.tap(XK_b);
    EXPECT_TRUE(eventually([&] { return server_->stats().input_dropped >= dropped + 3; }));
    EXPECT_EQ(query_pointer(x()).x, 200);

    // Not even granting control again brings input back.
    server_->set_view_only(false);
    viewer.pointer(320, 330, 0);
    EXPECT_TRUE(eventually([&] { return server_->stats().input_dropped >= dropped + 4; }));
    EXPECT_EQ(query_pointer(x()).x, 200);
}

// ---- clipboard ----

// What ScreenServer::set_on_clipboard reports, as "to_machine N" or "to_technician N".
class ClipboardLog {
public:
    explicit ClipboardLog(ScreenServer& server) {
        server.set_on_clipboard([state = state_](bool to_machine, std::size_t bytes) {
            std::lock_guard lock(state->mutex);
            state->entries.push_back(std::string(to_machine ? "to_machine " : "to_technician ") +
                                     std::to_string(bytes));
        });
    }
    std::vector<std::string> entries() const {
        std::lock_guard lock(state_->mutex);
        return state_->entries;
    }

private:
    struct State {
        mutable std::mutex mutex;
        std::vector<std::string> entries;
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

TEST_F(ScreenServerTest, ViewerCutTextBecomesTheXSelections) {
    start(with_control());
    ClipboardLog crossed(*server_);
    Viewer& viewer = connect();
    viewer.cut_text("h\xe9llo");  // Latin-1, as RFB has it
    const Atom clipboard = ::XInternAtom(x(), "CLIPBOARD", False);
    ASSERT_TRUE(eventually([&] { return ::XGetSelectionOwner(x(), clipboard) != None; }));
    EXPECT_EQ(read_selection(x(), "CLIPBOARD"), "h\xc3\xa9llo");  // UTF-8, as X clients have it
    EXPECT_EQ(read_selection(x(), "PRIMARY"), "h\xc3\xa9llo");
    EXPECT_EQ(crossed.entries(), std::vector<std::string>{"to_machine 6"}) << "reported for the audit log, in UTF-8";
}

TEST_F(ScreenServerTest, XClipboardReachesTheViewerOnlyWithControl) {
    start();
    ClipboardLog crossed(*server_);
    Viewer& viewer = connect();
    {
        SelectionOwner owner(x(), "hidden");
        eventually(
            [&] {
                owner.pump();
                return false;
            },
            500ms);
        EXPECT_TRUE(viewer.cut_texts().empty()) << "a view-only viewer got the clipboard";
        EXPECT_TRUE(crossed.entries().empty());
    }
    server_->set_view_only(false);
    SelectionOwner owner(x(),
                         "gr\xc3\xbc\xc3\x9f"
                         "e");  // UTF-8 "grüße"
    EXPECT_TRUE(Viewer::wait_until([&] { return !viewer.cut_texts().empty(); }, kWait, [&] { owner.pump(); }));
    ASSERT_EQ(viewer.cut_texts().size(), 1u);
    EXPECT_EQ(viewer.cut_texts()[0],
              "gr\xfc\xdf"
              "e");  // Latin-1 for a classic viewer
    EXPECT_EQ(crossed.entries(), std::vector<std::string>{"to_technician 7"});
}

// ---- geometry ----

TEST_F(ScreenServerTest, FollowsARandrResize) {
    draw_scene(x());
    start();
    Viewer& viewer = connect();
    // Xvfb can shrink its screen (never beyond the size it started with) once the CRTC is off.
    XRRScreenResources* resources = ::XRRGetScreenResources(x(), DefaultRootWindow(x()));
    ASSERT_NE(resources, nullptr);
    ASSERT_GE(resources->ncrtc, 1);
    ::XRRSetCrtcConfig(x(), resources, resources->crtcs[0], CurrentTime, 0, 0, None, RR_Rotate_0, nullptr, 0);
    ::XRRSetScreenSize(x(), DefaultRootWindow(x()), 800, 600, 211, 158);
    ::XSync(x(), False);
    EXPECT_TRUE(
        Viewer::wait_until([&] { return viewer.width() == 800 && viewer.height() == 600 && viewer.updates() >= 2; }));
    EXPECT_EQ(server_->width(), 800);
    EXPECT_EQ(server_->height(), 600);
    fill(x(), 700, 500, 50, 50, 0xff00ff);
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.pixel(720, 520) == 0xff00ff; }));
    EXPECT_EQ(compare(viewer, x(), 0, 0, 800, 600).pixels_off, 0u);

    ::XRRSetScreenSize(x(), DefaultRootWindow(x()), kWidth, kHeight, 271, 203);
    ::XSync(x(), False);
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.width() == kWidth && viewer.height() == kHeight; }));
    ::XRRFreeScreenResources(resources);
    EXPECT_TRUE(gone().empty());
}

TEST_F(ScreenServerTest, ServesOneMonitorOnly) {
    // A second monitor on the right half of the top: RandR 1.5 monitors need no real output.
    XRRMonitorInfo* monitor = ::XRRAllocateMonitor(x(), 0);
    monitor->name = ::XInternAtom(x(), "RIGHT", False);
    monitor->x = 512;
    monitor->y = 0;
    monitor->width = 512;
    monitor->height = 384;
    monitor->mwidth = 135;
    monitor->mheight = 101;
    ::XRRSetMonitor(x(), DefaultRootWindow(x()), monitor);
    ::XFree(monitor);
    ::XSync(x(), False);
    int count = 0;
    int index = -1;
    XRRMonitorInfo* monitors = ::XRRGetMonitors(x(), DefaultRootWindow(x()), True, &count);
    for (int i = 0; i < count; ++i)
        if (monitors[i].name == ::XInternAtom(x(), "RIGHT", False)) index = i;
    ::XRRFreeMonitors(monitors);
    ASSERT_GE(index, 0);

    draw_scene(x());
    fill(x(), 600, 100, 40, 30, 0xff8000);
    start(with_control(index));
    EXPECT_EQ(server_->width(), 512);
    EXPECT_EQ(server_->height(), 384);
    Viewer& viewer = connect();
    ASSERT_EQ(viewer.width(), 512);
    EXPECT_EQ(viewer.pixel(100, 110), 0xff8000u);
    EXPECT_EQ(compare(viewer, x(), 0, 0, 512, 384, 512, 0).pixels_off, 0u);

    viewer.pointer(10, 20, 0);  // frame coordinates: the monitor's top left
    EXPECT_TRUE(eventually([&] {
        const PointerState p = query_pointer(x());
        return p.x == 522 && p.y == 20;
    }));
}

// ---- sessions ----

TEST_F(ScreenServerTest, OneViewerAtATimeAndEachGoneIsReportedOnce) {
    start();
    connect();
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    auto second = server_->serve(pair[0]);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, core::Errc::conflict);
    char byte = 0;
    EXPECT_EQ(::read(pair[1], &byte, 1), 0) << "the refused socket was closed";
    ::close(pair[1]);

    viewer_.reset();  // the viewer hangs up
    ASSERT_TRUE(eventually([&] { return gone().size() == 1; }));
    EXPECT_EQ(gone()[0], "closed by the viewer");

    connect();  // and the next one is welcome
    EXPECT_EQ(gone().size(), 1u);
}

TEST_F(ScreenServerTest, ServeRejectsWhatIsNotAConnectedStreamSocket) {
    start();
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    auto served = server_->serve(pipe_fds[0]);
    ASSERT_FALSE(served);
    EXPECT_EQ(served.error().code, core::Errc::invalid_argument);
    ::close(pipe_fds[1]);
    EXPECT_FALSE(server_->serve(-1));
    connect();  // nothing was left half-accepted
}

TEST_F(ScreenServerTest, ADeadViewerIsNoticed) {
    start();
    Viewer& viewer = connect();
    ::shutdown(viewer.socket(), SHUT_RDWR);
    ASSERT_TRUE(eventually([&] { return gone().size() == 1; }));
}

TEST_F(ScreenServerTest, DestroyingWithAViewerConnectedIsClean) {
    start(with_control());
    Viewer& viewer = connect();
    viewer.pointer(10, 10, rfbButton1Mask);
    ASSERT_TRUE(eventually([&] { return (query_pointer(x()).mask & Button1Mask) != 0; }));
    const auto started = Clock::now();
    server_.reset();
    EXPECT_LT(Clock::now() - started, 2s);
    EXPECT_EQ(gone(), (std::vector<std::string>{"stopped by the agent"}));
    EXPECT_EQ(query_pointer(x()).mask & Button1Mask, 0u) << "the held button was released";
    EXPECT_TRUE(Viewer::wait_until([&] { return viewer.closed(); }, 2000ms));
}

TEST_F(ScreenServerTest, LosingTheXServerEndsTheSessionNotTheProcess) {
    start();
    connect();
    x_.reset();
    xvfb_.reset();  // SIGTERM: the X server goes away under the screen server
    ASSERT_TRUE(eventually([&] { return gone().size() == 1; }));
    EXPECT_NE(gone()[0].find("X display"), std::string::npos) << gone()[0];
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    auto served = server_->serve(pair[0]);
    ::close(pair[1]);
    ASSERT_FALSE(served);
    EXPECT_EQ(served.error().code, core::Errc::unavailable);
}

}  // namespace
}  // namespace lifeline::agent::screen
