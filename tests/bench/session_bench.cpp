// `lifeline-bench session`, the measuring half: reads the frame markers and the pointer probe that
// lifeline-bench-workload draws back out of the viewer's framebuffer, counts complete frames, updates and bytes,
// times pointer moves until the probe shows them, reads CPU from /proc, and prints one JSON object for all systems.
#include "tests/bench/bench.hpp"
#include "viewer/core/rfb_client.hpp"

#include <dirent.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace lifeline::bench {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// What tests/bench/workload.cpp draws (see the comment at its top), and where the bench moves the pointer: on a
// line through the document, far from the markers and the probe, because servers draw the cursor into the picture.
namespace layout {
constexpr int kMarkerBits = 24;
constexpr int kBlock = 16;
constexpr int kMarkerInset = 12;
constexpr int kPointerY = 700;
constexpr std::array<int, 3> kPointerXs{768, 896, 1023};  // three colours, so a lost sample cannot pass for the next

struct Point {
    int x, y;
};

std::array<Point, 4> marker_origins(int width, int height) {
    const int right = width - kMarkerInset - kMarkerBits * kBlock;
    const int bottom = height - kMarkerInset - kBlock;
    return {{{kMarkerInset, kMarkerInset}, {right, kMarkerInset}, {kMarkerInset, bottom}, {right, bottom}}};
}

Point probe_centre(int width, int height) { return {width - 160 + 32, height / 2}; }

std::uint32_t probe_colour(int x) {
    const auto r = static_cast<std::uint32_t>(x) & 0xffu;
    return (r << 16) | ((255u - r) << 8) | 0x80u;
}
}  // namespace layout

constexpr auto kSampleTimeout = std::chrono::seconds(2);

double round2(double value) { return std::round(value * 100.0) / 100.0; }

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

int luminance(std::uint32_t rgb) {
    return static_cast<int>((((rgb >> 16) & 0xffu) * 299 + ((rgb >> 8) & 0xffu) * 587 + (rgb & 0xffu) * 114) / 1000);
}

bool colour_close(std::uint32_t a, std::uint32_t b) {
    for (int shift : {16, 8, 0}) {
        const int d = static_cast<int>((a >> shift) & 0xffu) - static_cast<int>((b >> shift) & 0xffu);
        if (std::abs(d) > 48) return false;
    }
    return true;
}

std::uint32_t pixel_at(const viewer::Framebuffer& fb, int x, int y) {
    return fb.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(fb.width) + static_cast<std::size_t>(x)];
}

// One marker's frame number, or nothing when its check fails (half of it from another frame, or not drawn yet).
// Each block is read at four pixels around its centre, well inside what JPEG at quality 6 keeps clean.
std::optional<std::uint32_t> read_marker(const viewer::Framebuffer& fb, layout::Point origin) {
    using namespace layout;
    if (origin.x < 0 || origin.y < 0 || origin.x + kMarkerBits * kBlock > fb.width || origin.y + kBlock > fb.height) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (int bit = 0; bit < kMarkerBits; ++bit) {
        const int cx = origin.x + bit * kBlock + kBlock / 2, cy = origin.y + kBlock / 2;
        const int sum = luminance(pixel_at(fb, cx - 2, cy - 2)) + luminance(pixel_at(fb, cx + 1, cy - 2)) +
                        luminance(pixel_at(fb, cx - 2, cy + 1)) + luminance(pixel_at(fb, cx + 1, cy + 1));
        value = (value << 1) | (sum < 4 * 128 ? 1u : 0u);
    }
    const std::uint32_t counter = value >> 8;
    if ((value & 0xffu) != ((counter >> 8) ^ (counter & 0xffu) ^ 0xa5u)) return std::nullopt;
    return counter;
}

// The frame number when all four markers agree: the viewer holds that whole frame's markers at once.
std::optional<std::uint32_t> read_frame(const viewer::Framebuffer& fb) {
    std::optional<std::uint32_t> frame;
    for (const auto& origin : layout::marker_origins(fb.width, fb.height)) {
        auto value = read_marker(fb, origin);
        if (!value || (frame && *frame != *value)) return std::nullopt;
        frame = value;
    }
    return frame;
}

// utime + stime in seconds of one thread of this process.
double thread_cpu_seconds(const std::string& tid) {
    std::ifstream stat("/proc/self/task/" + tid + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; fields >> field && i <= 15; ++i) {
        if (i == 14 || i == 15) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds of this process's threads other than `excluded`: the viewer core's (libvncclient's worker, its
// pump, and for Lifeline the session socket's TLS thread).
double other_threads_cpu_seconds(const std::vector<pid_t>& excluded) {
    double total = 0;
    std::unique_ptr<DIR, int (*)(DIR*)> tasks(::opendir("/proc/self/task"), &::closedir);
    if (!tasks) return 0;
    while (const dirent* entry = ::readdir(tasks.get())) {
        if (entry->d_name[0] == '.') continue;
        const auto tid = static_cast<pid_t>(std::atol(entry->d_name));
        if (std::find(excluded.begin(), excluded.end(), tid) != excluded.end()) continue;
        total += thread_cpu_seconds(entry->d_name);
    }
    return total;
}

std::optional<double> process_cpu(pid_t pid) {
    if (pid <= 0 || ::access(("/proc/" + std::to_string(pid) + "/stat").c_str(), R_OK) != 0) return std::nullopt;
    try {
        return process_cpu_and_rss(pid).first;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// JSON text with numbers as people write them ("29.97", not Boost.JSON's "2.997E1").
void write_json(const json::value& value, std::string& out) {
    if (value.is_double()) {
        char number[32];
        std::snprintf(number, sizeof number, "%.10g", value.get_double());
        out += number;
    } else if (value.is_object()) {
        out += '{';
        bool first = true;
        for (const auto& [key, member] : value.get_object()) {
            if (!std::exchange(first, false)) out += ',';
            out += json::serialize(json::string(key));
            out += ':';
            write_json(member, out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& element : value.get_array()) {
            if (!std::exchange(first, false)) out += ',';
            write_json(element, out);
        }
        out += ']';
    } else {
        out += json::serialize(value);
    }
}

std::string to_text(const json::value& value) {
    std::string out;
    write_json(value, out);
    return out;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one;
}

// Watches the viewer's framebuffer on a thread of its own: after each update that touched a marker or the probe it
// takes a copy and decodes the frame number and the probe's colour.
class FrameWatcher {
public:
    struct Counts {
        std::uint64_t complete = 0;    // distinct complete frames seen
        std::uint64_t checks = 0;      // framebuffer copies decoded
        std::uint64_t incomplete = 0;  // copies whose markers did not agree
        std::optional<std::uint32_t> frame;
        Clock::time_point frame_at{};  // when `frame` was first seen
    };

    FrameWatcher(viewer::RfbClient& rfb, int width, int height) : rfb_(rfb), rects_(std::make_shared<RectState>()) {
        rects_->width = width;
        rects_->height = height;
        // The callback may still run once after it is replaced: it owns what it touches.
        rfb_.set_on_update([rects = rects_](int x, int y, int w, int h) { rects->on_rect(x, y, w, h); });
        thread_ = std::thread([this] { run(); });
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return tid_ != 0; });
    }
    ~FrameWatcher() {
        rfb_.set_on_update(nullptr);
        stop_ = true;
        thread_.join();
    }
    FrameWatcher(const FrameWatcher&) = delete;
    FrameWatcher& operator=(const FrameWatcher&) = delete;

    pid_t tid() const { return tid_; }
    Counts counts() const {
        std::lock_guard lock(mutex_);
        return counts_;
    }

    // The pointer moves now; from here on the first copy whose probe shows `rgb` ends the sample.
    void expect_probe(std::uint32_t rgb) {
        std::lock_guard lock(mutex_);
        expected_ = rgb;
        sent_at_ = Clock::now();
        seen_at_.reset();
    }
    // When the probe was first seen in the expected colour, or nothing by `deadline`.
    std::optional<Clock::time_point> wait_probe(Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, deadline, [this] { return seen_at_.has_value(); });
        expected_.reset();
        return seen_at_;
    }

private:
    struct RectState {
        int width = 0, height = 0;
        std::atomic<bool> dirty{true};
        std::atomic<Clock::rep> probe_at{0};  // when a rectangle last covered the probe's centre

        void on_rect(int x, int y, int w, int h) {
            const int band = layout::kMarkerInset + layout::kBlock;
            const bool markers = y < band || y + h > height - band;
            const auto probe = layout::probe_centre(width, height);
            const bool on_probe = x <= probe.x && probe.x < x + w && y <= probe.y && probe.y < y + h;
            if (on_probe) probe_at = Clock::now().time_since_epoch().count();
            if (markers || on_probe) dirty = true;
        }
    };

    void run() {
        {
            std::lock_guard lock(mutex_);
            tid_ = static_cast<pid_t>(::gettid());
        }
        changed_.notify_all();
        std::uint64_t seen = rfb_.updates();
        while (!stop_) {
            if (!rfb_.wait_for_updates(seen + 1, std::chrono::milliseconds(50))) {
                if (!rfb_.connected()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                continue;
            }
            seen = rfb_.updates();
            if (!rects_->dirty.exchange(false)) continue;
            const auto copied_at = Clock::now();
            const viewer::Framebuffer fb = rfb_.framebuffer();
            const Clock::time_point probe_at{Clock::duration(rects_->probe_at.load())};
            if (fb.width != rects_->width || fb.height != rects_->height) continue;
            const auto frame = read_frame(fb);
            const auto centre = layout::probe_centre(fb.width, fb.height);
            const std::uint32_t probe = pixel_at(fb, centre.x, centre.y);
            std::lock_guard lock(mutex_);
            ++counts_.checks;
            if (!frame) {
                ++counts_.incomplete;
            } else if (!counts_.frame || *counts_.frame != *frame) {
                ++counts_.complete;
                counts_.frame = frame;
                counts_.frame_at = copied_at;
            }
            if (expected_ && !seen_at_ && colour_close(probe, *expected_)) {
                // The rectangle that brought it, when we know it; else this copy.
                seen_at_ = probe_at >= sent_at_ && probe_at <= copied_at ? probe_at : copied_at;
                changed_.notify_all();
            }
        }
    }

    viewer::RfbClient& rfb_;
    std::shared_ptr<RectState> rects_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    pid_t tid_ = 0;
    Counts counts_;
    std::optional<std::uint32_t> expected_;
    Clock::time_point sent_at_{};
    std::optional<Clock::time_point> seen_at_;
};

// Everything read at the start and the end of the frames window.
struct Reading {
    Clock::time_point at;
    std::uint64_t updates = 0, bytes = 0;
    FrameWatcher::Counts frames;
    std::optional<double> server, relay, x_server, workload;
    double viewer = 0;
};

Reading read_all(const viewer::RfbClient& rfb, const FrameWatcher& watcher, const SessionPids& pids) {
    Reading r;
    r.at = Clock::now();
    r.updates = rfb.updates();
    r.bytes = rfb.bytes_received();
    r.frames = watcher.counts();
    r.server = process_cpu(pids.server);
    r.relay = process_cpu(pids.relay);
    r.x_server = process_cpu(pids.x_server);
    r.workload = process_cpu(pids.workload);
    r.viewer = other_threads_cpu_seconds({::getpid(), watcher.tid()});
    return r;
}

json::value cpu_percent(const std::optional<double>& before, const std::optional<double>& after, double seconds) {
    if (!before || !after) return nullptr;
    return round2(100.0 * (*after - *before) / seconds);
}

// Pointer moves along the line, each timed until the probe shows its colour in the viewer's picture.
json::object measure_latency(viewer::RfbClient& rfb, FrameWatcher& watcher, int samples) {
    std::vector<double> latencies;
    int timeouts = 0;
    bool lost = false;
    // Moves to `x` and waits for the probe; the latency in ms, or nothing after kSampleTimeout.
    auto move = [&](int x) -> std::optional<double> {
        watcher.expect_probe(layout::probe_colour(x));
        const auto sent = Clock::now();
        if (!rfb.send_pointer(x, layout::kPointerY, 0)) return std::nullopt;
        const auto seen = watcher.wait_probe(sent + kSampleTimeout);
        if (!seen) return std::nullopt;
        return std::chrono::duration<double, std::milli>(*seen - sent).count();
    };
    // A retry moves one pixel further, as a move to where the pointer already is would not repaint the probe.
    const int parked = layout::kPointerXs.back();
    if (!move(parked) && !move(parked + 1)) lost = true;
    for (int i = 0; i < samples && !lost && rfb.connected(); ++i) {
        const int x = layout::kPointerXs[static_cast<std::size_t>(i) % layout::kPointerXs.size()];
        if (auto ms = move(x)) {
            latencies.push_back(*ms);
        } else {
            ++timeouts;
            // Wait for that colour once more before the next sample, so a late repaint cannot be taken for it.
            if (!move(x + 1)) lost = true;
        }
        // Spread the moves over the frame period rather than locking onto its phase.
        std::this_thread::sleep_for(std::chrono::milliseconds(40 + (i * 37) % 80));
    }
    const LatencySummary summary = summarize(latencies);
    double mean = 0;
    for (double ms : latencies)
        mean += ms / static_cast<double>(latencies.size());
    json::object out{{"p50", round2(summary.p50_ms)}, {"p99", round2(summary.p99_ms)}, {"max", round2(summary.max_ms)},
                     {"mean", round2(mean)},          {"samples", latencies.size()},   {"timeouts", timeouts}};
    if (lost) out["gave_up"] = "the probe stopped following the pointer";
    return out;
}

}  // namespace

std::string measure_session(viewer::RfbClient& rfb, const SessionBenchOptions& options, const SessionPids& pids,
                            const std::string& screenshot) {
    if (!rfb.wait_for_full_frame(std::chrono::seconds(15))) {
        throw std::runtime_error("no complete first picture within 15 s: " + rfb.close_reason());
    }
    const viewer::Framebuffer first = rfb.framebuffer();
    FrameWatcher watcher(rfb, first.width, first.height);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // past the first full picture's burst
    if (watcher.counts().complete == 0) {
        std::fprintf(stderr, "session bench:   no complete frame decoded after 2 s of warm-up\n");
    }

    std::fprintf(stderr, "session bench:   frames window, %.0f s\n", options.seconds);
    const Reading before = read_all(rfb, watcher, pids);
    const auto end = before.at + std::chrono::duration<double>(options.seconds);
    while (Clock::now() < end && rfb.connected())
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const Reading after = read_all(rfb, watcher, pids);
    const double seconds = seconds_between(before.at, after.at);
    const double updates = static_cast<double>(after.updates - before.updates);
    const double viewer_cpu = after.viewer - before.viewer;

    json::object out;
    out["width"] = first.width;
    out["height"] = first.height;
    out["seconds"] = round2(seconds);
    out["complete_frames_per_s"] =
        round2(static_cast<double>(after.frames.complete - before.frames.complete) / seconds);
    // How fast the workload really drew, from the frame numbers the viewer saw (skipped ones included).
    if (before.frames.frame && after.frames.frame && after.frames.frame_at > before.frames.frame_at) {
        const auto drawn = (*after.frames.frame - *before.frames.frame) & 0xffffu;
        out["workload_frames_per_s"] =
            round2(static_cast<double>(drawn) / seconds_between(before.frames.frame_at, after.frames.frame_at));
    } else {
        out["workload_frames_per_s"] = nullptr;
    }
    out["updates_per_s"] = round2(updates / seconds);
    out["bytes_per_s"] = std::llround(static_cast<double>(after.bytes - before.bytes) / seconds);
    out["mbytes_per_s"] = round2(static_cast<double>(after.bytes - before.bytes) / seconds / 1e6);
    out["ms_per_update"] = updates > 0 ? json::value(round2(1000.0 * seconds / updates)) : json::value(nullptr);
    out["viewer_cpu_ms_per_update"] =
        updates > 0 ? json::value(round2(1000.0 * viewer_cpu / updates)) : json::value(nullptr);
    out["incomplete_checks"] = after.frames.incomplete - before.frames.incomplete;
    out["server_cpu_percent"] = cpu_percent(before.server, after.server, seconds);
    out["relay_cpu_percent"] = cpu_percent(before.relay, after.relay, seconds);
    out["x_server_cpu_percent"] = cpu_percent(before.x_server, after.x_server, seconds);
    out["workload_cpu_percent"] = cpu_percent(before.workload, after.workload, seconds);
    out["viewer_cpu_percent"] = round2(100.0 * viewer_cpu / seconds);

    if (rfb.connected() && options.latency_samples > 0) {
        std::fprintf(stderr, "session bench:   latency, %d pointer moves\n", options.latency_samples);
        out["latency_ms"] = measure_latency(rfb, watcher, options.latency_samples);
    }
    if (!rfb.connected()) out["disconnected"] = rfb.close_reason();
    if (!screenshot.empty()) {
        if (auto written = viewer::write_png(rfb.framebuffer(), screenshot); written) {
            out["screenshot"] = screenshot;
        } else {
            out["screenshot_error"] = written.error().message;
        }
    }
    return json::serialize(out);
}

int run_session_bench(const SessionBenchOptions& options) {
    std::vector<std::string> systems;
    if (!options.vnc.empty()) {
        if (!options.peers.empty()) {
            std::fprintf(stderr, "session bench: --vnc measures one running server; leave out --peers\n");
            return 2;
        }
        systems.push_back("vnc");
    } else {
        if (options.lifeline) systems.push_back("lifeline");
        systems.insert(systems.end(), options.peers.begin(), options.peers.end());
    }
    if (systems.empty()) {
        std::fprintf(stderr, "session bench: nothing to measure\n");
        return 2;
    }

    json::object results;
    bool failed = false;
    for (const auto& system : systems) {
        std::fprintf(stderr, "session bench: %s (load average %s)\n", system.c_str(), load_average().c_str());
        json::value result = json::parse(run_session_system(system, options));
        const auto* status = result.as_object().if_contains("status");
        failed = failed || status == nullptr || *status == "failed";
        std::fprintf(stderr, "session bench: %s: %s\n", system.c_str(), to_text(result).c_str());
        results[system] = std::move(result);
    }
    json::array peers;
    for (const auto& peer : options.peers)
        peers.emplace_back(peer);
    json::object out{{"bench", "session"},
                     {"encoding", options.encoding},
                     {"quality", options.quality},
                     {"seconds", options.seconds},
                     {"latency_samples", options.latency_samples},
                     {"peers", std::move(peers)},
                     {"workload", "lifeline-bench-workload --fps 30 on 1920x1080x24"},
                     {"results", std::move(results)}};
    if (!options.vnc.empty()) out["vnc"] = options.vnc;
    std::printf("%s\n", to_text(out).c_str());
    return failed ? 1 : 0;
}

}  // namespace lifeline::bench
