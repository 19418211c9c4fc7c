// ScreenServer: one loop thread owns the X connection (capture, input, clipboard) and libvncserver; the
// C callbacks libvncserver makes forward to Impl and never let an exception out.
#include "agent/screen/screen_server.hpp"

#include "agent/machine/x_channel.hpp"
#include "agent/machine/xlib_setup.hpp"
#include "agent/screen/frame_updates.hpp"
#include "agent/screen/rfb_glue.hpp"
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
#include <cerrno>
#include <chrono>
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

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

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
    FrameLayout layout;  // the framebuffer's pixels, libvncserver's server format
    DamageGrabber grabber;
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
    last_rfb_error().clear();
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
        last_rfb_error().clear();
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

void ScreenServer::Impl::set_cursor(const CursorImage& image) {
    if (rfbCursor* cursor = make_rfb_cursor(image, layout)) rfbSetCursor(screen, cursor);  // frees the previous one
}

void ScreenServer::Impl::grab_changes() {
    FrameChanges changes = grabber.grab(*capture, framebuffer.data(), static_cast<std::size_t>(width.load()),
                                        client->useCopyRect != FALSE);
    queue_frame_changes(client, std::move(changes));
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

void ScreenServer::Impl::accept_client(int fd) {
    // The viewer starts from the screen as it is now, with the current cursor where the pointer is.
    capture->grab_all(framebuffer.data());
    if (auto image = capture->take_cursor()) set_cursor(*image);
    follow_pointer(true);
    (void)clipboard->take_local_text();  // from before this viewer: not theirs

    close_reason.clear();
    last_rfb_error().clear();
    rfbClientPtr cl = rfbNewClient(screen, fd);  // sends the protocol version; closes fd on failure
    if (cl == nullptr) {
        finish_client(last_rfb_error().empty() ? std::string("the RFB connection could not be set up")
                                               : "the RFB connection could not be set up: " + last_rfb_error());
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
        const std::string& error = last_rfb_error();
        const bool hung_up = error.empty() || error.find("Broken pipe") != std::string::npos ||
                             error.find("Connection reset") != std::string::npos;
        reason = hung_up ? std::string("closed by the viewer") : "connection error: " + error;
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
