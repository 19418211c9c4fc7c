// Recording playback through RfbClient, with scripted server streams: the picture at the end and at an offset (a
// message in progress completed), pacing, a recording cut short, and the clear errors for bad ones.
#include "viewer/core/playback.hpp"

#include "shared/recording/writer.hpp"
#include "tests/unit/viewer/rfb_bytes.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace lifeline::viewer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using lifeline::recording::ChunkKind;
using test::handshake;
using test::rect;
using test::update_header;

constexpr int kWidth = 32, kHeight = 24;

// Raw pixels in RfbClient's format: little-endian 0x00RRGGBB.
std::string raw_fill(int w, int h, std::uint32_t rgb) {
    const std::string pixel{static_cast<char>(rgb & 0xFF), static_cast<char>((rgb >> 8) & 0xFF),
                            static_cast<char>((rgb >> 16) & 0xFF), '\0'};
    std::string out;
    for (int i = 0; i < w * h; ++i)
        out += pixel;
    return out;
}

std::string full_update(std::uint32_t rgb) {
    return update_header(1) + rect(0, 0, kWidth, kHeight, test::kRaw) + raw_fill(kWidth, kHeight, rgb);
}

std::string patch_update(int x, int y, int w, int h, std::uint32_t rgb) {
    return update_header(1) + rect(x, y, w, h, test::kRaw) + raw_fill(w, h, rgb);
}

Framebuffer filled(std::uint32_t rgb) {
    return Framebuffer{kWidth, kHeight, std::vector<std::uint32_t>(kWidth * kHeight, rgb)};
}

void paint(Framebuffer& picture, int x0, int y0, int w, int h, std::uint32_t rgb) {
    for (int y = y0; y < y0 + h; ++y) {
        for (int x = x0; x < x0 + w; ++x)
            picture.pixels[static_cast<std::size_t>(y) * kWidth + x] = rgb;
    }
}

struct Piece {
    std::uint32_t offset;
    ChunkKind kind;
    std::string bytes;
};

class RecordingPlaybackTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lifeline-playback-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::vector<Piece>& pieces, bool finish = true) {
        const std::string path = (dir_ / ("r" + std::to_string(++files_) + ".llrec")).string();
        lifeline::recording::RecordingHeader header;
        header.session_id = "s-abc";
        header.ticket = "LL-000001";
        header.technician = "tina";
        auto writer = lifeline::recording::RecordingWriter::create(path, header);
        EXPECT_TRUE(writer);
        for (const Piece& piece : pieces)
            EXPECT_TRUE((*writer)->append(piece.offset, piece.kind, piece.bytes));
        if (finish) {
            (*writer)->finish(pieces.empty() ? 0 : pieces.back().offset);
        } else {
            (*writer)->flush();
        }
        return path;
    }

    // Handshake, a red picture at 10 ms, a blue patch at 600 ms split over two chunks, a green one at 1000 ms.
    std::vector<Piece> session() {
        const std::string blue = patch_update(4, 4, 8, 8, 0x0000FFu);
        return {
            {0, ChunkKind::server, handshake(kWidth, kHeight)},
            {2, ChunkKind::client, "RFB 003.008\n"},
            {10, ChunkKind::server, full_update(0xFF0000u)},
            {300, ChunkKind::client, std::string("\x04\x01\x00\x00\x00\x00\x00\x00", 8)},
            {600, ChunkKind::server, blue.substr(0, 30)},
            {700, ChunkKind::server, blue.substr(30)},
            {1000, ChunkKind::server, patch_update(0, 0, 2, 2, 0x00FF00u)},
        };
    }

    fs::path dir_;
    int files_ = 0;
};

TEST_F(RecordingPlaybackTest, PlaysToTheEndAndDecodesTheLastPicture) {
    auto played = play_recording(write(session()), PlaybackOptions{});
    ASSERT_TRUE(played) << played.error().message;
    Framebuffer want = filled(0xFF0000u);
    paint(want, 4, 4, 8, 8, 0x0000FFu);
    paint(want, 0, 0, 2, 2, 0x00FF00u);
    EXPECT_EQ(played->framebuffer.width, kWidth);
    EXPECT_EQ(played->framebuffer.height, kHeight);
    EXPECT_EQ(played->framebuffer.pixels, want.pixels);
    EXPECT_EQ(played->updates, 3u);
    EXPECT_EQ(played->chunks, 7u);
    EXPECT_EQ(played->played_ms, 1000u);
    EXPECT_TRUE(played->complete);
    EXPECT_FALSE(played->truncated);
    EXPECT_EQ(played->header.session_id, "s-abc");
    EXPECT_EQ(played->end, "complete, 7 chunks");
}

TEST_F(RecordingPlaybackTest, StopsAtAnOffsetAndCompletesTheUpdateInProgress) {
    const std::string path = write(session());
    PlaybackOptions at_half_second;
    at_half_second.stop_at_ms = 500;
    auto red = play_recording(path, at_half_second);
    ASSERT_TRUE(red) << red.error().message;
    EXPECT_EQ(red->framebuffer.pixels, filled(0xFF0000u).pixels);
    EXPECT_EQ(red->updates, 1u);
    EXPECT_EQ(red->played_ms, 10u);
    EXPECT_FALSE(red->complete);
    EXPECT_EQ(red->end, "stopped at 0.500 s after 4 chunks");

    // At 650 ms the blue update has begun: it is played whole, the green one is not.
    PlaybackOptions mid_update;
    mid_update.stop_at_ms = 650;
    auto blue = play_recording(path, mid_update);
    ASSERT_TRUE(blue) << blue.error().message;
    Framebuffer want = filled(0xFF0000u);
    paint(want, 4, 4, 8, 8, 0x0000FFu);
    EXPECT_EQ(blue->framebuffer.pixels, want.pixels);
    EXPECT_EQ(blue->updates, 2u);
    EXPECT_EQ(blue->played_ms, 700u);

    // Before the first picture: the screen's size, nothing painted.
    PlaybackOptions at_start;
    at_start.stop_at_ms = 0;
    auto empty = play_recording(path, at_start);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_EQ(empty->framebuffer.width, kWidth);
    EXPECT_EQ(empty->framebuffer.pixels, filled(0).pixels);
    EXPECT_EQ(empty->updates, 0u);
}

TEST_F(RecordingPlaybackTest, PacesByTheRecordedOffsetsTimesTheSpeed) {
    const std::string path =
        write({{0, ChunkKind::server, handshake(kWidth, kHeight)}, {800, ChunkKind::server, full_update(0x123456u)}});
    const auto timed = [&](double speed) {
        PlaybackOptions options;
        options.speed = speed;
        const auto start = std::chrono::steady_clock::now();
        auto played = play_recording(path, options);
        EXPECT_TRUE(played) << played.error().message;
        if (played) {
            EXPECT_EQ(played->framebuffer.pixels, filled(0x123456u).pixels);
        }
        return std::chrono::steady_clock::now() - start;
    };
    EXPECT_GE(timed(1), 800ms);
    const auto fast = timed(4);
    EXPECT_GE(fast, 200ms);
    EXPECT_LT(fast, 800ms);
    EXPECT_LT(timed(0), 600ms);
}

TEST_F(RecordingPlaybackTest, ARecordingCutShortPlaysUpToItsLastWholeChunk) {
    std::vector<Piece> pieces = session();
    pieces.resize(5);  // the crash came in the middle of the blue update
    const std::string path = write(pieces, false);
    // And cut the file inside its last chunk too.
    fs::resize_file(path, fs::file_size(path) - 5);
    auto played = play_recording(path, PlaybackOptions{});
    ASSERT_TRUE(played) << played.error().message;
    EXPECT_TRUE(played->truncated);
    EXPECT_FALSE(played->complete);
    EXPECT_EQ(played->framebuffer.pixels, filled(0xFF0000u).pixels);
    EXPECT_EQ(played->chunks, 4u);
    EXPECT_NE(played->end.find("truncated after 4 chunks"), std::string::npos) << played->end;
}

TEST_F(RecordingPlaybackTest, BadRecordingsAreClearErrors) {
    const auto error_of = [&](const std::string& path) {
        auto played = play_recording(path, PlaybackOptions{});
        EXPECT_FALSE(played);
        return played ? std::string() : played.error().message;
    };
    const auto has = [](const std::string& message, const std::string& part) {
        return message.find(part) != std::string::npos;
    };
    const std::string garbage = (dir_ / "garbage.llrec").string();
    std::ofstream(garbage) << "this is not a recording";
    EXPECT_PRED2(has, error_of(garbage), "not a Lifeline session recording");
    EXPECT_PRED2(has, error_of((dir_ / "missing.llrec").string()), "no such file");
    // Ends before the handshake completed.
    EXPECT_PRED2(has, error_of(write({{0, ChunkKind::server, handshake(kWidth, kHeight).substr(0, 20)}})),
                 "ends before the RFB handshake completed");
    // A stream the live viewer would refuse is refused here too (CopyRect was never offered).
    EXPECT_PRED2(
        has,
        error_of(write({{0, ChunkKind::server, handshake(kWidth, kHeight)},
                        {5, ChunkKind::server, update_header(1) + rect(0, 0, 4, 4, 1) + std::string(4, '\0')}})),
        "not one the viewer accepts");
    // A damaged chunk after a good start.
    const std::string damaged = write(session());
    {
        std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(-4, std::ios::end);  // the end chunk's length
        file.write("\xff\xff\xff\xff", 4);
    }
    EXPECT_PRED2(has, error_of(damaged), "damaged");
}

}  // namespace
}  // namespace lifeline::viewer
