// RfbStreamGuard fed bytes: a whole legitimate session in any chunking, exact alignment after every kind of
// rectangle and message (a stray byte right after one is judged as the next message type), and its refusals.
#include "viewer/core/rfb_stream_guard.hpp"

#include "tests/unit/viewer/rfb_bytes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lifeline::viewer {
namespace {

using test::compact_length;
using test::rect;
using test::u16;
using test::u32;
using test::u8;
using test::update_header;

constexpr std::int32_t kKeyboardLedState = static_cast<std::int32_t>(0xFFFE0000u);
constexpr std::int32_t kSupportedMessages = static_cast<std::int32_t>(0xFFFE0001u);
constexpr std::int32_t kSupportedEncodings = static_cast<std::int32_t>(0xFFFE0002u);
constexpr std::int32_t kServerIdentity = static_cast<std::int32_t>(0xFFFE0003u);
constexpr std::int32_t kQemuExtendedKeyEvent = -258;

// One rectangle of each kind the guard lets through, each with data of exactly the length libvncclient reads.
std::vector<std::pair<std::string, std::string>> every_rectangle_kind() {
    return {
        {"raw 3x2, 4 bytes a pixel", rect(0, 0, 3, 2, test::kRaw) + std::string(24, '\x01')},
        {"raw 0x5", rect(0, 0, 0, 5, test::kRaw)},
        {"CopyRect", rect(0, 100, 640, 300, test::kCopyRect) + u16(0) + u16(116)},
        {"tight fill", rect(0, 0, 9, 9, test::kTight) + u8(0x80) + "\x01\x02\x03"},
        {"tight fill resetting streams", rect(0, 0, 9, 9, test::kTight) + u8(0x8F) + "\x01\x02\x03"},
        {"tight jpeg, 1-byte length",
         rect(0, 0, 8, 8, test::kTight) + u8(0x90) + compact_length(100) + std::string(100, '\xAA')},
        {"tight jpeg, 2-byte length",
         rect(0, 0, 8, 8, test::kTight) + u8(0x90) + compact_length(300) + std::string(300, '\xAA')},
        {"tight jpeg, 3-byte length",
         rect(0, 0, 8, 8, test::kTight) + u8(0x90) + compact_length(20000) + std::string(20000, '\xAA')},
        // Basic: copy filter implied, under 12 bytes: sent raw, no length.
        {"tight copy 3x1 uncompressed", rect(0, 0, 3, 1, test::kTight) + u8(0x00) + std::string(9, '\x05')},
        {"tight copy 4x1 compressed",
         rect(0, 0, 4, 1, test::kTight) + u8(0x10) + compact_length(7) + std::string(7, '\x06')},
        {"tight explicit copy", rect(0, 0, 2, 1, test::kTight) + u8(0x40) + u8(0) + std::string(6, '\x07')},
        {"tight gradient",
         rect(0, 0, 100, 2, test::kTight) + u8(0x60) + u8(2) + compact_length(40) + std::string(40, '\x08')},
        // Two colours pack a row into bits: 10 pixels -> 2 bytes, 2 rows -> 4 bytes, under 12.
        {"tight mono palette",
         rect(0, 0, 10, 2, test::kTight) + u8(0x40) + u8(1) + u8(1) + std::string(6, '\x09') + std::string(4, '\x0A')},
        {"tight mono palette compressed", rect(0, 0, 100, 1, test::kTight) + u8(0x40) + u8(1) + u8(1) +
                                              std::string(6, '\x09') + compact_length(20) + std::string(20, '\x0A')},
        // More colours: a byte a pixel. 3x3 -> 9 bytes, under 12.
        {"tight palette",
         rect(0, 0, 3, 3, test::kTight) + u8(0x40) + u8(1) + u8(4) + std::string(15, '\x0B') + std::string(9, '\x0C')},
        {"tight 256-colour palette", rect(0, 0, 16, 16, test::kTight) + u8(0x40) + u8(1) + u8(255) +
                                         std::string(768, '\x0B') + compact_length(50) + std::string(50, '\x0C')},
        // "No zlib": the length is the data's exact size.
        {"tight no zlib", rect(0, 0, 8, 4, test::kTight) + u8(0xA0) + compact_length(96) + std::string(96, '\x0D')},
        {"tight no zlib palette", rect(0, 0, 8, 4, test::kTight) + u8(0xE0) + u8(1) + u8(2) + std::string(9, '\x0E') +
                                      compact_length(32) + std::string(32, '\x0F')},
        {"tight no zlib, small", rect(0, 0, 1, 1, test::kTight) + u8(0xB0) + std::string(3, '\x10')},
        {"zrle", rect(0, 0, 16, 16, test::kZrle) + u32(50) + std::string(50, '\x11')},
        {"NewFBSize", rect(0, 0, 800, 600, test::kNewFbSize)},
        {"ExtDesktopSize",
         rect(0, 0, 800, 600, test::kExtDesktopSize) + u8(2) + std::string(3, '\0') + std::string(32, '\x12')},
        {"KeyboardLedState", rect(7, 0, 0, 0, kKeyboardLedState)},
        {"QemuExtendedKeyEvent", rect(0, 0, 0, 0, kQemuExtendedKeyEvent)},
        {"SupportedMessages", rect(0, 0, 64, 0, kSupportedMessages) + std::string(64, '\x13')},
        {"SupportedEncodings", rect(0, 0, 12, 3, kSupportedEncodings) + std::string(12, '\x14')},
        {"ServerIdentity", rect(0, 0, 5, 0, kServerIdentity) + "hello"},
    };
}

std::string every_message() {
    std::string stream = update_header(0);
    stream += u8(2);                                         // Bell
    stream += u8(3) + std::string(3, '\0') + u32(2) + "hi";  // ServerCutText
    stream += u8(250) + u8(0) + u8(1) + u8(0);               // xvp
    return stream;
}

// A whole session: the handshake, every kind of rectangle in one update, then an update of unknown length ended
// by LastRect, then the other messages.
std::string whole_session() {
    std::string stream = test::handshake(1024, 768);
    const auto kinds = every_rectangle_kind();
    stream += update_header(static_cast<int>(kinds.size()));
    for (const auto& [name, bytes] : kinds)
        stream += bytes;
    stream +=
        update_header(0xFFFF) + rect(0, 0, 1, 1, test::kRaw) + std::string(4, '\0') + rect(0, 0, 0, 0, test::kLastRect);
    stream += every_message();
    return stream;
}

TEST(RfbStreamGuardTest, AcceptsAWholeSessionHoweverItIsChunked) {
    const std::string stream = whole_session();
    {
        RfbStreamGuard guard;
        EXPECT_TRUE(guard.accept(stream)) << guard.refusal();
        EXPECT_TRUE(guard.handshake_done());
    }
    {
        RfbStreamGuard guard;
        for (const char byte : stream)
            ASSERT_TRUE(guard.accept(std::string(1, byte))) << guard.refusal();
    }
    std::mt19937 random(42);
    for (int round = 0; round < 20; ++round) {
        RfbStreamGuard guard;
        std::size_t at = 0;
        while (at < stream.size()) {
            const std::size_t n = std::min<std::size_t>(stream.size() - at, random() % 40 + 1);
            ASSERT_TRUE(guard.accept(std::string_view(stream).substr(at, n))) << guard.refusal();
            at += n;
        }
    }
}

TEST(RfbStreamGuardTest, CountsUpdatesAsTheirHeaderArrives) {
    RfbStreamGuard guard;
    ASSERT_TRUE(guard.accept(test::handshake(64, 48) + update_header(0)));
    EXPECT_EQ(guard.updates_begun(), 0u) << "an update without rectangles changes nothing on the screen";
    const std::string update = update_header(1) + rect(0, 0, 1, 1, test::kRaw) + std::string(4, '\0');
    ASSERT_TRUE(guard.accept(update.substr(0, 4)));
    EXPECT_EQ(guard.updates_begun(), 1u) << "counted with its header, before its pixels";
    ASSERT_TRUE(guard.accept(update.substr(4) + update));
    EXPECT_EQ(guard.updates_begun(), 2u);
}

// The guard has consumed exactly `bytes` when the next byte, 200, is taken for a message type.
void expect_aligned_after(const std::string& what, const std::string& bytes) {
    RfbStreamGuard guard;
    EXPECT_FALSE(guard.accept(test::handshake(1024, 768) + bytes + u8(200))) << what;
    EXPECT_EQ(guard.refusal(), "the server sent message type 200, which we refuse") << what;
}

TEST(RfbStreamGuardTest, EndsEveryRectangleKindWhereLibvncclientDoes) {
    for (const auto& [name, bytes] : every_rectangle_kind())
        expect_aligned_after(name, update_header(1) + bytes);
    expect_aligned_after("LastRect", update_header(0xFFFF) + rect(0, 0, 0, 0, test::kLastRect));
    expect_aligned_after("messages", every_message());
    expect_aligned_after("desktop name", "");
}

TEST(RfbStreamGuardTest, FollowsTheVersionsSecurityHandshake) {
    // 3.7: no SecurityResult after "None".
    {
        RfbStreamGuard guard;
        EXPECT_TRUE(guard.accept("RFB 003.007\n" + u8(1) + u8(1) + test::server_init(64, 48) + u8(2)));
        EXPECT_TRUE(guard.handshake_done());
    }
    // 3.8 and anything newer (libvncclient answers 3.8): a SecurityResult first.
    for (const std::string version : {"RFB 003.008\n", "RFB 003.889\n", "RFB 004.001\n"}) {
        RfbStreamGuard guard;
        EXPECT_TRUE(guard.accept(version + u8(2) + u8(2) + u8(1) + u32(0) + test::server_init(64, 48)));
        EXPECT_TRUE(guard.handshake_done()) << version;
    }
}

TEST(RfbStreamGuardTest, Refuses) {
    const std::string session = test::handshake(64, 48);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"SSH-2.0-OpenSSH", "the peer is not an RFB server (it sent \"SSH-2.0-Open\")"},
        {"RFB 003.003\n", "the server speaks RFB 3.3, where the server picks the security type"},
        {"RFB 003.014\n", "the server speaks RFB 3.14"},
        {"RFB 003.008\n" + u8(1) + u8(2), "the server requires authentication (security types 2)"},
        {"RFB 003.008\n" + u8(0) + u32(3) + "no\n", "the server refused the connection: no\\n"},
        {"RFB 003.008\n" + u8(1) + u8(1) + u32(2), "the server refused the connection (security result 2)"},
        {"RFB 003.008\n" + u8(1) + u8(1) + u32(0) + std::string(20, '\0') + u32((1u << 20) + 1),
         "desktop name is 1048577 bytes long"},
        {session + u8(1), "SetColourMapEntries"},
        {session + u8(3) + std::string(3, '\0') + u32((1u << 20) + 1), "1048577 bytes of clipboard text"},
        {session + update_header(1) + rect(0, 0, 1, 1, 5), "encoding 5 (hextile), which we did not offer"},
        {session + update_header(1) + rect(0, 0, 0, 3, test::kTight) + u8(0x90), "tight JPEG for a 0x3 rectangle"},
        {session + update_header(1) + rect(0, 0, 8, 4, test::kTight) + u8(0xA0) + compact_length(95),
         "95 bytes of uncompressed tight data for a 8x4 rectangle that needs 96"},
        {session + update_header(1) + rect(0, 0, 2049, 1, test::kTight) + u8(0x40) + u8(2),
         "gradient rectangle 2049 pixels wide"},
        {session + update_header(1) + rect(0, 0, 8, 8, test::kTight) + u8(0xD0), "tight subencoding 13"},
        {session + update_header(1) + rect(0, 0, 8, 8, test::kTight) + u8(0x40) + u8(3), "unknown filter 3"},
        {session + update_header(1) + rect(0, 0, 8, 8, test::kTight) + u8(0x90) + u8(0), "tight data of length 0"},
        {session + update_header(1) + rect(0, 0, 1, 1, test::kZrle) + u32(4105), "4105 bytes of ZRLE data"},
    };
    for (const auto& [bytes, expected] : cases) {
        RfbStreamGuard guard;
        EXPECT_FALSE(guard.accept(bytes)) << expected;
        EXPECT_NE(guard.refusal().find(expected), std::string::npos) << guard.refusal();
        EXPECT_FALSE(guard.accept(u8(2))) << "stays refused";
    }
    RfbStreamGuard guard;
    EXPECT_TRUE(guard.accept(session + update_header(1) + rect(0, 0, 1, 1, test::kZrle) + u32(4104)))
        << "the ZRLE limit is 4096 + 8 bytes a pixel";
}

}  // namespace
}  // namespace lifeline::viewer
