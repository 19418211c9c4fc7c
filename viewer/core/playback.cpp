// Recording playback: a feeder thread writes the recorded server stream into a socketpair, paced by the chunks'
// offsets, while RfbClient decodes the other end exactly as it would a live session's tunnel.
#include "viewer/core/playback.hpp"

#include "shared/recording/reader.hpp"
#include "viewer/core/rfb_stream_guard.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <thread>
#include <utility>

namespace lifeline::viewer {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lifeline::recording::ChunkKind;
using lifeline::recording::RecordingReader;

constexpr auto kPollSlice = 100ms;  // how often a wait looks at `stop`
constexpr auto kCloseGrace = 5s;    // after the feeder saw the decoder's end, for its state to say so
constexpr std::size_t kDrainBytes = 16 * 1024;

core::Error invalid(std::string message) { return core::make_error(core::Errc::invalid_argument, std::move(message)); }
core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

std::string seconds_text(std::uint32_t ms) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f s", ms / 1000.0);
    return text;
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// The feeder's side of the socketpair: the recorded server bytes in, whatever libvncclient writes (its
// handshake answers, SetPixelFormat, SetEncodings, update requests) read and dropped.
class Feeder {
public:
    Feeder(RecordingReader& reader, const PlaybackOptions& options, std::stop_token stop, int fd)
        : reader_(reader), options_(options), stop_(std::move(stop)), fd_(fd) {}

    void run() {
        feed();
        // The end of the stream is how the decoder learns there is nothing more: it handles every byte before it.
        ::shutdown(fd_, SHUT_WR);
        const auto deadline = Clock::now() + options_.drain_timeout;
        while (!decoder_gone && !stop_.stop_requested() && Clock::now() < deadline) {
            (void)wait_and_drain(std::min(deadline, Clock::now() + kPollSlice));
        }
    }

    std::optional<core::Error> error;
    bool decoder_gone = false;  // the decoder closed its end (after the stream ended, or because it failed)
    bool everything_written = false;
    bool reached_end = false;  // the reader reached the recording's end
    bool stopped_at = false;   // stopped at options.stop_at_ms
    std::uint64_t chunks = 0;
    std::uint64_t server_bytes = 0;
    std::uint32_t played_ms = 0;
    std::atomic<std::uint32_t> position_ms{0};  // played_ms, for the decoder's thread

private:
    void feed() {
        std::optional<Clock::time_point> start;  // when playing reached start_at_ms: pacing counts from here
        bool completing = false;                 // past stop_at_ms, finishing the server message in progress
        for (;;) {
            if (stop_.stop_requested()) {
                error = unavailable("playback interrupted");
                return;
            }
            auto next = reader_.next();
            if (!next) {
                error = next.error();
                return;
            }
            if (!*next) {
                reached_end = true;
                everything_written = true;
                return;
            }
            const lifeline::recording::Chunk& chunk = **next;
            if (options_.stop_at_ms && chunk.offset_ms > *options_.stop_at_ms && !completing) {
                stopped_at = true;
                if (guard_.at_message_boundary()) {
                    everything_written = true;
                    return;
                }
                completing = true;
            }
            if (chunk.chunk_kind() != ChunkKind::server) {
                if (!completing) ++chunks;
                continue;
            }
            std::string_view bytes = chunk.payload;
            if (completing) {
                // Byte by byte, to stop exactly where the message ends.
                std::size_t n = 0;
                const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
                while (n < bytes.size() && !guard_.at_message_boundary()) {
                    if (!guard_.accept(data + n, 1)) return refused();
                    ++n;
                }
                if (!write_all(bytes.substr(0, n))) return;
                played(chunk, n);
                if (guard_.at_message_boundary()) {
                    everything_written = true;
                    return;
                }
                continue;
            }
            if (options_.speed > 0 && chunk.offset_ms >= options_.start_at_ms) {
                if (!start) start = Clock::now();
                const auto due =
                    *start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(
                                 (chunk.offset_ms - options_.start_at_ms) / options_.speed));
                while (Clock::now() < due) {
                    if (stop_.stop_requested() || !wait_and_drain(std::min(due, Clock::now() + kPollSlice))) break;
                }
                if (decoder_gone) return;
            }
            if (!guard_.accept(bytes)) return refused();
            if (!write_all(bytes)) return;
            played(chunk, bytes.size());
        }
    }

    void played(const lifeline::recording::Chunk& chunk, std::size_t bytes) {
        ++chunks;
        server_bytes += bytes;
        played_ms = chunk.offset_ms;
        position_ms.store(played_ms, std::memory_order_relaxed);
    }

    void refused() {
        error = invalid("the recorded screen stream is not one the viewer accepts (chunk " +
                        std::to_string(reader_.chunks()) + "): " + guard_.refusal());
    }

    // Reads and drops what the decoder wrote. False once it closed its end.
    bool drain() {
        char sink[kDrainBytes];
        for (;;) {
            const ssize_t n = ::read(fd_, sink, sizeof sink);
            if (n > 0) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
            if (n < 0 && errno == EINTR) continue;
            decoder_gone = true;
            return false;
        }
    }

    // Waits for input from the decoder until `until`, draining it. False once the decoder closed its end.
    bool wait_and_drain(Clock::time_point until) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        pollfd fds{fd_, POLLIN, 0};
        const int ready = ::poll(&fds, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        if (ready > 0) return drain();
        return !decoder_gone;
    }

    bool write_all(std::string_view bytes) {
        while (!bytes.empty()) {
            if (stop_.stop_requested()) {
                error = unavailable("playback interrupted");
                return false;
            }
            pollfd fds{fd_, POLLIN | POLLOUT, 0};
            if (::poll(&fds, 1, static_cast<int>(kPollSlice.count())) < 0 && errno != EINTR) {
                error = unavailable("poll: " + std::system_category().message(errno));
                return false;
            }
            if ((fds.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !drain()) return false;
            if ((fds.revents & POLLOUT) == 0) continue;
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                decoder_gone = true;
                return false;
            }
        }
        return true;
    }

    RecordingReader& reader_;
    const PlaybackOptions& options_;
    std::stop_token stop_;
    int fd_;
    RfbStreamGuard guard_;  // the same checks RfbClient's own guard makes, to know where messages end
};

}  // namespace

core::Result<PlaybackResult> play_recording(const std::string& path, const PlaybackOptions& options,
                                            std::stop_token stop) {
    if (!(options.speed >= 0)) return invalid("the playback speed must be 0 (as fast as possible) or positive");
    auto reader = RecordingReader::open(path);
    if (!reader) return reader.error();
    PlaybackResult result;
    result.header = reader->header();

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        return unavailable("socketpair: " + std::system_category().message(errno));
    }
    const Fd ours(pair[1]);
    const int flags = ::fcntl(ours.get(), F_GETFL);
    if (flags < 0 || ::fcntl(ours.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
        ::close(pair[0]);
        return unavailable("fcntl: " + std::system_category().message(errno));
    }

    Feeder feeder(*reader, options, stop, ours.get());
    std::thread feeding([&feeder] { feeder.run(); });
    RfbOptions rfb = options.rfb;
    rfb.view_only = true;
    auto client = RfbClient::start(pair[0], rfb);  // the handshake is the recording's first chunks
    if (client && options.on_picture) {
        RfbClient* decoder = client->get();
        decoder->set_on_update([&options, &feeder, decoder, last = Clock::time_point()](int, int, int, int) mutable {
            const std::uint32_t at = feeder.position_ms.load(std::memory_order_relaxed);
            const auto now = Clock::now();
            if (at < options.start_at_ms || now - last < options.picture_interval) return;
            last = now;
            options.on_picture(decoder->framebuffer(), at);
        });
    }
    // Without a client the feeder sees its end closed and stops; with one it stops once the decoder has everything.
    feeding.join();
    if (feeder.error) return *feeder.error;
    if (!client) {
        if (feeder.reached_end) {
            return invalid("the recording ends before the RFB handshake completed (" + reader->describe_end() +
                           "): " + client.error().message);
        }
        return invalid("the recorded RFB handshake failed: " + client.error().message);
    }
    RfbClient& rfb_client = **client;
    const bool closed = rfb_client.wait_closed(kCloseGrace);
    rfb_client.set_on_update({});
    if (!feeder.everything_written) {
        return unavailable("the decoder stopped before the end of the recording: " + rfb_client.close_reason());
    }
    if (!closed) {
        return unavailable("the decoder did not finish within " + std::to_string(options.drain_timeout.count()) +
                           " ms of the last byte");
    }
    result.framebuffer = rfb_client.framebuffer();
    result.updates = rfb_client.updates();
    result.chunks = feeder.chunks;
    result.server_bytes = feeder.server_bytes;
    result.played_ms = feeder.played_ms;
    result.complete = feeder.reached_end && reader->complete();
    result.truncated = feeder.reached_end && reader->truncated();
    result.end = feeder.stopped_at ? "stopped at " + seconds_text(*options.stop_at_ms) + " after " +
                                         std::to_string(feeder.chunks) + " chunks"
                                   : reader->describe_end();
    return result;
}

}  // namespace lifeline::viewer
