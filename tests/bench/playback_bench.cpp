// `lifeline-bench playback`: writes a session recording of scripted desktop activity (typing, windows redrawn,
// now and then the whole screen, tight or ZRLE through zlib streams that live as long as the session), then times
// the playback window's seeks -- to the middle, back near the start, to the middle again, further on and back --
// decoding from the start every time (as before keyframes) and resuming at keyframes. Prints JSON. Bounded by
// --minutes and --max-mib.
#include "shared/recording/writer.hpp"
#include "tests/bench/bench.hpp"
#include "tests/unit/viewer/rfb_zlib_script.hpp"
#include "viewer/core/playback.hpp"
#include "viewer/core/playback_snapshots.hpp"

#include <boost/json.hpp>

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

namespace lifeline::bench {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using recording::ChunkKind;

constexpr std::size_t kFrameBytes = 64 * 1024;  // the tunnel's read size: what the relay records as one chunk
constexpr int kCell = 8, kLine = 16;            // a text cell
constexpr int kGlyphs = 96;
constexpr int kBandRows = 64;  // a full screen goes out as bands, as servers split it

// A desktop of text: glyphs drawn from one set, on a few backgrounds, so the data compresses like a real one.
class Desktop {
public:
    Desktop(int width, int height) : width_(width), height_(height), rng_(20261202) {
        std::uniform_int_distribution<int> bit(0, 3);
        for (auto& glyph : glyphs_) {
            for (auto& row : glyph)
                row = static_cast<std::uint8_t>(bit(rng_) == 0 ? 0 : (bit(rng_) << 3 | bit(rng_)) & 0x7E);
        }
    }
    // The pixels of w x h at x, y: text in the current colours.
    std::vector<std::uint32_t> text(int w, int h, std::uint32_t background, std::uint32_t ink) {
        std::vector<std::uint32_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), background);
        std::uniform_int_distribution<int> pick(-kGlyphs / 3, kGlyphs - 1);  // about a quarter blanks
        for (int cy = 0; cy + kLine <= h; cy += kLine) {
            for (int cx = 0; cx + kCell <= w; cx += kCell) {
                const int glyph = pick(rng_);
                if (glyph < 0) continue;
                for (int gy = 0; gy < kLine; ++gy) {
                    for (int gx = 0; gx < kCell; ++gx) {
                        if ((glyphs_[static_cast<std::size_t>(glyph)][static_cast<std::size_t>(gy)] >> gx & 1) != 0) {
                            pixels[static_cast<std::size_t>(cy + gy) * static_cast<std::size_t>(w) +
                                   static_cast<std::size_t>(cx + gx)] = ink;
                        }
                    }
                }
            }
        }
        return pixels;
    }
    std::mt19937& rng() { return rng_; }
    int width() const { return width_; }
    int height() const { return height_; }

private:
    int width_, height_;
    std::mt19937 rng_;
    std::array<std::array<std::uint8_t, kLine>, kGlyphs> glyphs_{};
};

struct Written {
    std::uint64_t bytes = 0, chunks = 0, updates = 0;
    std::uint32_t duration_ms = 0;
};

core::Result<Written> write_recording(const std::string& path, const PlaybackBenchOptions& o) {
    recording::RecordingHeader header;
    header.session_id = "s-bench";
    header.ticket = "LL-000001";
    header.technician = "bench";
    header.width = static_cast<std::uint16_t>(o.width);
    header.height = static_cast<std::uint16_t>(o.height);
    auto writer = recording::RecordingWriter::create(path, header, {.buffer_bytes = 1 << 20});
    if (!writer) return writer.error();
    Written written;
    const auto add = [&](std::uint32_t at, ChunkKind kind, std::string_view bytes) -> core::Result<void> {
        for (std::size_t from = 0; from < bytes.size(); from += kFrameBytes) {
            if (auto ok = (*writer)->append(at, kind, bytes.substr(from, kFrameBytes)); !ok) return ok;
            ++written.chunks;
        }
        return {};
    };
    if (auto ok = add(0, ChunkKind::server, viewer::test::handshake(o.width, o.height)); !ok) return ok.error();
    viewer::test::ZlibScript script;
    Desktop desktop(o.width, o.height);
    std::uniform_int_distribution<int> roll(0, 99);
    const std::uint32_t colours[] = {0x00FFFFFFu, 0x00F0F0F0u, 0x00202830u, 0x00FFF8E0u};
    const auto encode = [&](int x, int y, int w, int h, std::uint32_t background) {
        std::uniform_int_distribution<int> ink(0, 0xFFFFFF);
        const auto pixels = desktop.text(w, h, background, static_cast<std::uint32_t>(ink(desktop.rng())) & 0x7F7F7Fu);
        return o.encoding == "zrle" ? script.zrle_rect(x, y, w, h, pixels) : script.tight_rect(x, y, w, h, pixels);
    };
    const std::uint32_t end_ms = static_cast<std::uint32_t>(o.minutes * 60'000);
    const std::uint32_t step_ms = static_cast<std::uint32_t>(1000 / o.updates_per_second);
    const std::uint64_t max_bytes = static_cast<std::uint64_t>(o.max_mib) << 20;
    for (std::uint32_t at = 0; at < end_ms; at += step_ms) {
        const int kind = roll(desktop.rng());
        std::string update;
        std::uniform_int_distribution<int> across(0, o.width - 1), down(0, o.height - 1);
        const std::uint32_t background = colours[static_cast<std::size_t>(roll(desktop.rng()) % 4)];
        if (kind < 2 || written.updates == 0) {  // the whole screen: a new window, a scroll
            const int bands = (o.height + kBandRows - 1) / kBandRows;
            update = viewer::test::update_header(bands);
            for (int y = 0; y < o.height; y += kBandRows)
                update += encode(0, y, o.width, std::min(kBandRows, o.height - y), background);
        } else if (kind < 20) {  // a window redrawn
            const int w = std::min(480, o.width), h = std::min(320, o.height);
            update =
                viewer::test::update_header(1) + encode(std::min(across(desktop.rng()), o.width - w),
                                                        std::min(down(desktop.rng()), o.height - h), w, h, background);
        } else {  // a line typed into
            const int w = std::min(240, o.width), h = std::min(kLine * 2, o.height);
            update =
                viewer::test::update_header(1) + encode(std::min(across(desktop.rng()), o.width - w),
                                                        std::min(down(desktop.rng()), o.height - h), w, h, background);
        }
        if (auto ok = add(at, ChunkKind::server, update); !ok) return ok.error();
        ++written.updates;
        written.duration_ms = at;
        if ((*writer)->bytes_written() > max_bytes) {
            return core::make_error(core::Errc::payload_too_large,
                                    "the recording passed --max-mib " + std::to_string(o.max_mib) + " at " +
                                        std::to_string(at / 1000) + " s; fewer --minutes or a smaller screen");
        }
    }
    const auto summary = (*writer)->finish(written.duration_ms);
    if (!summary.complete) return core::make_error(core::Errc::unavailable, summary.problem);
    written.bytes = summary.bytes;
    return written;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int run_playback_bench(const PlaybackBenchOptions& o) {
    const fs::path dir = o.dir.empty()
                             ? fs::temp_directory_path() / ("lifeline-bench-playback-" + std::to_string(::getpid()))
                             : fs::path(o.dir);
    fs::create_directories(dir);
    const std::string path = (dir / "bench.llrec").string();
    fs::remove(path);
    const auto writing = Clock::now();
    auto written = write_recording(path, o);
    if (!written) {
        std::fprintf(stderr, "lifeline-bench playback: %s\n", written.error().message.c_str());
        return 1;
    }
    json::object report;
    report["recording"] = {{"minutes", o.minutes},
                           {"width", o.width},
                           {"height", o.height},
                           {"encoding", o.encoding},
                           {"updates", written->updates},
                           {"chunks", written->chunks},
                           {"mib", static_cast<double>(written->bytes) / (1 << 20)},
                           {"write_seconds", seconds_since(writing)}};

    const std::uint32_t duration = written->duration_ms;
    const std::vector<std::pair<std::string, std::uint32_t>> seeks = {
        {"middle", duration / 2},       {"near_start", 60'000},
        {"middle_again", duration / 2}, {"three_quarters", duration / 4 * 3},
        {"one_quarter", duration / 4},
    };
    int status = 0;
    for (const bool keyframes : {false, true}) {
        std::shared_ptr<viewer::PlaybackSnapshots> snapshots;
        if (keyframes) {
            viewer::SnapshotLimits limits;
            limits.budget_bytes = static_cast<std::size_t>(o.budget_mib) << 20;
            snapshots = std::make_shared<viewer::PlaybackSnapshots>(limits);
        }
        json::object mode;
        for (const auto& [name, at] : seeks) {
            viewer::PlaybackOptions seek;
            seek.stop_at_ms = at;
            seek.snapshots = snapshots;
            const auto start = Clock::now();
            auto played = viewer::play_recording(path, seek);
            const double took = seconds_since(start);
            if (!played) {
                std::fprintf(stderr, "lifeline-bench playback: seek to %u ms: %s\n", at,
                             played.error().message.c_str());
                status = 1;
                continue;
            }
            mode[name] = {{"at_s", at / 1000.0},
                          {"seconds", took},
                          {"resumed_at_s", played->resumed_at_ms ? *played->resumed_at_ms / 1000.0 : -1.0},
                          {"keyframes_taken", played->keyframes_taken}};
        }
        if (snapshots) {
            mode["keyframes"] = {{"kept", snapshots->size()},
                                 {"mib", static_cast<double>(snapshots->memory_bytes()) / (1 << 20)},
                                 {"spacing", snapshots->spacing()}};
        }
        report[keyframes ? "keyframes" : "from_start"] = std::move(mode);
    }
    std::printf("%s\n", json::serialize(report).c_str());
    if (!o.keep) fs::remove_all(dir);
    return status;
}

}  // namespace lifeline::bench
