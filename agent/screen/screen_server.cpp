// ScreenServer: one loop thread owns the X connection (capture, input, clipboard) and libvncserver; the
// C callbacks libvncserver makes forward to Impl and never let an exception out.
#include "agent/screen/screen_server.hpp"

#include "agent/machine/x_channel.hpp"
#include "agent/machine/xlib_setup.hpp"
#include "agent/screen/scroll_detector.hpp"
#include "agent/screen/x11_capture.hpp"
#include "agent/screen/x11_clipboard.hpp"
#include "agent/screen/x11_handles.hpp"
#include "agent/screen/x11_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <rfb/rfb.h>
extern "C" {  // the region header, unlike rfb.h, does not say so itself
#include <rfb/rfbregion.h>
}
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace lifeline::agent::screen {

namespace {

using Clock = std::chrono::steady_clock;

// How often at most the pointer position is read while it moves: a little above a 60 Hz display.
constexpr auto kPointerInterval = std::chrono::milliseconds(15);
// How long libvncserver may block on a viewer that neither reads nor finishes a message.
constexpr int kClientWaitMs = 20000;
// Larger cursors are not forwarded (XFixes hands out at most a few hundred pixels square).
constexpr int kMaxCursorSide = 512;

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

// libvncserver's log lines, to spdlog. Its errors are mostly the reason a viewer went away, so the
// loop thread keeps the last one to report it.
thread_local std::string t_last_rfb_error;

[[gnu::format(printf, 1, 0)]] std::string format_rfb(const char* format, va_list args) {
    char buffer[512];
    const int length = std::vsnprintf(buffer, sizeof buffer, format, args);
    if (length < 0) return {};
    std::string text(buffer, std::min<std::size_t>(static_cast<std::size_t>(length), sizeof buffer - 1));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

[[gnu::format(printf, 1, 2)]] void log_rfb(const char* format, ...) {
    try {
        va_list args;
        va_start(args, format);
        const std::string text = format_rfb(format, args);
        va_end(args);
        spdlog::debug("agent: screen: libvncserver: {}", text);
    } catch (...) {  // nothing may escape into C
    }
}

[[gnu::format(printf, 1, 2)]] void err_rfb(const char* format, ...) {
    try {
        va_list args;
        va_start(args, format);
        std::string text = format_rfb(format, args);
        va_end(args);
        // rfbNewClient tries TCP_NODELAY on every socket; ours is a socketpair, so that always fails.
        if (text.find("TCP_NODELAY") != std::string::npos) {
            spdlog::debug("agent: screen: libvncserver: {}", text);
            return;
        }
        spdlog::info("agent: screen: libvncserver: {}", text);
        t_last_rfb_error = std::move(text);
    } catch (...) {
    }
}

// Xlib's default I/O error handler exit()s before a display's exit handler gets a say. This one only
// logs, so that each display's exit handler decides: ours ends the session, the default still exits.
int log_x_io_error(Display* display) {
    try {
        spdlog::warn("agent: screen: lost the connection to X display {}", DisplayString(display));
    } catch (...) {
    }
    return 0;
}

// Process-wide hooks, installed once: libvncserver's log and Xlib's I/O error handler.
void install_process_hooks() {
    static std::once_flag once;
    std::call_once(once, [] {
        rfbLog = &log_rfb;
        rfbErr = &err_rfb;
        ::XSetIOErrorHandler(&log_x_io_error);
    });
}

// Where each channel goes in the framebuffer's 32-bit pixels: where the X visual has it when its channels are
// 8 bits wide (the usual 24- and 32-bit visuals), so that a grab is a plain copy and libvncserver converts only
// the pixels it sends to the viewer's format; otherwise where rfbGetScreen with 8 bits per sample puts them.
FrameLayout frame_layout(const Visual* visual) {
    const machine::ChannelMask red(visual->red_mask), green(visual->green_mask), blue(visual->blue_mask);
    if (red.bits == 8 && green.bits == 8 && blue.bits == 8) return FrameLayout{red.shift, green.shift, blue.shift};
    if constexpr (std::endian::native == std::endian::little) return FrameLayout{0, 8, 16};
    return FrameLayout{24, 16, 8};
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

struct ScreenServer::Impl {
    ScreenOptions options;
    DisplayPtr display;
    std::unique_ptr<X11Capture> capture;
    std::unique_ptr<X11Input> input;  // used under input_mutex only
    std::unique_ptr<X11Clipboard> clipboard;
    rfbScreenInfoPtr screen = nullptr;
    std::vector<std::uint32_t> framebuffer;
    FrameLayout layout;                      // the framebuffer's pixels, libvncserver's server format
    std::vector<std::uint32_t> before_grab;  // a damaged rectangle as it was, to see what really changed
    int wake_fd = -1;
    std::thread loop;

    // Loop thread only.
    rfbClientPtr client = nullptr;
    std::string close_reason;  // why we hung up on the viewer ourselves
    std::string fatal_reason;  // set once the X connection or the loop broke: no more viewers
    Clock::time_point next_pointer_read{};
    std::uint64_t finished_bytes = 0;  // totals of viewers that left
    std::uint64_t finished_updates = 0;
    std::uint64_t finished_copies = 0;

    // Guarded by state_mutex.
    mutable std::mutex state_mutex;
    int pending_fd = -1;     // handed to serve(), not yet given to libvncserver
    int client_fd_dup = -1;  // the viewer's socket again, so that another thread can shut it down
    bool client_active = false;
    bool stopping = false;
    bool dead = false;  // mirrors !fatal_reason.empty() for serve()
    std::function<void(std::string)> on_gone;
    std::function<void(bool, std::size_t)> on_clipboard;

    // input_mutex serialises every use of `input` with stop_input() and set_view_only(), so that
    // neither returns while an injection is under way. The flags are atomic for lock-free reads.
    std::mutex input_mutex;
    std::atomic<bool> input_stopped{false};
    std::atomic<bool> view_only{true};

    std::atomic<bool> x_lost{false};
    std::atomic<int> width{0};
    std::atomic<int> height{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> updates_sent{0};
    std::atomic<std::uint64_t> copies_sent{0};
    std::atomic<std::uint64_t> input_events{0};
    std::atomic<std::uint64_t> input_dropped{0};

    ~Impl();
    core::Result<void> init();
    void shutdown();
    void wake() const;

    // Any thread.
    core::Result<void> serve(int fd);
    void set_view_only(bool on);
    void stop_input();
    void release_input_and_sync();
    void release_x();

    // Loop thread.
    void run();
    bool iterate();
    void wait();
    void handle_x_events();
    void refresh();
    bool viewer_waits() const;
    void grab_changes();
    void send_copies(std::vector<AreaMove>& copies, std::vector<Area>& changed);
    void accept_client(int fd);
    void resize_framebuffer();
    void apply_layout();
    void set_cursor(const CursorImage& image);
    void follow_pointer(bool force);
    void send_cut_text(const std::string& utf8);
    void clipboard_crossed(bool to_machine, std::size_t bytes);  // tells on_clipboard
    void publish_stats();
    void hang_up(std::string reason);
    void client_gone(rfbClientPtr cl);
    void finish_client(const std::string& reason);
    bool control_allowed() const { return !view_only && !input_stopped && !x_lost; }

    // libvncserver and Xlib callbacks.
    static Impl* of(rfbClientPtr cl) { return static_cast<Impl*>(cl->screen->screenData); }
    static void on_pointer(int mask, int x, int y, rfbClientPtr cl);
    static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl);
    static void on_cut_text(char* text, int length, rfbClientPtr cl);
    static void on_cut_text_utf8(char* text, int length, rfbClientPtr cl);
    static void on_client_gone(rfbClientPtr cl);
    static void on_x_io_error(Display* display, void* data);
    void take_cut_text(std::string utf8);
};

ScreenServer::Impl::~Impl() {
    if (screen != nullptr) rfbScreenCleanup(screen);  // no clients are left by now
    release_x();                                      // already done by the loop thread, unless it never ran
    close_fd(pending_fd);
    close_fd(client_fd_dup);
    close_fd(wake_fd);
}

core::Result<void> ScreenServer::Impl::init() {
    const std::string name = options.display.empty() ? std::string("$DISPLAY") : options.display;
    display.reset(::XOpenDisplay(options.display.empty() ? nullptr : options.display.c_str()));
    if (!display) return unavailable("cannot open X display " + name);
    // Losing the X server must end the session, not the agent (Xlib's default is exit()).
    ::XSetIOErrorExitHandler(display.get(), &Impl::on_x_io_error, this);

    layout = frame_layout(DefaultVisual(display.get(), DefaultScreen(display.get())));
    auto made_capture = X11Capture::create(display.get(), options.monitor, options.use_xshm, layout);
    if (!made_capture) return made_capture.error();
    capture = std::move(*made_capture);
    auto made_input = X11Input::create(display.get());
    if (!made_input) return made_input.error();
    input = std::move(*made_input);
    auto made_clipboard = X11Clipboard::create(display.get());
    if (!made_clipboard) return made_clipboard.error();
    clipboard = std::move(*made_clipboard);

    wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) return unavailable(std::string("eventfd: ") + std::strerror(errno));

    const Rect& area = capture->area();
    framebuffer.assign(static_cast<std::size_t>(area.width) * static_cast<std::size_t>(area.height), 0);
    capture->grab_all(framebuffer.data());
    width = area.width;
    height = area.height;

    screen = rfbGetScreen(nullptr, nullptr, area.width, area.height, 8, 3, 4);
    if (screen == nullptr) return unavailable("libvncserver could not allocate a screen");
    apply_layout();
    screen->screenData = this;
    screen->frameBuffer = reinterpret_cast<char*>(framebuffer.data());
    screen->desktopName = options.desktop_name.c_str();
    // No listening socket of any kind: viewers arrive only through serve().
    screen->autoPort = FALSE;
    screen->port = -1;
    screen->ipv6port = -1;
    screen->httpPort = -1;
    screen->http6Port = -1;
    screen->httpDir = nullptr;
    screen->udpPort = 0;
    screen->permitFileTransfer = FALSE;
    screen->alwaysShared = TRUE;  // a viewer asking for exclusivity has nobody to push out
    // Updates and pointer events go out at once; the loop batches by itself, and needs no timers.
    screen->deferUpdateTime = 0;
    screen->deferPtrUpdateTime = 0;
    screen->maxClientWait = kClientWaitMs;
    screen->ptrAddEvent = &Impl::on_pointer;
    screen->kbdAddEvent = &Impl::on_key;
    screen->setXCutText = &Impl::on_cut_text;
    // Its default is NULL, which libvncserver calls anyway for a viewer with extended clipboard.
    screen->setXCutTextUTF8 = &Impl::on_cut_text_utf8;
    rfbInitServer(screen);
    if (screen->listenSock != RFB_INVALID_SOCKET || screen->listen6Sock != RFB_INVALID_SOCKET ||
        screen->httpListenSock != RFB_INVALID_SOCKET || screen->httpListen6Sock != RFB_INVALID_SOCKET) {
        return unavailable("libvncserver opened a listening socket");
    }
    return {};
}

void ScreenServer::Impl::wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd, &one, sizeof one);  // a full counter wakes as well
}

void ScreenServer::Impl::shutdown() {
    if (!loop.joinable()) return;
    if (loop.get_id() == std::this_thread::get_id()) {
        spdlog::critical("agent: screen: the screen server was destroyed from its own callback");
        std::abort();
    }
    stop_input();
    {
        std::lock_guard lock(state_mutex);
        stopping = true;
        // A viewer that stopped reading must not hold the loop in a write for maxClientWait.
        if (client_fd_dup >= 0) ::shutdown(client_fd_dup, SHUT_RDWR);
    }
    wake();
    loop.join();
}

// ---- any thread ----

core::Result<void> ScreenServer::Impl::serve(int fd) {
    if (fd < 0) return core::make_error(core::Errc::invalid_argument, "serve() needs a socket");
    auto refuse = [&](core::Errc code, std::string message) -> core::Result<void> {
        ::close(fd);
        return core::make_error(code, std::move(message));
    };
    int type = 0;
    socklen_t type_length = sizeof type;
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0 || type != SOCK_STREAM ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
        return refuse(core::Errc::invalid_argument, "serve() needs a connected stream socket");
    }
    // libvncserver waits on its sockets with select(2).
    if (fd >= FD_SETSIZE) return refuse(core::Errc::unavailable, "the viewer's descriptor is too high for select()");

    std::lock_guard lock(state_mutex);
    if (stopping) return refuse(core::Errc::unavailable, "the screen server is stopping");
    if (dead || x_lost) return refuse(core::Errc::unavailable, "the screen server lost its X display");
    if (client_active) return refuse(core::Errc::conflict, "a viewer is already connected");
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    client_fd_dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    client_active = true;
    pending_fd = fd;
    wake();
    return {};
}

void ScreenServer::Impl::release_input_and_sync() {
    if (!input || x_lost) return;
    input->release_all();
    // Once this returns the X server has handled every request made so far, the releases included.
    ::XSync(display.get(), False);
    wake();  // XSync may have queued events that the loop's poll cannot see
}

void ScreenServer::Impl::set_view_only(bool on) {
    std::lock_guard lock(input_mutex);
    const bool was = view_only.exchange(on);
    if (on && !was && !input_stopped) release_input_and_sync();
}

void ScreenServer::Impl::stop_input() {
    std::lock_guard lock(input_mutex);
    if (input_stopped.exchange(true)) return;
    release_input_and_sync();
}

// ---- libvncserver callbacks (loop thread) ----

void ScreenServer::Impl::on_pointer(int mask, int x, int y, rfbClientPtr cl) {
    try {
        Impl* self = of(cl);
        x = std::clamp(x, 0, cl->screen->width - 1);
        y = std::clamp(y, 0, cl->screen->height - 1);
        {
            std::lock_guard lock(self->input_mutex);
            if (!self->control_allowed()) {
                ++self->input_dropped;
                return;
            }
            const Rect& area = self->capture->area();
            self->input->pointer(mask, area.x + x, area.y + y);
            ++self->input_events;
        }
        rfbDefaultPtrAddEvent(mask, x, y, cl);  // moves the cursor drawn for the viewer
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: pointer event: {}", e.what());
    } catch (...) {
    }
}

void ScreenServer::Impl::on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr cl) {
    try {
        Impl* self = of(cl);
        std::lock_guard lock(self->input_mutex);
        if (!self->control_allowed()) {
            ++self->input_dropped;
            return;
        }
        self->input->key(down != 0, static_cast<KeySym>(keysym));
        ++self->input_events;
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: key event: {}", e.what());
    } catch (...) {
    }
}

void ScreenServer::Impl::on_cut_text(char* text, int length, rfbClientPtr cl) {
    try {
        std::string latin1(text, static_cast<std::size_t>(std::max(length, 0)));
        of(cl)->take_cut_text(latin1_to_utf8(latin1));
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: cut text: {}", e.what());
    } catch (...) {
    }
}

void ScreenServer::Impl::on_cut_text_utf8(char* text, int length, rfbClientPtr cl) {
    try {
        of(cl)->take_cut_text(std::string(text, static_cast<std::size_t>(std::max(length, 0))));
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: cut text: {}", e.what());
    } catch (...) {
    }
}

void ScreenServer::Impl::take_cut_text(std::string utf8) {
    // Extended clipboard text carries its terminating NUL; nothing after a NUL is text anyway.
    if (const auto nul = utf8.find('\0'); nul != std::string::npos) utf8.resize(nul);
    const std::size_t bytes = utf8.size();
    {
        std::lock_guard lock(input_mutex);
        if (!control_allowed()) {
            ++input_dropped;
            return;
        }
        clipboard->set_text(std::move(utf8));
        ++input_events;
    }
    clipboard_crossed(true, bytes);
}

void ScreenServer::Impl::on_client_gone(rfbClientPtr cl) {
    try {
        of(cl)->client_gone(cl);
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: viewer gone: {}", e.what());
    } catch (...) {
    }
}

void ScreenServer::Impl::on_x_io_error(Display*, void* data) {
    // Inside Xlib: only flags. Xlib returns from here and fails every later call on this display.
    auto* self = static_cast<Impl*>(data);
    self->x_lost = true;
    self->wake();
}

// ---- the loop ----

void ScreenServer::Impl::run() {
    for (;;) {
        try {
            if (!iterate()) break;
        } catch (const std::exception& e) {
            spdlog::error("agent: screen: loop: {}", e.what());
            if (fatal_reason.empty()) fatal_reason = std::string("internal error: ") + e.what();
        }
    }
    // Stopping: the viewer, and a socket handed in meanwhile, are let go.
    try {
        if (client != nullptr) {
            close_reason = "stopped by the agent";
            rfbShutdownServer(screen, TRUE);  // ends in client_gone()
        }
        int fd = -1;
        {
            std::lock_guard lock(state_mutex);
            fd = std::exchange(pending_fd, -1);
        }
        if (fd >= 0) {
            ::close(fd);
            finish_client("stopped by the agent");
        }
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: stopping: {}", e.what());
    }
    // On this thread: after an I/O error Xlib leaves the display locked to the thread that met it,
    // and any other thread's call, XCloseDisplay included, would block for good.
    release_x();
}

void ScreenServer::Impl::release_x() {
    clipboard.reset();
    {
        std::lock_guard lock(input_mutex);
        input.reset();  // lifts anything still held and gives borrowed keycodes back
    }
    capture.reset();
    display.reset();
}

bool ScreenServer::Impl::iterate() {
    t_last_rfb_error.clear();
    if (x_lost && fatal_reason.empty()) fatal_reason = "the X display connection was lost";
    if (!fatal_reason.empty()) {
        std::lock_guard lock(state_mutex);
        dead = true;
    }
    if (fatal_reason.empty()) {
        clipboard->set_watching(client != nullptr && control_allowed());
        handle_x_events();
    }

    int fd = -1;
    {
        std::lock_guard lock(state_mutex);
        if (stopping) return false;
        fd = std::exchange(pending_fd, -1);
    }
    if (!fatal_reason.empty() && client != nullptr && client->sock != RFB_INVALID_SOCKET) hang_up(fatal_reason);
    if (fd >= 0) {
        if (fatal_reason.empty()) {
            accept_client(fd);
        } else {
            ::close(fd);
            finish_client(fatal_reason);
        }
    }
    if (fatal_reason.empty()) refresh();
    if (client != nullptr) {
        t_last_rfb_error.clear();
        rfbProcessEvents(screen, 0);
        publish_stats();
    }
    wait();
    return true;
}

void ScreenServer::Impl::wait() {
    pollfd fds[3];
    nfds_t count = 0;
    int timeout = -1;
    fds[count++] = pollfd{wake_fd, POLLIN, 0};
    if (fatal_reason.empty() && !x_lost) {
        ::XFlush(display.get());
        // Replies read since the last XPending may have brought events along; poll cannot see those.
        if (::XEventsQueued(display.get(), QueuedAlready) > 0) timeout = 0;
        fds[count++] = pollfd{ConnectionNumber(display.get()), POLLIN, 0};
        // A request read by the last rfbProcessEvents finds the damage that waited for it.
        if (capture->damage_pending() && viewer_waits()) timeout = 0;
        if (client != nullptr && capture->pointer_moved() && timeout != 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_pointer_read - Clock::now());
            timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
        }
    }
    if (client != nullptr) {
        if (client->sock != RFB_INVALID_SOCKET) {
            fds[count++] = pollfd{client->sock, POLLIN, 0};
        } else {
            timeout = 0;  // closed: rfbProcessEvents still has to reap it
        }
    }
    if (::poll(fds, count, timeout) < 0 && errno != EINTR) {
        throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[0].revents != 0) {
        std::uint64_t counter = 0;
        [[maybe_unused]] const auto drained = ::read(wake_fd, &counter, sizeof counter);
    }
}

void ScreenServer::Impl::handle_x_events() {
    Display* d = display.get();
    while (!x_lost && ::XPending(d) > 0) {
        XEvent event{};
        ::XNextEvent(d, &event);
        if (capture->handle_event(event)) continue;
        {
            std::lock_guard lock(input_mutex);
            if (input->handle_event(event)) continue;
        }
        clipboard->handle_event(event);
    }
}

void ScreenServer::Impl::refresh() {
    if (capture->screen_changed() && capture->update_area()) resize_framebuffer();
    if (client == nullptr) {
        // Nobody watches: the next viewer starts from a full grab.
        if (capture->damage_pending()) capture->discard_damage();
        return;
    }
    // The screen is grabbed at the viewer's pace: while an update is on its way the damage adds up in the X
    // server, and the next grab compares with what the viewer will hold. A page that scrolled four times
    // meanwhile is then one CopyRect by the whole distance, where four copies by the same step would make
    // libvncserver send most of the page as pixels (it keeps one pending copy, and marks a copy's source as
    // changed when a pending copy wrote it).
    if (capture->damage_pending() && viewer_waits()) grab_changes();
    if (capture->cursor_changed()) {
        if (auto image = capture->take_cursor()) set_cursor(*image);
    }
    follow_pointer(false);
    if (auto text = clipboard->take_local_text(); text && control_allowed()) send_cut_text(*text);
}

bool ScreenServer::Impl::viewer_waits() const {
    return client != nullptr && client->sock != RFB_INVALID_SOCKET && sraRgnEmpty(client->requestedRegion) == FALSE;
}

void ScreenServer::Impl::grab_changes() {
    // Damage says where the picture was drawn, not that it changed: rows drawn the same are not sent again, and
    // blocks that are the old picture moved (up, down or sideways) go as a CopyRect when the viewer takes it.
    const bool moves = client->useCopyRect != FALSE;
    const auto stride = static_cast<std::size_t>(width.load());
    std::vector<AreaMove> copies;  // in screen coordinates, as the changes below
    std::vector<Area> changed;
    for (const Rect& rect : capture->take_damage()) {
        std::uint32_t* const top_left =
            framebuffer.data() + static_cast<std::size_t>(rect.y) * stride + static_cast<std::size_t>(rect.x);
        const auto rect_width = static_cast<std::size_t>(rect.width);
        if (rect.width < kMinScrollWidth || rect.height < kMinScrollHeight) {
            capture->grab(rect, framebuffer.data());
            changed.push_back(Area{rect.x, rect.y, rect.width, rect.height});
            continue;
        }
        before_grab.resize(rect_width * static_cast<std::size_t>(rect.height));
        for (int y = 0; y < rect.height; ++y) {
            std::memcpy(before_grab.data() + static_cast<std::size_t>(y) * rect_width,
                        top_left + static_cast<std::size_t>(y) * stride, rect_width * sizeof(std::uint32_t));
        }
        capture->grab(rect, framebuffer.data());
        const AreaChanges found =
            find_changes(before_grab.data(), rect_width, top_left, stride, rect.width, rect.height, moves);
        for (AreaMove move : found.moves) {
            move.to.x += rect.x;
            move.to.y += rect.y;
            move.block.x += rect.x;
            move.block.y += rect.y;
            copies.push_back(move);
        }
        for (const Area& area : found.changed)
            changed.push_back(Area{rect.x + area.x, rect.y + area.y, area.width, area.height});
    }
    send_copies(copies, changed);
    for (const Area& area : changed)
        rfbMarkRectAsModified(screen, area.x, area.y, area.x + area.width, area.y + area.height);
}

void ScreenServer::Impl::send_copies(std::vector<AreaMove>& copies, std::vector<Area>& changed) {
    // An update carries copies by one distance only: libvncserver keeps one pending copy, and a copy by another
    // distance turns it into pixels to send. So each distance but the last goes out at once in an update of its
    // own, with the changed pixels of its blocks (libvncserver sends the copies first, so they read the old
    // picture, and the viewer never shows a copy without the strip that came into view with it). The last
    // distance travels with the rest. Blocks do not overlap: no copy reads what another one wrote.
    std::stable_sort(copies.begin(), copies.end(), [](const AreaMove& a, const AreaMove& b) {
        return std::pair(a.source_dx, a.source_dy) < std::pair(b.source_dx, b.source_dy);
    });
    std::size_t first = 0;
    while (first < copies.size()) {
        std::size_t end = first + 1;
        while (end < copies.size() && copies[end].source_dx == copies[first].source_dx &&
               copies[end].source_dy == copies[first].source_dy) {
            ++end;
        }
        for (std::size_t i = first; i < end; ++i) {
            const Area& to = copies[i].to;
            rfbScheduleCopyRect(screen, to.x, to.y, to.x + to.width, to.y + to.height, -copies[i].source_dx,
                                -copies[i].source_dy);
        }
        if (end == copies.size() || client->sock == RFB_INVALID_SOCKET) break;
        const auto theirs = std::stable_partition(changed.begin(), changed.end(), [&](const Area& area) {
            return std::none_of(copies.begin() + static_cast<std::ptrdiff_t>(first),
                                copies.begin() + static_cast<std::ptrdiff_t>(end),
                                [&](const AreaMove& copy) { return copy.block.contains(area); });
        });
        for (auto it = theirs; it != changed.end(); ++it)
            rfbMarkRectAsModified(screen, it->x, it->y, it->x + it->width, it->y + it->height);
        changed.erase(theirs, changed.end());
        // The viewer asked for one update and gets more: it asks again after each, and what it asked for holds
        // for the next one too.
        sraRegionPtr asked = sraRgnCreateRgn(client->requestedRegion);
        rfbSendFramebufferUpdate(client, client->modifiedRegion);
        sraRgnOr(client->requestedRegion, asked);
        sraRgnDestroy(asked);
        first = end;
    }
}

void ScreenServer::Impl::accept_client(int fd) {
    // The viewer starts from the screen as it is now, with the current cursor where the pointer is.
    capture->grab_all(framebuffer.data());
    if (auto image = capture->take_cursor()) set_cursor(*image);
    follow_pointer(true);
    (void)clipboard->take_local_text();  // from before this viewer: not theirs

    close_reason.clear();
    t_last_rfb_error.clear();
    rfbClientPtr cl = rfbNewClient(screen, fd);  // sends the protocol version; closes fd on failure
    if (cl == nullptr) {
        finish_client(t_last_rfb_error.empty() ? std::string("the RFB connection could not be set up")
                                               : "the RFB connection could not be set up: " + t_last_rfb_error);
        return;
    }
    cl->clientGoneHook = &Impl::on_client_gone;
    client = cl;
    spdlog::info("agent: screen: viewer connected ({}x{}, {})", screen->width, screen->height,
                 view_only ? "view only" : "with control");
}

void ScreenServer::Impl::resize_framebuffer() {
    const Rect& area = capture->area();
    std::vector<std::uint32_t> next(static_cast<std::size_t>(area.width) * static_cast<std::size_t>(area.height), 0);
    capture->grab_all(next.data());
    rfbNewFramebuffer(screen, reinterpret_cast<char*>(next.data()), area.width, area.height, 8, 3, 4);
    apply_layout();          // rfbNewFramebuffer went back to its own
    framebuffer.swap(next);  // the old buffer goes only after libvncserver stopped using it
    width = area.width;
    height = area.height;
    if (client != nullptr && client->sock != RFB_INVALID_SOCKET && !client->useNewFBSize) {
        hang_up("the viewer cannot follow a change of the screen size");
    }
}

void ScreenServer::Impl::apply_layout() {
    rfbPixelFormat& format = screen->serverFormat;
    const bool changed = format.redShift != layout.red_shift || format.greenShift != layout.green_shift ||
                         format.blueShift != layout.blue_shift;
    format.redShift = static_cast<std::uint8_t>(layout.red_shift);
    format.greenShift = static_cast<std::uint8_t>(layout.green_shift);
    format.blueShift = static_cast<std::uint8_t>(layout.blue_shift);
    // A viewer's conversion was set up for the format it met.
    if (changed && client != nullptr) screen->setTranslateFunction(client);
}

void ScreenServer::Impl::set_cursor(const CursorImage& image) {
    if (image.width <= 0 || image.height <= 0 || image.width > kMaxCursorSide || image.height > kMaxCursorSide) return;
    const auto w = static_cast<std::size_t>(image.width);
    const auto h = static_cast<std::size_t>(image.height);
    const std::size_t mask_stride = (w + 7) / 8;
    // libvncserver frees what it is told to with free(), the cursor itself included.
    auto* cursor = static_cast<rfbCursor*>(std::calloc(1, sizeof(rfbCursor)));
    auto* rich = static_cast<unsigned char*>(std::calloc(w * h, 4));
    auto* alpha = static_cast<unsigned char*>(std::calloc(w * h, 1));
    auto* mask = static_cast<unsigned char*>(std::calloc(mask_stride * h, 1));
    if (cursor == nullptr || rich == nullptr || alpha == nullptr || mask == nullptr) {
        std::free(cursor);
        std::free(rich);
        std::free(alpha);
        std::free(mask);
        return;
    }
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            const std::size_t i = y * w + x;
            const std::uint32_t argb = image.argb[i];
            const std::uint32_t a = argb >> 24;
            const std::uint32_t pixel = (((argb >> 16) & 0xff) << layout.red_shift) |
                                        (((argb >> 8) & 0xff) << layout.green_shift) |
                                        ((argb & 0xff) << layout.blue_shift);
            std::memcpy(rich + i * 4, &pixel, 4);
            alpha[i] = static_cast<unsigned char>(a);
            // Viewers that take a cursor shape get a 1-bit mask: half-transparent counts as there.
            if (a >= 0x80) mask[y * mask_stride + x / 8] |= static_cast<unsigned char>(0x80 >> (x % 8));
        }
    }
    cursor->width = static_cast<unsigned short>(w);
    cursor->height = static_cast<unsigned short>(h);
    cursor->xhot = static_cast<unsigned short>(std::clamp(image.xhot, 0, image.width - 1));
    cursor->yhot = static_cast<unsigned short>(std::clamp(image.yhot, 0, image.height - 1));
    cursor->richSource = rich;
    cursor->alphaSource = alpha;
    cursor->alphaPreMultiplied = TRUE;  // XFixes hands out premultiplied ARGB
    cursor->mask = mask;
    cursor->source = nullptr;  // made from richSource when a viewer wants an X-style cursor
    cursor->cleanup = TRUE;
    cursor->cleanupRichSource = TRUE;
    cursor->cleanupMask = TRUE;
    cursor->cleanupSource = TRUE;
    rfbSetCursor(screen, cursor);  // frees the previous one
}

void ScreenServer::Impl::follow_pointer(bool force) {
    if (!force && !capture->pointer_moved()) return;
    const auto now = Clock::now();
    if (!force && now < next_pointer_read) return;
    next_pointer_read = now + kPointerInterval;
    const auto position = capture->pointer_position();
    if (!position) return;
    // Only this thread touches the screen, so libvncserver's cursorMutex has nobody to keep out.
    if (screen->cursorX == position->first && screen->cursorY == position->second) return;
    screen->cursorX = position->first;
    screen->cursorY = position->second;
    if (client != nullptr && client->enableCursorPosUpdates) client->cursorWasMoved = TRUE;
}

void ScreenServer::Impl::send_cut_text(const std::string& utf8) {
    if (client == nullptr || client->sock == RFB_INVALID_SOCKET) return;
    if (client->enableExtendedClipboard) {
        std::string copy = utf8;
        rfbSendServerCutTextUTF8(screen, copy.data(), static_cast<int>(copy.size()), nullptr, 0);
    } else {
        // Not rfbSendServerCutTextUTF8's Latin-1 fallback: it announces the UTF-8 length but sends the
        // Latin-1 bytes, which breaks the stream for any non-ASCII text.
        std::string latin1 = utf8_to_latin1(utf8);
        rfbSendServerCutText(screen, latin1.data(), static_cast<int>(latin1.size()));
    }
    clipboard_crossed(false, utf8.size());
}

void ScreenServer::Impl::publish_stats() {
    if (client == nullptr) return;
    // libvncserver counts in int; as unsigned that lasts 4 GiB per viewer.
    bytes_sent = finished_bytes + static_cast<std::uint32_t>(rfbStatGetSentBytes(client));
    updates_sent =
        finished_updates + static_cast<std::uint32_t>(rfbStatGetMessageCountSent(client, rfbFramebufferUpdate));
    copies_sent =
        finished_copies + static_cast<std::uint32_t>(rfbStatGetEncodingCountSent(client, rfbEncodingCopyRect));
}

void ScreenServer::Impl::hang_up(std::string reason) {
    if (close_reason.empty()) close_reason = std::move(reason);
    rfbCloseClient(client);  // the next rfbProcessEvents reaps it and calls client_gone()
}

void ScreenServer::Impl::client_gone(rfbClientPtr cl) {
    if (cl != client) return;
    publish_stats();
    finished_bytes = bytes_sent;
    finished_updates = updates_sent;
    finished_copies = copies_sent;
    client = nullptr;
    {
        std::lock_guard lock(input_mutex);
        if (input && !x_lost) input->release_all();  // whatever this viewer held
    }
    if (!x_lost) clipboard->set_watching(false);
    std::string reason = close_reason;
    bool stopping_now = false;
    {
        std::lock_guard lock(state_mutex);
        stopping_now = stopping;
    }
    // The destructor shuts the socket down to unblock the loop, which can then read an end of file.
    if (reason.empty() && stopping_now) reason = "stopped by the agent";
    if (reason.empty()) {
        // A viewer that hangs up while an update is on its way shows as a failed write.
        const bool hung_up = t_last_rfb_error.empty() || t_last_rfb_error.find("Broken pipe") != std::string::npos ||
                             t_last_rfb_error.find("Connection reset") != std::string::npos;
        reason = hung_up ? std::string("closed by the viewer") : "connection error: " + t_last_rfb_error;
    }
    close_reason.clear();
    finish_client(reason);
}

void ScreenServer::Impl::finish_client(const std::string& reason) {
    std::function<void(std::string)> callback;
    {
        std::lock_guard lock(state_mutex);
        client_active = false;
        close_fd(client_fd_dup);
        callback = on_gone;
    }
    spdlog::info("agent: screen: viewer gone: {}", reason);
    if (!callback) return;
    try {
        callback(reason);
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: on_client_gone threw: {}", e.what());
    }
}

// ---- ScreenServer ----

core::Result<std::unique_ptr<ScreenServer>> ScreenServer::start(const ScreenOptions& options) {
    machine::ensure_xlib_ready();
    install_process_hooks();
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->view_only = options.view_only;
    if (auto ready = impl->init(); !ready) return ready.error();
    Impl* raw = impl.get();
    impl->loop = std::thread([raw] { raw->run(); });
    spdlog::info("agent: screen: serving {} ({}x{}{})", options.display.empty() ? "$DISPLAY" : options.display,
                 raw->width.load(), raw->height.load(),
                 options.monitor >= 0 ? ", monitor " + std::to_string(options.monitor) : std::string());
    return std::unique_ptr<ScreenServer>(new ScreenServer(std::move(impl)));
}

ScreenServer::ScreenServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ScreenServer::~ScreenServer() { impl_->shutdown(); }

core::Result<void> ScreenServer::serve(int fd) { return impl_->serve(fd); }

void ScreenServer::set_view_only(bool view_only) { impl_->set_view_only(view_only); }

void ScreenServer::stop_input() { impl_->stop_input(); }

void ScreenServer::set_on_client_gone(std::function<void(std::string reason)> callback) {
    std::lock_guard lock(impl_->state_mutex);
    impl_->on_gone = std::move(callback);
}

void ScreenServer::set_on_clipboard(std::function<void(bool to_machine, std::size_t bytes)> callback) {
    std::lock_guard lock(impl_->state_mutex);
    impl_->on_clipboard = std::move(callback);
}

void ScreenServer::Impl::clipboard_crossed(bool to_machine, std::size_t bytes) {
    std::function<void(bool, std::size_t)> callback;
    {
        std::lock_guard lock(state_mutex);
        callback = on_clipboard;
    }
    if (!callback) return;
    try {
        callback(to_machine, bytes);
    } catch (const std::exception& e) {
        spdlog::error("agent: screen: on_clipboard threw: {}", e.what());
    }
}

ScreenStats ScreenServer::stats() const {
    ScreenStats stats;
    stats.bytes_sent = impl_->bytes_sent;
    stats.updates_sent = impl_->updates_sent;
    stats.copies_sent = impl_->copies_sent;
    stats.input_events = impl_->input_events;
    stats.input_dropped = impl_->input_dropped;
    return stats;
}

int ScreenServer::width() const { return impl_->width; }

int ScreenServer::height() const { return impl_->height; }

}  // namespace lifeline::agent::screen
