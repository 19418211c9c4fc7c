// The agent's screen server: libvncserver serving one X11 screen (or one monitor of it) to one viewer
// at a time, over a stream socket the caller hands in (one end of a socketpair that the relay link
// pumps). No listening port is ever opened.
//
// Threads: start() creates a loop thread that owns the X connection and libvncserver; it sleeps in
// poll(2) on the X connection, the viewer's socket and a wake-up eventfd. Every public member
// function may be called from any thread except where noted; on_client_gone runs on the loop thread.
#pragma once

#include "shared/core/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lifeline::agent::screen {

struct ScreenOptions {
    std::string display;    // X display name, e.g. ":5"; empty = $DISPLAY
    int monitor = -1;       // -1 whole root window, else RandR monitor index (XRRGetMonitors order)
    bool view_only = true;  // drop all input from the client
    bool use_xshm = true;
    std::string desktop_name = "Lifeline";
};

// Totals over every viewer this server has had, the current one included.
struct ScreenStats {
    std::uint64_t bytes_sent = 0;     // RFB bytes written to viewers
    std::uint64_t updates_sent = 0;   // FramebufferUpdate messages
    std::uint64_t copies_sent = 0;    // CopyRect rectangles: a moved part of the screen the viewer copied itself
    std::uint64_t input_events = 0;   // pointer, key and cut-text events passed on to X
    std::uint64_t input_dropped = 0;  // the same, dropped: view-only or input stopped
};

class ScreenServer {
public:
    // Opens its own X connection, checks for DAMAGE, XFIXES, XTEST and XKEYBOARD and starts the loop
    // thread. Errc::unavailable (no display, a missing extension), Errc::not_found (no such monitor).
    static core::Result<std::unique_ptr<ScreenServer>> start(const ScreenOptions& options);

    // Stops input first (stop_input()), disconnects the viewer (on_client_gone runs, reason "stopped by
    // the agent"), joins the loop thread and releases everything. Must not run on the loop thread,
    // i.e. not from inside on_client_gone.
    ~ScreenServer();
    ScreenServer(const ScreenServer&) = delete;
    ScreenServer& operator=(const ScreenServer&) = delete;

    // Takes ownership of a connected stream socket and serves one RFB viewer on it: RFB 3.8, security
    // type None (the tunnel is already authenticated and encrypted). The fd is closed in every case,
    // errors included. Errc::conflict while a viewer is connected (or still being set up),
    // Errc::invalid_argument for anything but a stream socket, Errc::unavailable once the X
    // connection is lost.
    core::Result<void> serve(int fd);

    // In a view-only session every pointer, key and cut-text event from the viewer is dropped, and the
    // local clipboard is not sent to it. Switching to view-only releases whatever the viewer holds.
    void set_view_only(bool view_only);
    // Withdraws control for good: when this returns, held keys and buttons have been released, the X
    // server has processed that, and no input from any viewer will ever be injected again.
    void stop_input();

    // Called on the loop thread once for each viewer that serve() accepted, after it is gone; serve()
    // may be called again from inside. Replaces the previous callback.
    void set_on_client_gone(std::function<void(std::string reason)> callback);
    // Called on the loop thread each time clipboard text crosses: the viewer's text went into this
    // machine's clipboard (`to_machine`), or this machine's went to the viewer. Size only.
    void set_on_clipboard(std::function<void(bool to_machine, std::size_t bytes)> callback);

    ScreenStats stats() const;
    // The served area: the framebuffer's size, which follows RandR changes.
    int width() const;
    int height() const;

private:
    struct Impl;
    explicit ScreenServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace lifeline::agent::screen
