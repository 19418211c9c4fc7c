// RfbClient: libvncclient on a worker thread, fed through an internal socketpair by a pump thread, so that bytes
// are counted and checked (RfbStreamGuard) before libvncclient reads them, input is written only between server
// messages, and stopping never waits on the server.
#include "viewer/core/rfb_client.hpp"

#include "viewer/core/input_latency.hpp"
#include "viewer/core/rfb_decoder_state.hpp"
#include "viewer/core/rfb_stream_guard.hpp"

#include <rfb/rfbclient.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>

#ifdef LIBVNCSERVER_HAVE_LIBJPEG
// TurboJPEG's, exported by libvncclient (which bundles it) or by libturbojpeg it links; tjhandle is a void*.
extern "C" int tjDestroy(void* handle);
#endif

namespace lifeline::viewer {

namespace {

constexpr std::size_t kMaxQueuedInput = 1024;
constexpr std::size_t kMaxClipboardBytes = 1 << 20;
// Larger than any real desktop (8K x 8K); a server announcing more gets refused before anything is allocated.
constexpr std::int64_t kMaxPixels = 8192LL * 8192LL;
constexpr std::size_t kPumpBufferBytes = std::size_t{64} * 1024;

// rfbClientSetClientData wants a unique tag; the address of this byte is ours alone.
void* client_data_tag() {
    static char tag = 0;
    return &tag;
}

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

struct ClientDeleter {
    void operator()(rfbClient* client) const {
        std::free(client->frameBuffer);  // rfbClientCleanup leaves the framebuffer to whoever allocated it
        client->frameBuffer = nullptr;
#ifdef LIBVNCSERVER_HAVE_LIBJPEG
        // libvncclient 0.9.14 creates a JPEG decoder on the first tight JPEG and never destroys it.
        if (client->tjhnd != nullptr) tjDestroy(client->tjhnd);
        client->tjhnd = nullptr;
#endif
        // Our UniqueFd closes the socket; whether rfbClientCleanup also does differs between versions.
        client->sock = RFB_INVALID_SOCKET;
        rfbClientCleanup(client);
    }
};

// Input carries when it was made, for the latency figure.
struct PointerCommand {
    int x, y, button_mask;
    InputLatency::Clock::time_point made{};
};
struct KeyCommand {
    std::uint32_t keysym;
    bool down;
    InputLatency::Clock::time_point made{};
};
struct ClipboardCommand {
    std::string text;
};
struct EncodingCommand {
    Encoding encoding;
    int quality;
};
using Command = std::variant<PointerCommand, KeyCommand, ClipboardCommand, EncodingCommand>;

core::Error invalid(std::string message) { return core::make_error(core::Errc::invalid_argument, std::move(message)); }
core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

// std::strerror is not thread-safe; the category's message is.
std::string errno_text(const char* what) { return std::string(what) + ": " + std::system_category().message(errno); }

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

// A server that closes with our bytes unread shows up as one of these rather than as the end of the stream.
bool peer_gone(int error) { return error == EPIPE || error == ECONNRESET; }

bool set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// libvncclient writes with write(2): a server gone mid-write must fail that write, not kill the viewer.
void block_sigpipe_on_this_thread() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ssize_t write_stream(int fd, const char* data, std::size_t length) {
    const ssize_t sent = ::send(fd, data, length, MSG_NOSIGNAL);
    if (sent < 0 && errno == ENOTSOCK) return ::write(fd, data, length);
    return sent;
}

const char* encoding_name(Encoding encoding) {
    switch (encoding) {
        case Encoding::tight: return "tight";
        case Encoding::zrle: return "zrle";
        case Encoding::raw: return "raw";
    }
    return "raw";
}

// libvncclient's encodingsString: space-separated, preferred first, never anything outside {tight, zrle, raw},
// and CopyRect (a moved part of the screen: the server names a source, libvncclient bounds-checks both ends).
std::string offered_encodings(Encoding preferred) {
    std::string list = encoding_name(preferred);
    for (Encoding encoding : {Encoding::tight, Encoding::zrle, Encoding::raw}) {
        if (encoding == preferred) continue;
        list += ' ';
        list += encoding_name(encoding);
    }
    return list + " copyrect";
}

void apply_quality(rfbClient* client, int quality) {
    // Without enableJPEG libvncclient sends no quality pseudo-encoding, and libvncserver's tight stays lossless.
    client->appData.enableJPEG = quality >= 0 ? TRUE : FALSE;
    client->appData.qualityLevel = std::clamp(quality, 0, 9);
}

// libvncclient's log lines, per worker thread, so a failure can be explained with libvncclient's own words.
thread_local std::string* t_last_libvncclient_line = nullptr;

void log_from_libvncclient(const char* format, ...) {
    // Called from C: nothing may escape.
    try {
        char line[512];
        va_list args;
        va_start(args, format);
        const int length = std::vsnprintf(line, sizeof line, format, args);
        va_end(args);
        if (length < 0) return;
        std::string_view text(line, std::min(static_cast<std::size_t>(length), sizeof line - 1));
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.remove_suffix(1);
        if (text.empty()) return;
        spdlog::debug("viewer.vnc: libvncclient: {}", text);
        if (t_last_libvncclient_line != nullptr) t_last_libvncclient_line->assign(text);
    } catch (...) {
    }
}

void install_libvncclient_logging() {
    static std::once_flag once;
    std::call_once(once, [] {
        rfbClientLog = &log_from_libvncclient;
        rfbClientErr = &log_from_libvncclient;
    });
}

bool is_generic_io_failure(const std::string& line) {
    return line.empty() || line.find("closed connection") != std::string::npos || line.rfind("read (", 0) == 0 ||
           line == "write" || line == "write failed" || line == "select";
}

}  // namespace

struct RfbClient::Impl {
    enum class State { handshaking, connected, failed, closed };

    explicit Impl(const RfbOptions& opts) : options(opts) {}

    // Everything here runs on the caller's thread before the threads start.
    core::Result<void> init();
    // Thread bodies.
    void run_worker();
    void run_pump();
    // Any thread; joins both threads. Idempotent.
    void stop();

    core::Result<void> enqueue(Command command, bool is_input);

    // Worker thread only.
    bool handshake(std::string& why);
    std::string message_loop();
    bool flush_input();
    bool send(Command& command);
    bool resize(int width, int height);
    void copy_rect(int x, int y, int w, int h);
    std::string failure_reason(const std::string& fallback);
    std::string refusal();  // any thread
    template <class Body>
    void guarded(const char* what, Body&& body);
    void notify_closed(const std::string& why);

    static Impl* of(rfbClient* client) { return static_cast<Impl*>(rfbClientGetClientData(client, client_data_tag())); }
    static rfbBool on_malloc_framebuffer(rfbClient* client);
    static void on_got_update(rfbClient* client, int x, int y, int w, int h);
    static void on_finished_update(rfbClient* client);
    static void on_cut_text(rfbClient* client, const char* text, int length);
    static char* on_password(rfbClient* client);

    const RfbOptions options;
    UniqueFd tunnel;    // the caller's stream; the pump's
    UniqueFd pump_end;  // the pump's end of the internal pair, non-blocking
    UniqueFd lib_end;   // libvncclient's end (client->sock), blocking as libvncclient expects
    UniqueFd stop_fd;   // eventfd written once by stop() and never drained, so it wakes every later poll too
    UniqueFd wake_fd;   // eventfd: input queued for the worker
    std::unique_ptr<rfbClient, ClientDeleter> client;
    std::string encodings;  // backs client->appData.encodingsString; the worker's once started

    std::thread pump_thread;
    std::thread worker_thread;
    std::atomic<bool> stopping{false};

    mutable std::mutex state_mutex;
    mutable std::condition_variable state_changed;
    State state = State::handshaking;
    std::string reason;  // why the handshake failed or the session closed
    std::uint64_t update_count = 0;
    std::atomic<bool> is_connected{false};
    std::atomic<bool> is_closed{false};
    std::atomic<std::uint64_t> received{0};

    RfbStreamGuard guard;  // the pump's alone

    mutable std::mutex latency_mutex;
    InputLatency latency;  // input from the worker, updates from the pump

    std::mutex transport_mutex;
    std::string transport_error;  // the pump's view of why the stream ended
    std::string refused;          // why the guard stopped the server's stream; outranks what libvncclient says next

    mutable std::mutex framebuffer_mutex;
    Framebuffer shadow;  // what framebuffer() copies; libvncclient's own buffer belongs to the worker alone
    // Which pixels the server has painted since the last resize: until all have been, part of the
    // picture is still the zeroes we started with.
    std::vector<std::uint8_t> painted;
    std::size_t unpainted = 0;
    std::atomic<bool> fully_painted{false};

    std::mutex callback_mutex;
    std::function<void(int, int, int, int)> on_update;
    std::function<void(int, int)> on_resize;
    std::function<void(std::string)> on_clipboard;
    std::function<void(std::string)> on_closed;
    bool closed_notified = false;

    std::mutex queue_mutex;
    std::deque<Command> queue;

    // Worker thread only.
    std::string last_line;         // libvncclient's last log line
    std::string callback_failure;  // our code inside a libvncclient callback failed: the session ends

    // Keyframes (request_state, resume). The pump's guard is copied by the worker, so the pump feeds it under
    // guard_mutex; `handed` counts the server bytes the pump has passed into libvncclient's socket.
    struct StateRequest {
        std::uint64_t server_byte = 0;
        StateCallback done;
    };
    static core::Result<std::unique_ptr<RfbClient>> launch(int fd, const RfbOptions& options,
                                                           const RfbDecoderState* resume_from);
    core::Result<void> restore(const RfbDecoderState& saved);  // before the threads start
    void try_state_request();                                  // worker, between messages
    void fail_state_requests(const std::string& why);          // worker, once it stops reading
    std::mutex guard_mutex;
    std::atomic<std::uint64_t> handed{0};
    std::atomic<bool> state_wanted{false};      // a request waits: the pump wakes the worker after each hand-over
    bool resumed = false;                       // restored from a state: no handshake on the stream
    bool taking_state_requests = true;          // under queue_mutex; false once the worker has stopped
    std::deque<StateRequest> state_requests;    // under queue_mutex: asked, not yet seen by the worker
    std::optional<StateRequest> pending_state;  // worker only: waiting for its byte
};

core::Result<void> RfbClient::Impl::init() {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return unavailable(errno_text("socketpair"));
    lib_end.reset(pair[0]);
    pump_end.reset(pair[1]);
    stop_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    wake_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (stop_fd.get() < 0 || wake_fd.get() < 0) return unavailable(errno_text("eventfd"));
    if (!set_nonblocking(tunnel.get()) || !set_nonblocking(pump_end.get())) return unavailable(errno_text("fcntl"));

    // The format RfbStreamGuard sizes raw and tight data with.
    client.reset(rfbGetClient(kBitsPerSample, kSamplesPerPixel, kBytesPerPixel));
    if (!client) return unavailable("libvncclient could not allocate a client");
    rfbClient* c = client.get();
    // A host-order uint32 reads 0x00RRGGBB, as Framebuffer promises, and libjpeg-turbo writes this layout directly.
    c->format.redShift = 16;
    c->format.greenShift = 8;
    c->format.blueShift = 0;
    c->sock = lib_end.get();
    c->canHandleNewFBSize = TRUE;
    c->appData.shareDesktop = TRUE;
    c->appData.viewOnly = options.view_only ? TRUE : FALSE;
    c->appData.useRemoteCursor = FALSE;  // the server draws the cursor into the picture
    encodings = offered_encodings(options.encoding);
    c->appData.encodingsString = encodings.c_str();
    c->appData.compressLevel = options.compress;
    apply_quality(c, options.quality);
    c->MallocFrameBuffer = &Impl::on_malloc_framebuffer;
    c->GotFrameBufferUpdate = &Impl::on_got_update;
    c->FinishedFrameBufferUpdate = &Impl::on_finished_update;
    c->GotXCutText = &Impl::on_cut_text;
    c->GetPassword = &Impl::on_password;  // the default would prompt on stdin
    c->GetCredential = nullptr;
    static const std::uint32_t kNoneOnly[] = {rfbNoAuth};
    SetClientAuthSchemes(c, kNoneOnly, 1);
    rfbClientSetClientData(c, client_data_tag(), this);
    return {};
}

void RfbClient::Impl::stop() {
    stopping = true;
    const std::uint64_t one = 1;
    if (stop_fd.get() >= 0) {
        [[maybe_unused]] const auto written = ::write(stop_fd.get(), &one, sizeof one);
    }
    // libvncclient may be blocked in read(2) or write(2) on its socket; shutting the socket down returns both.
    if (lib_end.get() >= 0) ::shutdown(lib_end.get(), SHUT_RDWR);
    if (worker_thread.joinable()) worker_thread.join();
    if (pump_thread.joinable()) pump_thread.join();
}

// ---- pump thread -------------------------------------------------------------------------------------------

void RfbClient::Impl::run_pump() {
    block_sigpipe_on_this_thread();
    auto set_error = [this](std::string message) {
        std::lock_guard lock(transport_mutex);
        if (transport_error.empty()) transport_error = std::move(message);
    };
    std::vector<char> down(kPumpBufferBytes);  // server -> libvncclient
    std::vector<char> up(kPumpBufferBytes);    // libvncclient -> server
    std::size_t down_offset = 0, down_length = 0, up_offset = 0, up_length = 0;
    bool tunnel_eof = false;
    std::uint64_t updates_begun = 0;
    for (;;) {
        short tunnel_events = 0, lib_events = 0;
        if (down_length == 0 && !tunnel_eof) tunnel_events |= POLLIN;
        if (up_length > 0) tunnel_events |= POLLOUT;
        if (up_length == 0) lib_events |= POLLIN;
        if (down_length > 0) lib_events |= POLLOUT;
        // A descriptor we want nothing from is left out, so its hang-up cannot keep waking us.
        pollfd fds[3] = {{stop_fd.get(), POLLIN, 0},
                         {tunnel_events != 0 ? tunnel.get() : -1, tunnel_events, 0},
                         {lib_events != 0 ? pump_end.get() : -1, lib_events, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            set_error(errno_text("poll"));
            break;
        }
        if (fds[0].revents != 0) break;

        if (down_length == 0 && !tunnel_eof && fds[1].revents != 0) {
            const ssize_t n = ::read(tunnel.get(), down.data(), down.size());
            const auto arrived = InputLatency::Clock::now();
            if (n > 0) {
                received += static_cast<std::uint64_t>(n);
                // Checked before libvncclient sees a byte of it; a refused chunk is never passed on.
                bool accepted = false;
                {
                    std::lock_guard lock(guard_mutex);
                    accepted =
                        guard.accept(reinterpret_cast<const std::uint8_t*>(down.data()), static_cast<std::size_t>(n));
                }
                if (!accepted) {
                    spdlog::warn("viewer.vnc: refusing the server's stream: {}", guard.refusal());
                    std::lock_guard lock(transport_mutex);
                    refused = guard.refusal();
                    break;
                }
                if (guard.updates_begun() != updates_begun) {
                    updates_begun = guard.updates_begun();
                    std::lock_guard lock(latency_mutex);
                    latency.update_began(arrived);
                }
                down_offset = 0;
                down_length = static_cast<std::size_t>(n);
            } else if (n == 0) {
                tunnel_eof = true;
                set_error("the server closed the connection");
                ::shutdown(pump_end.get(), SHUT_WR);  // libvncclient reads the end after the last byte
            } else if (!would_block(errno)) {
                set_error(peer_gone(errno) ? "the server closed the connection"
                                           : errno_text("reading from the server"));
                break;
            }
        }
        if (down_length > 0) {
            const ssize_t n = ::send(pump_end.get(), down.data() + down_offset, down_length, MSG_NOSIGNAL);
            if (n > 0) {
                handed += static_cast<std::uint64_t>(n);
                // The worker may have handled these bytes before the count said so; it looks again when woken.
                if (state_wanted) {
                    const std::uint64_t one = 1;
                    [[maybe_unused]] const auto written = ::write(wake_fd.get(), &one, sizeof one);
                }
                down_offset += static_cast<std::size_t>(n);
                down_length -= static_cast<std::size_t>(n);
            } else if (n < 0 && !would_block(errno)) {
                break;  // the worker has finished with its socket
            }
        }

        if (up_length == 0 && fds[2].revents != 0) {
            const ssize_t n = ::read(pump_end.get(), up.data(), up.size());
            if (n > 0) {
                up_offset = 0;
                up_length = static_cast<std::size_t>(n);
            } else if (n == 0 || !would_block(errno)) {
                break;  // the worker has finished with its socket
            }
        }
        if (up_length > 0) {
            const ssize_t n = write_stream(tunnel.get(), up.data() + up_offset, up_length);
            if (n > 0) {
                up_offset += static_cast<std::size_t>(n);
                up_length -= static_cast<std::size_t>(n);
            } else if (n < 0 && !would_block(errno)) {
                set_error(peer_gone(errno) ? "the server closed the connection" : errno_text("writing to the server"));
                break;
            }
        }
    }
    // However the pump ended, libvncclient must see the end, and so must the server.
    ::shutdown(pump_end.get(), SHUT_RDWR);
    ::shutdown(tunnel.get(), SHUT_RDWR);
}

// ---- worker thread -----------------------------------------------------------------------------------------

void RfbClient::Impl::run_worker() {
    block_sigpipe_on_this_thread();
    t_last_libvncclient_line = &last_line;
    std::string why;
    if (!resumed && !handshake(why)) {
        ::shutdown(lib_end.get(), SHUT_RDWR);
        {
            std::lock_guard lock(state_mutex);
            state = State::failed;
            reason = why;
        }
        state_changed.notify_all();
        t_last_libvncclient_line = nullptr;
        return;
    }
    spdlog::info("viewer.vnc: connected to \"{}\", {}x{}, offering {}", client->desktopName ? client->desktopName : "",
                 client->width, client->height, encodings);
    is_connected = true;
    {
        std::lock_guard lock(state_mutex);
        state = State::connected;
    }
    state_changed.notify_all();

    why = message_loop();
    is_connected = false;
    fail_state_requests(why);
    ::shutdown(lib_end.get(), SHUT_RDWR);  // the pump sees the end and closes the stream to the server
    {
        std::lock_guard lock(state_mutex);
        state = State::closed;
        reason = why;
    }
    is_closed = true;
    state_changed.notify_all();
    if (!stopping) {
        spdlog::info("viewer.vnc: session closed: {}", why);
        notify_closed(why);
    }
    t_last_libvncclient_line = nullptr;
}

bool RfbClient::Impl::handshake(std::string& why) {
    // No version check of our own: the pump's RfbStreamGuard refuses RFB before 3.7 (where the server would pick
    // the security type) and security lists without "None" before libvncclient reads them.
    rfbClient* c = client.get();
    last_line.clear();
    if (!InitialiseRFBConnection(c)) {
        if (std::string refusal_text = refusal(); !refusal_text.empty()) {
            why = std::move(refusal_text);
        } else if (stopping) {
            why = "stopped during the RFB handshake";
        } else {
            why = "RFB handshake failed: " + failure_reason("the server closed the connection");
        }
        return false;
    }
    if (c->authScheme != rfbNoAuth) {
        why = "the server chose security type " + std::to_string(c->authScheme) + "; only \"None\" is accepted";
        return false;
    }
    c->width = c->si.framebufferWidth;
    c->height = c->si.framebufferHeight;
    if (!c->MallocFrameBuffer(c)) {
        why = callback_failure.empty() ? "cannot allocate the framebuffer" : callback_failure;
        return false;
    }
    if (!SetFormatAndEncodings(c) || !SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE)) {
        why = "RFB handshake failed: " + failure_reason("the server stopped reading");
        return false;
    }
    return true;
}

std::string RfbClient::Impl::message_loop() {
    rfbClient* c = client.get();
    while (!stopping) {
        if (!flush_input()) return failure_reason("sending input to the server failed");
        // Bytes libvncclient already buffered are invisible to poll.
        if (c->buffered == 0) {
            pollfd fds[3] = {{lib_end.get(), POLLIN, 0}, {wake_fd.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
            if (::poll(fds, 3, -1) < 0) {
                if (errno == EINTR) continue;
                return errno_text("poll");
            }
            if (fds[2].revents != 0) break;
            if (fds[1].revents != 0) {
                std::uint64_t count = 0;
                [[maybe_unused]] const auto drained = ::read(wake_fd.get(), &count, sizeof count);
            }
            if (fds[0].revents == 0) continue;
        }
        last_line.clear();
        if (!HandleRFBServerMessage(c)) return failure_reason("the connection to the server was lost");
        if (!callback_failure.empty()) return callback_failure;
        try_state_request();
    }
    return "closed by the viewer";
}

std::string RfbClient::Impl::refusal() {
    std::lock_guard lock(transport_mutex);
    return refused;
}

std::string RfbClient::Impl::failure_reason(const std::string& fallback) {
    if (!callback_failure.empty()) return callback_failure;
    // libvncclient then only saw the stream end.
    if (std::string refused_now = refusal(); !refused_now.empty()) return refused_now;
    if (!is_generic_io_failure(last_line)) return last_line;
    std::lock_guard lock(transport_mutex);
    return transport_error.empty() ? fallback : transport_error;
}

bool RfbClient::Impl::flush_input() {
    std::deque<Command> batch;
    std::deque<StateRequest> asked;
    {
        std::lock_guard lock(queue_mutex);
        batch.swap(queue);
        asked.swap(state_requests);
    }
    for (StateRequest& request : asked) {
        // One at a time: a newer request supersedes one still waiting (the caller has moved on).
        if (pending_state) {
            guarded("the state callback", [&] { pending_state->done(unavailable("superseded by a later request")); });
        }
        pending_state = std::move(request);
        state_wanted = true;  // before try_state_request reads `handed`: see the pump
    }
    try_state_request();
    for (Command& command : batch) {
        if (!send(command)) return false;
    }
    return true;
}

bool RfbClient::Impl::send(Command& command) {
    rfbClient* c = client.get();
    // Noted before the write: the answer could otherwise arrive before the clock starts.
    auto note_input = [this](InputLatency::Clock::time_point made) {
        std::lock_guard lock(latency_mutex);
        latency.input_sent(made, InputLatency::Clock::now());
    };
    if (auto* pointer = std::get_if<PointerCommand>(&command)) {
        note_input(pointer->made);
        return SendPointerEvent(c, pointer->x, pointer->y, pointer->button_mask) != FALSE;
    }
    if (auto* key = std::get_if<KeyCommand>(&command)) {
        note_input(key->made);
        return SendKeyEvent(c, key->keysym, key->down ? TRUE : FALSE);
    }
    if (auto* clipboard = std::get_if<ClipboardCommand>(&command)) {
        return SendClientCutText(c, clipboard->text.data(), static_cast<int>(clipboard->text.size())) != FALSE;
    }
    auto& change = std::get<EncodingCommand>(command);
    encodings = offered_encodings(change.encoding);
    c->appData.encodingsString = encodings.c_str();
    apply_quality(c, change.quality);
    // A full refresh, so the whole picture shows the new quality rather than only what changes next.
    return SetFormatAndEncodings(c) != FALSE &&
           SendFramebufferUpdateRequest(c, 0, 0, c->width, c->height, FALSE) != FALSE;
}

template <class Body>
void RfbClient::Impl::guarded(const char* what, Body&& body) {
    try {
        body();
    } catch (const std::exception& error) {
        if (callback_failure.empty()) callback_failure = std::string(what) + " failed: " + error.what();
    } catch (...) {
        if (callback_failure.empty()) callback_failure = std::string(what) + " failed";
    }
}

bool RfbClient::Impl::resize(int width, int height) {
    rfbClient* c = client.get();
    if (width <= 0 || height <= 0 || static_cast<std::int64_t>(width) * height > kMaxPixels) {
        callback_failure = "the server announced a " + std::to_string(width) + "x" + std::to_string(height) +
                           " framebuffer, which we refuse";
        return false;
    }
    const std::size_t count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    std::free(c->frameBuffer);
    c->frameBuffer = static_cast<std::uint8_t*>(std::calloc(count, sizeof(std::uint32_t)));
    if (c->frameBuffer == nullptr) {
        callback_failure = "cannot allocate a " + std::to_string(width) + "x" + std::to_string(height) + " framebuffer";
        return false;
    }
    {
        std::lock_guard lock(framebuffer_mutex);
        shadow.width = width;
        shadow.height = height;
        shadow.pixels.assign(count, 0);
        painted.assign(count, 0);
        unpainted = count;
        fully_painted = false;
    }
    // Incremental update requests cover updateRect: keep it the whole, new, screen.
    c->updateRect.x = 0;
    c->updateRect.y = 0;
    c->updateRect.w = width;
    c->updateRect.h = height;
    std::function<void(int, int)> callback;
    {
        std::lock_guard lock(callback_mutex);
        callback = on_resize;
    }
    if (callback) guarded("the resize handler", [&] { callback(width, height); });
    return true;
}

void RfbClient::Impl::copy_rect(int x, int y, int w, int h) {
    const rfbClient* c = client.get();
    // libvncclient has checked the rectangle against its size; clamp anyway, the copy must stay inside both buffers.
    const int x0 = std::clamp(x, 0, c->width), y0 = std::clamp(y, 0, c->height);
    const int x1 = std::clamp(x + w, x0, c->width), y1 = std::clamp(y + h, y0, c->height);
    if (x1 <= x0 || y1 <= y0 || c->frameBuffer == nullptr) return;
    const auto stride = static_cast<std::size_t>(c->width);
    const auto columns = static_cast<std::size_t>(x1 - x0);
    std::lock_guard lock(framebuffer_mutex);
    if (shadow.width != c->width || shadow.height != c->height) return;
    for (int row = y0; row < y1; ++row) {
        const std::size_t offset = static_cast<std::size_t>(row) * stride + static_cast<std::size_t>(x0);
        std::uint32_t* target = shadow.pixels.data() + offset;
        std::memcpy(target, c->frameBuffer + offset * sizeof(std::uint32_t), columns * sizeof(std::uint32_t));
        for (std::size_t i = 0; i < columns; ++i)
            target[i] &= 0x00FFFFFFu;
        if (unpainted == 0) continue;
        for (std::size_t i = 0; i < columns; ++i) {
            if (painted[offset + i] == 0) {
                painted[offset + i] = 1;
                --unpainted;
            }
        }
    }
    if (unpainted == 0 && !fully_painted) fully_painted = true;
}

void RfbClient::Impl::notify_closed(const std::string& why) {
    std::function<void(std::string)> callback;
    {
        std::lock_guard lock(callback_mutex);
        if (closed_notified || !on_closed) {
            return;
        }
        closed_notified = true;
        callback = on_closed;
    }
    try {
        callback(why);
    } catch (const std::exception& error) {
        spdlog::warn("viewer.vnc: the closed handler threw: {}", error.what());
    } catch (...) {
        spdlog::warn("viewer.vnc: the closed handler threw");
    }
}

rfbBool RfbClient::Impl::on_malloc_framebuffer(rfbClient* client) {
    Impl* self = of(client);
    bool ok = false;
    self->guarded("allocating the framebuffer", [&] { ok = self->resize(client->width, client->height); });
    return ok ? TRUE : FALSE;
}

void RfbClient::Impl::on_got_update(rfbClient* client, int x, int y, int w, int h) {
    Impl* self = of(client);
    self->guarded("the update handler", [&] {
        self->copy_rect(x, y, w, h);
        std::function<void(int, int, int, int)> callback;
        {
            std::lock_guard lock(self->callback_mutex);
            callback = self->on_update;
        }
        if (callback) callback(x, y, w, h);
    });
}

void RfbClient::Impl::on_finished_update(rfbClient* client) {
    Impl* self = of(client);
    self->guarded("counting updates", [&] {
        {
            std::lock_guard lock(self->state_mutex);
            ++self->update_count;
        }
        self->state_changed.notify_all();
    });
}

void RfbClient::Impl::on_cut_text(rfbClient* client, const char* text, int length) {
    Impl* self = of(client);
    self->guarded("the clipboard handler", [&] {
        std::function<void(std::string)> callback;
        {
            std::lock_guard lock(self->callback_mutex);
            callback = self->on_clipboard;
        }
        if (callback && text != nullptr) callback(std::string(text, static_cast<std::size_t>(std::max(length, 0))));
    });
}

char* RfbClient::Impl::on_password(rfbClient* client) {
    // Unreachable with "None" as the only scheme we accept; here so libvncclient can never prompt on stdin.
    of(client)->callback_failure = "the server asked for a VNC password; only \"None\" security is accepted";
    return nullptr;
}

// ---- keyframes ----------------------------------------------------------------------------------------------

core::Result<void> RfbClient::Impl::restore(const RfbDecoderState& saved) {
    rfbClient* c = client.get();
    const Framebuffer& picture = saved.picture();
    const std::size_t count =
        static_cast<std::size_t>(std::max(picture.width, 0)) * static_cast<std::size_t>(std::max(picture.height, 0));
    if (count == 0 || picture.pixels.size() != count) return invalid("the decoder state holds no picture");
    c->width = picture.width;
    c->height = picture.height;
    if (!resize(c->width, c->height)) return unavailable(callback_failure);
    std::memcpy(c->frameBuffer, picture.pixels.data(), count * sizeof(std::uint32_t));
    {
        std::lock_guard lock(framebuffer_mutex);
        shadow.pixels = picture.pixels;
        if (saved.unpainted() > 0) {
            painted = saved.painted();
        } else {
            std::fill(painted.begin(), painted.end(), 1);
        }
        unpainted = saved.unpainted();
        fully_painted = unpainted == 0;
    }
    if (!saved.restore_into(*c)) return unavailable("cannot copy the decoder's zlib streams (out of memory)");
    guard = saved.guard();
    resumed = true;
    return {};
}

void RfbClient::Impl::try_state_request() {
    if (!pending_state) return;
    rfbClient* c = client.get();
    // Bytes libvncclient has read and used: handed to it, less those still in its socket or its buffer. Read in
    // this order the figure can only come out low, while the pump is still handing bytes on (the caller sends
    // nothing past the byte); the pump wakes us after each hand-over while state_wanted, and we look again.
    const auto handed_now = static_cast<std::int64_t>(handed.load());
    int queued = 0;
    if (::ioctl(lib_end.get(), FIONREAD, &queued) != 0) queued = 0;
    const std::int64_t consumed = handed_now - queued - static_cast<std::int64_t>(c->buffered);
    const auto wanted = static_cast<std::int64_t>(pending_state->server_byte);
    if (consumed < wanted) return;
    state_wanted = false;
    StateRequest request = std::move(*pending_state);
    pending_state.reset();
    core::Result<std::shared_ptr<const RfbDecoderState>> answer =
        unavailable("the decoder is past server byte " + std::to_string(wanted));
    if (consumed == wanted) {
        RfbStreamGuard at;
        {
            std::lock_guard lock(guard_mutex);
            at = guard;
        }
        if (!at.at_message_boundary() || received.load() != request.server_byte) {
            answer = unavailable("server byte " + std::to_string(wanted) + " is not where a message ends");
        } else {
            Framebuffer picture;
            std::vector<std::uint8_t> painted_now;
            std::size_t unpainted_now = 0;
            {
                std::lock_guard lock(framebuffer_mutex);
                picture = shadow;
                if (unpainted > 0) painted_now = painted;
                unpainted_now = unpainted;
            }
            std::uint64_t updates_now = 0;
            {
                std::lock_guard lock(state_mutex);
                updates_now = update_count;
            }
            auto captured = RfbDecoderState::capture(*c, std::move(picture), std::move(painted_now), unpainted_now, at,
                                                     updates_now, request.server_byte);
            if (captured) {
                answer = std::move(captured);
            } else {
                answer = unavailable("cannot copy the decoder's zlib streams (out of memory)");
            }
        }
    }
    guarded("the state callback", [&] { request.done(std::move(answer)); });
}

void RfbClient::Impl::fail_state_requests(const std::string& why) {
    std::deque<StateRequest> asked;
    {
        std::lock_guard lock(queue_mutex);
        taking_state_requests = false;
        asked.swap(state_requests);
    }
    if (pending_state) asked.push_front(std::move(*pending_state));
    pending_state.reset();
    state_wanted = false;
    for (StateRequest& request : asked) {
        guarded("the state callback", [&] { request.done(unavailable("the decoder stopped: " + why)); });
    }
}

void RfbClient::request_state(std::uint64_t server_byte, StateCallback done) {
    {
        std::lock_guard lock(impl_->queue_mutex);
        if (impl_->taking_state_requests && impl_->is_connected) {
            impl_->state_requests.push_back({server_byte, std::move(done)});
            done = nullptr;
        }
    }
    if (done) {
        done(unavailable("the RFB connection is closed"));
        return;
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(impl_->wake_fd.get(), &one, sizeof one);
}

// ---- any thread --------------------------------------------------------------------------------------------

core::Result<void> RfbClient::Impl::enqueue(Command command, bool is_input) {
    if (is_input && options.view_only) {
        return core::make_error(core::Errc::permission_denied, "the session is view-only");
    }
    if (!is_connected) return unavailable("the RFB connection is closed");
    {
        std::lock_guard lock(queue_mutex);
        // Motion queued behind a slow server collapses into its latest position; a button change never does.
        if (const auto* pointer = std::get_if<PointerCommand>(&command); pointer != nullptr && !queue.empty()) {
            if (auto* last = std::get_if<PointerCommand>(&queue.back());
                last != nullptr && last->button_mask == pointer->button_mask) {
                const auto first_made = last->made;  // the wait the technician feels began with the first
                *last = *pointer;
                last->made = first_made;
                return {};
            }
        }
        if (queue.size() >= kMaxQueuedInput) {
            return core::make_error(core::Errc::too_many_requests, "the server is not taking input fast enough");
        }
        queue.push_back(std::move(command));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd.get(), &one, sizeof one);
    return {};
}

RfbClient::RfbClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RfbClient::~RfbClient() { impl_->stop(); }

core::Result<std::unique_ptr<RfbClient>> RfbClient::start(int fd, const RfbOptions& options) {
    return Impl::launch(fd, options, nullptr);
}

core::Result<std::unique_ptr<RfbClient>> RfbClient::resume(int fd, const RfbOptions& options,
                                                           const RfbDecoderState& state) {
    return Impl::launch(fd, options, &state);
}

core::Result<std::unique_ptr<RfbClient>> RfbClient::Impl::launch(int fd, const RfbOptions& options,
                                                                 const RfbDecoderState* resume_from) {
    if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) return invalid("RfbClient::start needs an open file descriptor");
    UniqueFd tunnel(fd);  // ours from here on, whatever happens
    if (options.quality < -1 || options.quality > 9) return invalid("quality must be -1 (lossless) or 0-9");
    if (options.compress < 0 || options.compress > 9) return invalid("compress must be 0-9");
    if (options.handshake_timeout.count() <= 0) return invalid("handshake_timeout must be positive");
    install_libvncclient_logging();

    auto impl = std::make_unique<Impl>(options);
    impl->tunnel = std::move(tunnel);
    if (auto ok = impl->init(); !ok) return ok.error();
    if (resume_from != nullptr) {
        if (auto ok = impl->restore(*resume_from); !ok) return ok.error();
    }
    // Owned by the RfbClient before any thread starts, so every path out of here stops and joins them.
    std::unique_ptr<RfbClient> client(new RfbClient(std::move(impl)));
    Impl& self = *client->impl_;
    self.pump_thread = std::thread(&Impl::run_pump, &self);
    self.worker_thread = std::thread(&Impl::run_worker, &self);

    std::unique_lock lock(self.state_mutex);
    if (!self.state_changed.wait_for(lock, options.handshake_timeout,
                                     [&] { return self.state != Impl::State::handshaking; })) {
        return unavailable("the RFB handshake timed out after " + std::to_string(options.handshake_timeout.count()) +
                           " ms");
    }
    if (self.state == Impl::State::failed) return unavailable(self.reason);
    lock.unlock();
    return client;
}

Framebuffer RfbClient::framebuffer() const {
    std::lock_guard lock(impl_->framebuffer_mutex);
    return impl_->shadow;
}

std::uint64_t RfbClient::updates() const {
    std::lock_guard lock(impl_->state_mutex);
    return impl_->update_count;
}

std::uint64_t RfbClient::bytes_received() const { return impl_->received.load(); }

std::optional<std::chrono::microseconds> RfbClient::input_latency() const {
    std::lock_guard lock(impl_->latency_mutex);
    return impl_->latency.figure(InputLatency::Clock::now());
}

bool RfbClient::wait_for_updates(std::uint64_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->state_mutex);
    impl_->state_changed.wait_for(lock, timeout, [&] {
        return impl_->update_count >= count || impl_->state == Impl::State::closed ||
               impl_->state == Impl::State::failed;
    });
    return impl_->update_count >= count;
}

bool RfbClient::wait_for_full_frame(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->state_mutex);
    impl_->state_changed.wait_for(lock, timeout, [&] {
        return impl_->fully_painted.load() || impl_->state == Impl::State::closed ||
               impl_->state == Impl::State::failed;
    });
    return impl_->fully_painted.load();
}

bool RfbClient::wait_closed(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->state_mutex);
    return impl_->state_changed.wait_for(
        lock, timeout, [&] { return impl_->state == Impl::State::closed || impl_->state == Impl::State::failed; });
}

void RfbClient::set_on_update(std::function<void(int x, int y, int w, int h)> callback) {
    std::lock_guard lock(impl_->callback_mutex);
    impl_->on_update = std::move(callback);
}

void RfbClient::set_on_resize(std::function<void(int width, int height)> callback) {
    std::lock_guard lock(impl_->callback_mutex);
    impl_->on_resize = std::move(callback);
}

void RfbClient::set_on_clipboard(std::function<void(std::string text)> callback) {
    std::lock_guard lock(impl_->callback_mutex);
    impl_->on_clipboard = std::move(callback);
}

void RfbClient::set_on_closed(std::function<void(std::string reason)> callback) {
    std::function<void(std::string)> call_now;
    {
        std::lock_guard lock(impl_->callback_mutex);
        impl_->on_closed = std::move(callback);
        // The session may have ended before anyone could listen: tell the late listener at once, on this thread.
        if (impl_->is_closed && !impl_->closed_notified && impl_->on_closed && !impl_->stopping) {
            impl_->closed_notified = true;
            call_now = impl_->on_closed;
        }
    }
    if (call_now) call_now(close_reason());
}

core::Result<void> RfbClient::send_pointer(int x, int y, int button_mask) {
    if (button_mask < 0 || button_mask > 0xFF) return invalid("button_mask must fit in 8 bits");
    // RFB positions are unsigned 16-bit; a drag outside the picture pins to its edge.
    return impl_->enqueue(
        PointerCommand{std::clamp(x, 0, 0xFFFF), std::clamp(y, 0, 0xFFFF), button_mask, InputLatency::Clock::now()},
        true);
}

core::Result<void> RfbClient::send_key(std::uint32_t keysym, bool down) {
    return impl_->enqueue(KeyCommand{keysym, down, InputLatency::Clock::now()}, true);
}

core::Result<void> RfbClient::send_clipboard(const std::string& latin1_text) {
    if (latin1_text.size() > kMaxClipboardBytes) {
        return core::make_error(core::Errc::payload_too_large, "clipboard text over 1 MiB is not sent");
    }
    return impl_->enqueue(ClipboardCommand{latin1_text}, true);
}

void RfbClient::set_encoding(Encoding encoding, int quality) {
    // Only fails once the connection is closed, when there is nothing left to change.
    (void)impl_->enqueue(EncodingCommand{encoding, std::clamp(quality, -1, 9)}, false);
}

bool RfbClient::connected() const { return impl_->is_connected.load(); }

std::string RfbClient::close_reason() const {
    std::lock_guard lock(impl_->state_mutex);
    return impl_->state == Impl::State::closed || impl_->state == Impl::State::failed ? impl_->reason : std::string();
}

}  // namespace lifeline::viewer
