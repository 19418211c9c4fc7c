// Recording playback: a feeder thread writes the recorded server stream into a socketpair, paced by the chunks'
// offsets, while RfbClient decodes the other end exactly as it would a live session's tunnel. With keyframes, a
// play starts from the latest decoder state before its target (RfbClient::resume, the reader repositioned to the
// chunk it was taken in) and the feeder takes new ones at message boundaries as they fall due.
#include "viewer/core/playback.hpp"

#include "shared/recording/reader.hpp"
#include "viewer/core/playback_snapshots.hpp"
#include "viewer/core/rfb_decoder_state.hpp"
#include "viewer/core/rfb_stream_guard.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace lifeline::viewer {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using lifeline::recording::ChunkKind;
using lifeline::recording::ReaderPosition;
using lifeline::recording::RecordingReader;

constexpr auto kPollSlice = 100ms;      // how often a wait looks at `stop`
constexpr auto kCloseGrace = 5s;        // after the feeder saw the decoder's end, for its state to say so
constexpr auto kKeyframeTimeout = 10s;  // for the decoder to reach a keyframe's byte and copy its state
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

// The latest offset a play may resume at: start_at_ms matters only to pacing and pictures (nothing before it is
// waited for or shown), stop_at_ms always.
std::uint32_t resume_limit(const PlaybackOptions& options) {
    std::uint32_t limit =
        options.speed > 0 || options.on_picture ? options.start_at_ms : std::numeric_limits<std::uint32_t>::max();
    if (options.stop_at_ms) limit = std::min(limit, *options.stop_at_ms);
    return limit;
}

// One keyframe's state on its way from the decoder's thread to the feeder's: the eventfd wakes the feeder's poll.
// Shared, since the decoder may answer after the feeder stopped waiting.
struct StateHandover {
    StateHandover() : wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    void deliver(core::Result<std::shared_ptr<const RfbDecoderState>> answer) {
        {
            std::lock_guard lock(mutex);
            result = std::move(answer);
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wake.get(), &one, sizeof one);
    }
    std::optional<core::Result<std::shared_ptr<const RfbDecoderState>>> take() {
        std::lock_guard lock(mutex);
        return std::exchange(result, std::nullopt);
    }
    Fd wake;
    std::mutex mutex;
    std::optional<core::Result<std::shared_ptr<const RfbDecoderState>>> result;
};

// The feeder's side of the socketpair: the recorded server bytes in, whatever libvncclient writes (its
// handshake answers, SetPixelFormat, SetEncodings, update requests) read and dropped.
class Feeder {
public:
    Feeder(RecordingReader& reader, const PlaybackOptions& options, std::stop_token stop, int fd,
           const PlaybackSnapshot* from)
        : reader_(reader), options_(options), stop_(std::move(stop)), fd_(fd) {
        if (from == nullptr) return;
        guard_ = from->decoder->guard();
        skip_ = from->skip;
        chunks = from->chunks;
        server_bytes = from->server_bytes;
        base_bytes_ = from->server_bytes;
        base_updates_ = from->updates;
        played_ms = from->at_ms;
        position_ms.store(from->at_ms, std::memory_order_relaxed);
    }

    void run() {
        feed();
        // The end of the stream is how the decoder learns there is nothing more: it handles every byte before it.
        ::shutdown(fd_, SHUT_WR);
        const auto deadline = Clock::now() + options_.drain_timeout;
        while (!decoder_gone && !stop_.stop_requested() && Clock::now() < deadline) {
            (void)wait_and_drain(std::min(deadline, Clock::now() + kPollSlice));
        }
    }

    // From the thread that starts the decoder, once start() or resume() has answered (null if it failed).
    void publish(RfbClient* client) {
        {
            std::lock_guard lock(decoder_mutex_);
            decoder_ = client;
            published_ = true;
        }
        decoder_published_.notify_all();
    }
    std::optional<core::Error> error;
    bool decoder_gone = false;  // the decoder closed its end (after the stream ended, or because it failed)
    bool everything_written = false;
    bool reached_end = false;  // the reader reached the recording's end
    bool stopped_at = false;   // stopped at options.stop_at_ms
    std::uint64_t chunks = 0;
    std::uint64_t server_bytes = 0;  // from the recording's start, a resumed play's included
    std::uint32_t played_ms = 0;
    std::uint64_t keyframes_taken = 0;
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
            const ReaderPosition where = reader_.position();
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
            // A resumed play's first chunk is the keyframe's: the part before the keyframe was played already.
            const std::size_t from = std::min<std::size_t>(std::exchange(skip_, 0), chunk.payload.size());
            std::string_view bytes = std::string_view(chunk.payload).substr(from);
            if (completing) {
                // Only up to where the message ends.
                const std::size_t n =
                    guard_.accept_message(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
                if (!guard_.refusal().empty()) return refused();
                if (!write_all(bytes.substr(0, n))) return;
                played(chunk);
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
            if (!feed_chunk(chunk, where, from, bytes)) return;
            played(chunk);
        }
    }

    // Writes one server chunk's bytes, stopping at message boundaries for keyframes that fall due. False: stop.
    bool feed_chunk(const lifeline::recording::Chunk& chunk, const ReaderPosition& where, std::size_t in_chunk,
                    std::string_view bytes) {
        bool keyframe_failed = false;  // at most one try per chunk
        while (!bytes.empty()) {
            if (!keyframe_failed && keyframe_due(chunk)) {
                if (guard_.at_message_boundary()) {
                    keyframe_failed = !take_keyframe(chunk, where, in_chunk);
                    if (decoder_gone || error) return false;
                    continue;
                }
                const std::size_t n =
                    guard_.accept_message(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
                if (!guard_.refusal().empty()) {
                    refused();
                    return false;
                }
                if (!write_all(bytes.substr(0, n))) return false;
                bytes.remove_prefix(n);
                in_chunk += n;
                continue;
            }
            if (!guard_.accept(bytes)) {
                refused();
                return false;
            }
            return write_all(bytes);
        }
        return true;
    }

    bool keyframe_due(const lifeline::recording::Chunk& chunk) {
        if (!options_.snapshots || !guard_.handshake_done() || wait_for_decoder() == nullptr) return false;
        return options_.snapshots->due(chunk.offset_ms, server_bytes, picture_bytes_);
    }

    // Keyframes are asked of the decoder, so the stream waits after the handshake until it runs; otherwise a short
    // recording would be written whole into the socket before there was anyone to ask.
    RfbClient* wait_for_decoder() {
        std::unique_lock lock(decoder_mutex_);
        while (!published_ && !stop_.stop_requested()) {
            decoder_published_.wait_for(lock, kPollSlice);
        }
        return decoder_;
    }

    // Asks the decoder for its state at the bytes written so far (a message boundary: nothing more is written
    // until it answers), and keeps it. False when there is none to keep.
    bool take_keyframe(const lifeline::recording::Chunk& chunk, const ReaderPosition& where, std::size_t in_chunk) {
        auto handover = std::make_shared<StateHandover>();
        if (handover->wake.get() < 0) return false;
        wait_for_decoder()->request_state(server_bytes - base_bytes_,
                                          [handover](auto answer) { handover->deliver(std::move(answer)); });
        const auto deadline = Clock::now() + kKeyframeTimeout;
        std::optional<core::Result<std::shared_ptr<const RfbDecoderState>>> answer;
        while (!(answer = handover->take())) {
            if (stop_.stop_requested()) {
                error = unavailable("playback interrupted");
                return false;
            }
            if (Clock::now() >= deadline) return false;
            // What the decoder writes meanwhile (update requests) is drained, so it never blocks on us.
            pollfd fds[2] = {{fd_, POLLIN, 0}, {handover->wake.get(), POLLIN, 0}};
            if (::poll(fds, 2, static_cast<int>(kPollSlice.count())) < 0 && errno != EINTR) return false;
            if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !drain()) return false;
        }
        if (!*answer) {
            spdlog::debug("viewer.playback: no keyframe at {} ms: {}", chunk.offset_ms, answer->error().message);
            return false;
        }
        const auto& state = **answer;
        picture_bytes_ = state->picture().pixels.size() * sizeof(std::uint32_t);
        PlaybackSnapshot snapshot;
        snapshot.at_ms = chunk.offset_ms;
        snapshot.chunk = where;
        snapshot.skip = static_cast<std::uint32_t>(in_chunk);
        snapshot.server_bytes = server_bytes;
        snapshot.chunks = chunks;
        snapshot.updates = base_updates_ + state->updates();
        snapshot.decoder = state;
        options_.snapshots->add(std::move(snapshot));
        ++keyframes_taken;
        return true;
    }

    void played(const lifeline::recording::Chunk& chunk) {
        ++chunks;
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
                server_bytes += static_cast<std::uint64_t>(n);
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
    RfbStreamGuard guard_;            // the same checks RfbClient's own guard makes, to know where messages end
    std::size_t skip_ = 0;            // of the first server chunk, when resuming
    std::uint64_t base_bytes_ = 0;    // server bytes before this play's decoder started
    std::uint64_t base_updates_ = 0;  // updates before it
    std::size_t picture_bytes_ = 0;   // of the last keyframe: whether another fits the budget
    std::mutex decoder_mutex_;
    std::condition_variable decoder_published_;
    bool published_ = false;
    RfbClient* decoder_ = nullptr;
};

}  // namespace

core::Result<PlaybackResult> play_recording(const std::string& path, const PlaybackOptions& options,
                                            std::stop_token stop) {
    if (!(options.speed >= 0)) return invalid("the playback speed must be 0 (as fast as possible) or positive");
    auto reader = RecordingReader::open(path);
    if (!reader) return reader.error();
    PlaybackResult result;
    result.header = reader->header();

    std::shared_ptr<const PlaybackSnapshot> keyframe;
    if (options.snapshots) keyframe = options.snapshots->at_or_before(resume_limit(options));
    if (keyframe) {
        if (auto moved = reader->seek(keyframe->chunk); !moved) return moved.error();
        result.resumed_at_ms = keyframe->at_ms;
    }

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

    Feeder feeder(*reader, options, stop, ours.get(), keyframe.get());
    std::thread feeding([&feeder] { feeder.run(); });
    RfbOptions rfb = options.rfb;
    rfb.view_only = true;
    // The handshake is the recording's first chunks; a resumed decoder has been past it.
    auto client = keyframe ? RfbClient::resume(pair[0], rfb, *keyframe->decoder) : RfbClient::start(pair[0], rfb);
    if (client) {
        RfbClient* decoder = client->get();
        if (options.on_picture) {
            decoder->set_on_update(
                [&options, &feeder, decoder, last = Clock::time_point()](int, int, int, int) mutable {
                    const std::uint32_t at = feeder.position_ms.load(std::memory_order_relaxed);
                    const auto now = Clock::now();
                    if (at < options.start_at_ms || now - last < options.picture_interval) return;
                    last = now;
                    options.on_picture(decoder->framebuffer(), at);
                });
        }
    }
    feeder.publish(client ? client->get() : nullptr);
    // Without a client the feeder sees its end closed and stops; with one it stops once the decoder has everything.
    feeding.join();
    if (feeder.error) return *feeder.error;
    if (!client) {
        if (keyframe) return unavailable("cannot resume decoding at a keyframe: " + client.error().message);
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
    result.updates = (keyframe ? keyframe->updates : 0) + rfb_client.updates();
    result.chunks = feeder.chunks;
    result.server_bytes = feeder.server_bytes;
    result.played_ms = feeder.played_ms;
    result.keyframes_taken = feeder.keyframes_taken;
    result.complete = feeder.reached_end && reader->complete();
    result.truncated = feeder.reached_end && reader->truncated();
    result.end = feeder.stopped_at ? "stopped at " + seconds_text(*options.stop_at_ms) + " after " +
                                         std::to_string(feeder.chunks) + " chunks"
                                   : reader->describe_end();
    return result;
}

}  // namespace lifeline::viewer
