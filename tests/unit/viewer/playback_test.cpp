// Recording playback through RfbClient, with scripted server streams: the picture at the end and at an offset (a
// message in progress completed), pacing, a recording cut short, the clear errors for bad ones, and keyframes: a
// seek that resumes at one shows exactly the picture of a decode from the start, within the memory budget.
#include "viewer/core/playback.hpp"

#include "shared/recording/writer.hpp"
#include "tests/unit/viewer/rfb_bytes.hpp"
#include "tests/unit/viewer/rfb_zlib_script.hpp"
#include "viewer/core/playback_snapshots.hpp"
#include "viewer/core/rfb_decoder_state.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>

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
    // A stream the live viewer would refuse is refused here too (hextile was never offered).
    EXPECT_PRED2(
        has,
        error_of(write({{0, ChunkKind::server, handshake(kWidth, kHeight)},
                        {5, ChunkKind::server, update_header(1) + rect(0, 0, 4, 4, 5) + std::string(4, '\0')}})),
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

// ---- keyframes ----------------------------------------------------------------------------------------------

// Pixels no update can compress by itself (a small xorshift), one of three patterns: the same pattern comes back
// every third update, and only the zlib stream's memory of the earlier one makes it cheap.
std::vector<std::uint32_t> pattern(int which, int w, int h) {
    std::uint32_t x = 0x9E3779B9u * static_cast<std::uint32_t>(which + 1);
    std::vector<std::uint32_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    for (auto& p : pixels) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p = x & 0x00FFFFFFu;
    }
    return pixels;
}

enum class Codec { tight, zrle };

// Sixty updates, one a second, through persistent zlib streams (tight: two of them), cut into chunks that do not
// follow the messages, with the viewer's bytes in between.
std::vector<Piece> zlib_session(Codec codec) {
    test::ZlibScript script;
    std::string stream;
    std::size_t first_size = 0, repeat_size = 0;
    for (int i = 0; i < 60; ++i) {
        const int w = 12, h = 8, x = (i * 7) % (kWidth - w), y = (i * 5) % (kHeight - h);
        const auto pixels = pattern(i % 3, w, h);
        std::string update = update_header(2);
        const std::size_t before = update.size();
        update +=
            codec == Codec::tight ? script.tight_rect(x, y, w, h, pixels, i % 2) : script.zrle_rect(x, y, w, h, pixels);
        // Tight alternates two streams: from the seventh update on, each stream has seen its pattern before.
        if (i == 0) first_size = update.size() - before;
        if (i >= 6) repeat_size = std::max(repeat_size, update.size() - before);
        update += codec == Codec::tight
                      ? script.tight_fill(i % 10, 0, 3, 3, 0x00102030u * static_cast<std::uint32_t>(i % 5))
                      : script.zrle_rect(i % 10, 0, 3, 3, pattern(7, 3, 3));
        stream += update;
    }
    // Without the streams' state the decoder would fail: a repeat is a fraction of the first.
    EXPECT_LT(repeat_size * 4, first_size) << "the script would prove less";
    std::vector<Piece> pieces{{0, ChunkKind::server, handshake(kWidth, kHeight)}};
    const std::size_t step = stream.size() / 40 + 7;
    for (std::size_t at = 0, n = 0; at < stream.size(); at += step, ++n) {
        const auto offset = static_cast<std::uint32_t>(10 + n * 1500);
        pieces.push_back({offset, ChunkKind::server, stream.substr(at, step)});
        if (n % 4 == 0) pieces.push_back({offset, ChunkKind::client, std::string("\x03\x01\0\0\0\0\0\x20\0\x18", 10)});
    }
    return pieces;
}

void expect_same_play(const PlaybackResult& got, const PlaybackResult& want) {
    EXPECT_EQ(got.framebuffer.width, want.framebuffer.width);
    EXPECT_EQ(got.framebuffer.height, want.framebuffer.height);
    EXPECT_TRUE(got.framebuffer.pixels == want.framebuffer.pixels) << "the pictures differ";
    EXPECT_EQ(got.updates, want.updates);
    EXPECT_EQ(got.chunks, want.chunks);
    EXPECT_EQ(got.server_bytes, want.server_bytes);
    EXPECT_EQ(got.played_ms, want.played_ms);
    EXPECT_EQ(got.end, want.end);
}

class KeyframeTest : public RecordingPlaybackTest, public ::testing::WithParamInterface<Codec> {};

TEST_P(KeyframeTest, ASeekFromAKeyframeShowsThePictureOfADecodeFromTheStart) {
    const std::string path = write(zlib_session(GetParam()));
    auto keyframes = std::make_shared<PlaybackSnapshots>(SnapshotLimits{5'000, std::uint64_t{1} << 30, 64 << 20});
    PlaybackOptions whole;
    whole.snapshots = keyframes;
    auto first = play_recording(path, whole);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_FALSE(first->resumed_at_ms);
    EXPECT_GE(first->keyframes_taken, 8u);
    EXPECT_EQ(keyframes->size(), first->keyframes_taken);
    auto plain = play_recording(path, PlaybackOptions{});
    ASSERT_TRUE(plain) << plain.error().message;
    expect_same_play(*first, *plain);
    EXPECT_TRUE(first->complete);

    bool inside_a_chunk = false;
    for (std::uint32_t target : {3'000u, 17'250u, 31'000u, 44'100u, 58'000u, 61'000u}) {
        SCOPED_TRACE("seek to " + std::to_string(target) + " ms");
        PlaybackOptions seek;
        seek.stop_at_ms = target;
        seek.snapshots = keyframes;
        PlaybackOptions from_start;
        from_start.stop_at_ms = target;
        auto resumed = play_recording(path, seek);
        auto decoded = play_recording(path, from_start);
        ASSERT_TRUE(resumed) << resumed.error().message;
        ASSERT_TRUE(decoded) << decoded.error().message;
        expect_same_play(*resumed, *decoded);
        const auto keyframe = keyframes->at_or_before(target);
        EXPECT_EQ(resumed->resumed_at_ms.has_value(), keyframe != nullptr);
        if (target > 10'000) {
            EXPECT_TRUE(resumed->resumed_at_ms);
        }
        if (keyframe) {
            EXPECT_LE(*resumed->resumed_at_ms, target);
            inside_a_chunk = inside_a_chunk || keyframe->skip > 0;
        }
        EXPECT_EQ(resumed->keyframes_taken, 0u) << "everything up to here is covered already";
    }
    EXPECT_TRUE(inside_a_chunk) << "no keyframe fell inside a chunk: the test would prove less";

    // Playing on from a point, paced, resumes too and ends on the same last picture.
    PlaybackOptions play_on;
    play_on.speed = 1000;
    play_on.start_at_ms = 40'000;
    play_on.snapshots = keyframes;
    int pictures = 0;
    play_on.on_picture = [&pictures](Framebuffer, std::uint32_t) { ++pictures; };
    auto played = play_recording(path, play_on);
    ASSERT_TRUE(played) << played.error().message;
    ASSERT_TRUE(played->resumed_at_ms);
    EXPECT_LE(*played->resumed_at_ms, 40'000u);
    EXPECT_GT(*played->resumed_at_ms, 30'000u);
    expect_same_play(*played, *plain);
    EXPECT_GT(pictures, 0);
}

std::string codec_name(const ::testing::TestParamInfo<Codec>& param) {
    return param.param == Codec::tight ? "tight" : "zrle";
}

INSTANTIATE_TEST_SUITE_P(Codecs, KeyframeTest, ::testing::Values(Codec::tight, Codec::zrle), codec_name);

TEST_F(RecordingPlaybackTest, KeyframesStayWithinTheirBudgetAndSpreadOut) {
    const std::string path = write(zlib_session(Codec::tight));
    // What one keyframe of this screen costs, from an unlimited run.
    auto unlimited = std::make_shared<PlaybackSnapshots>(SnapshotLimits{2'000, std::uint64_t{1} << 30, 64 << 20});
    PlaybackOptions options;
    options.snapshots = unlimited;
    ASSERT_TRUE(play_recording(path, options));
    ASSERT_GE(unlimited->size(), 15u);
    const std::size_t one = unlimited->memory_bytes() / unlimited->size();

    const std::size_t budget = one * 7 / 2;
    auto keyframes = std::make_shared<PlaybackSnapshots>(SnapshotLimits{2'000, std::uint64_t{1} << 30, budget});
    options.snapshots = keyframes;
    auto played = play_recording(path, options);
    ASSERT_TRUE(played) << played.error().message;
    EXPECT_LE(keyframes->memory_bytes(), budget);
    EXPECT_EQ(keyframes->size(), 3u);
    EXPECT_GT(keyframes->spacing(), 4.0);
    EXPECT_GT(played->keyframes_taken, keyframes->size()) << "some were dropped";
    // Spread over the recording rather than bunched at one end.
    const auto early = keyframes->at_or_before(25'000), late = keyframes->at_or_before(61'000);
    ASSERT_TRUE(early);
    ASSERT_TRUE(late);
    EXPECT_GT(late->at_ms, 40'000u);
    EXPECT_LT(early->at_ms, late->at_ms);
    // And still exact.
    PlaybackOptions seek;
    seek.stop_at_ms = 50'000;
    seek.snapshots = keyframes;
    PlaybackOptions from_start;
    from_start.stop_at_ms = 50'000;
    auto resumed = play_recording(path, seek);
    auto decoded = play_recording(path, from_start);
    ASSERT_TRUE(resumed && decoded);
    EXPECT_TRUE(resumed->resumed_at_ms);
    expect_same_play(*resumed, *decoded);
}

// RfbClient's side: a state is taken where a message ends, a passed byte is refused, and a client resumed from the
// state decodes what follows onto the same picture.
TEST(RfbDecoderStateTest, AClientResumesFromAStateTakenBetweenMessages) {
    using Answer = core::Result<std::shared_ptr<const RfbDecoderState>>;
    const auto ask = [](RfbClient& client, std::uint64_t byte) {
        auto promise = std::make_shared<std::promise<Answer>>();
        auto answer = promise->get_future();
        client.request_state(byte, [promise](Answer state) { promise->set_value(std::move(state)); });
        EXPECT_EQ(answer.wait_for(5s), std::future_status::ready);
        return answer.get();
    };
    const std::string first = handshake(kWidth, kHeight) + full_update(0xFF0000u);
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    ASSERT_EQ(::send(pair[1], first.data(), first.size(), MSG_NOSIGNAL), static_cast<ssize_t>(first.size()));
    auto client = RfbClient::start(pair[0], RfbOptions{});
    ASSERT_TRUE(client) << client.error().message;
    ASSERT_TRUE((*client)->wait_for_updates(1, 5s));
    EXPECT_FALSE(ask(**client, 5)) << "byte 5 has passed";
    auto state = ask(**client, first.size());
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ((*state)->picture().pixels, filled(0xFF0000u).pixels);
    EXPECT_EQ((*state)->updates(), 1u);
    EXPECT_EQ((*state)->server_bytes(), first.size());
    client->reset();
    ::close(pair[1]);

    const std::string next = patch_update(4, 4, 8, 8, 0x0000FFu);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    ASSERT_EQ(::send(pair[1], next.data(), next.size(), MSG_NOSIGNAL), static_cast<ssize_t>(next.size()));
    auto resumed = RfbClient::resume(pair[0], RfbOptions{}, **state);
    ASSERT_TRUE(resumed) << resumed.error().message;
    ASSERT_TRUE((*resumed)->wait_for_updates(1, 5s));
    Framebuffer want = filled(0xFF0000u);
    paint(want, 4, 4, 8, 8, 0x0000FFu);
    EXPECT_EQ((*resumed)->framebuffer().pixels, want.pixels);
    EXPECT_TRUE((*resumed)->wait_for_full_frame(1s)) << "the state remembers the picture was complete";
    resumed->reset();
    ::close(pair[1]);
}

}  // namespace
}  // namespace lifeline::viewer
