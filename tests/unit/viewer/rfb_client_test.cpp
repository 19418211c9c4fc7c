// RfbClient against a real libvncserver over a socketpair (pictures, updates, input, clipboard, resize, close),
// against scripted hostile "servers" (bad versions, authentication, absurd sizes, corrupt messages), and write_png.
#include "viewer/core/rfb_client.hpp"

#include "tests/support/test_rfb_server.hpp"
#include "tests/unit/viewer/rfb_bytes.hpp"

#include <gtest/gtest.h>
#include <png.h>
#include <rfb/keysym.h>
#include <rfb/rfb.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// After <cstdio>: jpeglib.h uses FILE without including it.
#include <jpeglib.h>

namespace lifeline::viewer {
namespace {

using namespace std::chrono_literals;

using lifeline::testing::busy_pixel;
using TestServer = lifeline::testing::TestRfbServer;

constexpr auto kWait = 10s;  // the longest any test waits for anything

// Polls `predicate` until it holds or kWait passes.
bool eventually(const std::function<bool()>& predicate) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return predicate();
}

// Smooth, photo-like: what tight hands to JPEG.
std::uint32_t photo_pixel(int x, int y) {
    const auto channel = [](double value) { return static_cast<std::uint32_t>(std::clamp(value, 0.0, 255.0)); };
    const std::uint32_t r = channel(x + 40.0 * std::sin(y / 17.0));
    const std::uint32_t g = channel(y + 30.0 * std::cos(x / 23.0));
    const std::uint32_t b = channel((x + y) / 2.0 + 20.0 * std::sin((x + y) / 31.0));
    return r << 16 | g << 8 | b;
}

Framebuffer make_picture(int width, int height, std::uint32_t (*pixel)(int, int)) {
    Framebuffer picture{width, height, {}};
    picture.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x)
            picture.pixels[static_cast<std::size_t>(y) * width + x] = pixel(x, y);
    }
    return picture;
}

bool same_picture(const Framebuffer& a, const Framebuffer& b) {
    return a.width == b.width && a.height == b.height && a.pixels == b.pixels;
}

double mean_abs_error(const Framebuffer& a, const Framebuffer& b) {
    if (a.width != b.width || a.height != b.height || a.pixels.empty()) return 1e9;
    double sum = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) {
        for (int shift : {16, 8, 0}) {
            const int ca = static_cast<int>((a.pixels[i] >> shift) & 0xFF);
            const int cb = static_cast<int>((b.pixels[i] >> shift) & 0xFF);
            sum += std::abs(ca - cb);
        }
    }
    return sum / (static_cast<double>(a.pixels.size()) * 3);
}

std::unique_ptr<RfbClient> start_client(TestServer& server, RfbOptions options = {}) {
    auto client = RfbClient::start(server.take_client_fd(), options);
    if (!client) ADD_FAILURE() << "start failed: " << client.error().message;
    return client ? std::move(*client) : nullptr;
}

// ---- against libvncserver ----------------------------------------------------------------------------------

struct EncodingCase {
    const char* name;
    Encoding encoding;
    int quality;
    int compress;
};

// Every lossless way the picture can travel: each must give exactly the server's pixels.
class LosslessEncodingTest : public ::testing::TestWithParam<EncodingCase> {
protected:
    static RfbOptions options() {
        RfbOptions options;
        options.encoding = GetParam().encoding;
        options.quality = GetParam().quality;
        options.compress = GetParam().compress;
        return options;
    }
};

TEST_P(LosslessEncodingTest, DecodesTheServerPictureExactly) {
    const Framebuffer picture = make_picture(200, 120, &busy_pixel);
    TestServer server(picture);
    auto client = start_client(server, options());
    ASSERT_TRUE(client);
    EXPECT_TRUE(client->connected());
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    EXPECT_TRUE(eventually([&] { return same_picture(client->framebuffer(), picture); }));
    EXPECT_GT(client->bytes_received(), 0u);
}

TEST_P(LosslessEncodingTest, AServerChangeArrivesAsAnIncrementalUpdate) {
    Framebuffer picture = make_picture(200, 120, &busy_pixel);
    TestServer server(picture);
    auto client = start_client(server, options());
    ASSERT_TRUE(client);
    ASSERT_TRUE(eventually([&] { return same_picture(client->framebuffer(), picture); }));
    // The worker may still be inside the update that completed the picture. Updates are handled in order, so once
    // a later one-pixel change shows, that update (and its full-screen rectangle) is done.
    server.draw(199, 119, 1, 1, 0x00ABCDEFu);
    picture.pixels.back() = 0x00ABCDEFu;
    ASSERT_TRUE(eventually([&] { return same_picture(client->framebuffer(), picture); }));

    std::mutex mutex;
    std::vector<std::array<int, 4>> rects;
    client->set_on_update([&](int x, int y, int w, int h) {
        std::lock_guard lock(mutex);
        rects.push_back({x, y, w, h});
    });
    const std::uint64_t before = client->updates();
    const std::uint64_t bytes_before = client->bytes_received();
    server.draw(30, 50, 20, 10, 0x00FF0000u);
    Framebuffer expected = picture;
    for (int y = 50; y < 60; ++y) {
        for (int x = 30; x < 50; ++x)
            expected.pixels[static_cast<std::size_t>(y) * 200 + x] = 0x00FF0000u;
    }
    EXPECT_TRUE(eventually([&] { return same_picture(client->framebuffer(), expected); }));
    EXPECT_GT(client->updates(), before);
    // Only the change travelled, not the whole picture again.
    EXPECT_LT(client->bytes_received() - bytes_before, 20u * 10u * 4u + 1024u);
    std::lock_guard lock(mutex);
    bool covered = false;
    for (const auto& r : rects) {
        covered |= r[0] <= 30 && r[1] <= 50 && r[0] + r[2] >= 50 && r[1] + r[3] >= 60;
        EXPECT_FALSE(r[2] == 200 && r[3] == 120) << "a full-screen rectangle for a 20x10 change";
    }
    EXPECT_TRUE(covered) << "no on_update rectangle covers the change";
}

TEST_P(LosslessEncodingTest, FollowsAServerResize) {
    TestServer server(make_picture(200, 120, &busy_pixel));
    auto client = start_client(server, options());
    ASSERT_TRUE(client);
    std::mutex mutex;
    std::vector<std::pair<int, int>> sizes;
    client->set_on_resize([&](int width, int height) {
        std::lock_guard lock(mutex);
        sizes.emplace_back(width, height);
    });
    ASSERT_TRUE(client->wait_for_updates(1, kWait));

    const Framebuffer bigger = make_picture(320, 200, &photo_pixel);
    server.resize(bigger);
    EXPECT_TRUE(eventually([&] { return same_picture(client->framebuffer(), bigger); }));

    const Framebuffer smaller = make_picture(90, 70, &busy_pixel);
    server.resize(smaller);
    EXPECT_TRUE(eventually([&] { return same_picture(client->framebuffer(), smaller); }));
    EXPECT_TRUE(client->connected());
    std::lock_guard lock(mutex);
    EXPECT_EQ(sizes, (std::vector<std::pair<int, int>>{{320, 200}, {90, 70}}));
}

INSTANTIATE_TEST_SUITE_P(Encodings, LosslessEncodingTest,
                         ::testing::Values(EncodingCase{"raw", Encoding::raw, 6, 6},
                                           EncodingCase{"zrle", Encoding::zrle, 6, 6},
                                           EncodingCase{"tight_lossless", Encoding::tight, -1, 6},
                                           // Level 0: libvncserver sends tight's "no zlib" data.
                                           EncodingCase{"tight_lossless_no_zlib", Encoding::tight, -1, 0}),
                         [](const auto& case_info) { return std::string(case_info.param.name); });

TEST(RfbClientTest, TightJpegIsCloseOnAPhotoLikePicture) {
    const Framebuffer picture = make_picture(256, 192, &photo_pixel);
    TestServer server(picture);
    RfbOptions options;
    options.encoding = Encoding::tight;
    options.quality = 6;
    auto client = start_client(server, options);
    ASSERT_TRUE(client);
    // The first update may carry only pseudo-rectangles; wait for the picture itself.
    EXPECT_TRUE(eventually([&] { return mean_abs_error(client->framebuffer(), picture) < 8.0; }))
        << "mean absolute error " << mean_abs_error(client->framebuffer(), picture);
    // JPEG rather than a lossless path: not exact, and a small fraction of the raw picture's bytes.
    EXPECT_FALSE(same_picture(client->framebuffer(), picture));
    EXPECT_LT(client->bytes_received(), picture.pixels.size() * 4 / 8);
}

TEST(RfbClientTest, SetEncodingToLosslessSharpensThePicture) {
    const Framebuffer picture = make_picture(256, 192, &photo_pixel);
    TestServer server(picture);
    RfbOptions options;
    options.quality = 1;
    auto client = start_client(server, options);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    client->set_encoding(Encoding::tight, -1);
    EXPECT_TRUE(eventually([&] { return same_picture(client->framebuffer(), picture); }));
}

TEST(RfbClientTest, PointerAndKeyEventsReachTheServer) {
    TestServer server(make_picture(64, 48, &busy_pixel));
    auto client = start_client(server);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->send_pointer(10, 20, 1));
    ASSERT_TRUE(client->send_pointer(30, 40, 0));
    ASSERT_TRUE(client->send_key(XK_a, true));
    ASSERT_TRUE(client->send_key(XK_a, false));
    ASSERT_TRUE(client->send_key(XK_Return, true));
    ASSERT_TRUE(eventually([&] { return server.pointers().size() >= 2 && server.keys().size() >= 3; }));
    const auto pointers = server.pointers();
    EXPECT_EQ(pointers[0].x, 10);
    EXPECT_EQ(pointers[0].y, 20);
    EXPECT_EQ(pointers[0].mask, 1);
    EXPECT_EQ(pointers[1].x, 30);
    EXPECT_EQ(pointers[1].y, 40);
    EXPECT_EQ(pointers[1].mask, 0);
    const auto keys = server.keys();
    EXPECT_EQ(keys[0].keysym, static_cast<std::uint32_t>(XK_a));
    EXPECT_TRUE(keys[0].down);
    EXPECT_EQ(keys[1].keysym, static_cast<std::uint32_t>(XK_a));
    EXPECT_FALSE(keys[1].down);
    EXPECT_EQ(keys[2].keysym, static_cast<std::uint32_t>(XK_Return));
    EXPECT_FALSE(client->send_pointer(1, 1, 256)) << "a button mask beyond 8 bits is refused";
}

TEST(RfbClientTest, ViewOnlyRefusesInputLocally) {
    TestServer server(make_picture(64, 48, &busy_pixel));
    RfbOptions options;
    options.view_only = true;
    auto client = start_client(server, options);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    auto pointer = client->send_pointer(10, 20, 1);
    ASSERT_FALSE(pointer);
    EXPECT_EQ(pointer.error().code, core::Errc::permission_denied);
    auto key = client->send_key(XK_a, true);
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().code, core::Errc::permission_denied);
    auto clipboard = client->send_clipboard("secret");
    ASSERT_FALSE(clipboard);
    EXPECT_EQ(clipboard.error().code, core::Errc::permission_denied);
    // Still watching: a change on the server arrives, and nothing of ours reached the server meanwhile.
    server.draw(0, 0, 8, 8, 0x0000FF00u);
    // The default options use JPEG: near green is green.
    EXPECT_TRUE(eventually([&] {
        const std::uint32_t pixel = client->framebuffer().pixels.at(3 * 64 + 3);
        return (pixel >> 16 & 0xFF) < 0x30 && (pixel >> 8 & 0xFF) > 0xD0 && (pixel & 0xFF) < 0x30;
    }));
    EXPECT_TRUE(server.pointers().empty());
    EXPECT_TRUE(server.keys().empty());
    EXPECT_TRUE(server.clipboards().empty());
}

TEST(RfbClientTest, ClipboardTravelsBothWays) {
    TestServer server(make_picture(64, 48, &busy_pixel));
    auto client = start_client(server);
    ASSERT_TRUE(client);
    std::promise<std::string> received;
    auto received_future = received.get_future();
    std::atomic<bool> once{false};
    client->set_on_clipboard([&](std::string text) {
        if (!once.exchange(true)) received.set_value(std::move(text));
    });
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    server.send_clipboard("from the user's machine");
    ASSERT_EQ(received_future.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(received_future.get(), "from the user's machine");

    const std::string latin1 = "caf\xe9 cr\xe8me";
    ASSERT_TRUE(client->send_clipboard(latin1));
    ASSERT_TRUE(eventually([&] { return !server.clipboards().empty(); }));
    EXPECT_EQ(server.clipboards().front(), latin1);

    auto too_big = client->send_clipboard(std::string((1 << 20) + 1, 'x'));
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, core::Errc::payload_too_large);
}

TEST(RfbClientTest, ReportsTheServerClosing) {
    TestServer server(make_picture(64, 48, &busy_pixel));
    auto client = start_client(server);
    ASSERT_TRUE(client);
    std::promise<std::string> closed;
    auto closed_future = closed.get_future();
    client->set_on_closed([&](std::string reason) { closed.set_value(std::move(reason)); });
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    server.close_client();
    ASSERT_EQ(closed_future.wait_for(kWait), std::future_status::ready);
    const std::string reason = closed_future.get();
    EXPECT_NE(reason.find("closed"), std::string::npos) << reason;
    EXPECT_FALSE(client->connected());
    EXPECT_EQ(client->close_reason(), reason);
    auto late = client->send_key(XK_a, true);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, core::Errc::unavailable);
    EXPECT_FALSE(client->wait_for_updates(1000, 1s)) << "returns early, without the count, once closed";
}

TEST(RfbClientTest, AThrowingCallbackClosesOnlyThatSession) {
    TestServer server(make_picture(64, 48, &busy_pixel));
    auto client = start_client(server);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    std::promise<std::string> closed;
    auto closed_future = closed.get_future();
    client->set_on_closed([&](std::string reason) { closed.set_value(std::move(reason)); });
    client->set_on_update([](int, int, int, int) { throw std::runtime_error("boom"); });
    server.draw(0, 0, 4, 4, 0x00FFFFFFu);
    ASSERT_EQ(closed_future.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(closed_future.get(), "the update handler failed: boom");
    EXPECT_FALSE(client->connected());
}

TEST(RfbClientTest, StartRejectsBadArguments) {
    EXPECT_EQ(RfbClient::start(-1, {}).error().code, core::Errc::invalid_argument);
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    RfbOptions options;
    options.quality = 10;
    EXPECT_EQ(RfbClient::start(pair[0], options).error().code, core::Errc::invalid_argument);
    EXPECT_EQ(::fcntl(pair[0], F_GETFD), -1) << "the fd is owned, and closed, even on failure";
    ::close(pair[1]);
}

// ---- against scripted hostile servers ----------------------------------------------------------------------

using test::compact_length;
using test::rect;
using test::u16;
using test::u32;
using test::u8;
using test::update_header;

// A JPEG of `pixel`, as a tight JPEG rectangle would carry it.
std::string make_jpeg(int width, int height, std::uint32_t (*pixel)(int, int)) {
    jpeg_compress_struct info{};
    jpeg_error_mgr errors{};
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    unsigned char* out = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&info, &out, &size);
    info.image_width = static_cast<JDIMENSION>(width);
    info.image_height = static_cast<JDIMENSION>(height);
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 95, TRUE);
    jpeg_start_compress(&info, TRUE);
    std::vector<unsigned char> row(static_cast<std::size_t>(width) * 3);
    while (info.next_scanline < info.image_height) {
        for (int x = 0; x < width; ++x) {
            const std::uint32_t rgb = pixel(x, static_cast<int>(info.next_scanline));
            row[static_cast<std::size_t>(x) * 3] = static_cast<unsigned char>(rgb >> 16);
            row[static_cast<std::size_t>(x) * 3 + 1] = static_cast<unsigned char>(rgb >> 8);
            row[static_cast<std::size_t>(x) * 3 + 2] = static_cast<unsigned char>(rgb);
        }
        JSAMPROW rows[1] = {row.data()};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::string jpeg(reinterpret_cast<const char*>(out), size);
    std::free(out);
    return jpeg;
}

// The server's end of a socketpair, driven byte by byte from the test.
class FakeServer {
public:
    FakeServer() {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");
        fd_ = pair[0];
        client_fd_ = pair[1];
        timeval timeout{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    }
    ~FakeServer() {
        if (script_.joinable()) script_.join();
        close();
        if (client_fd_ >= 0) ::close(client_fd_);
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    int take_client_fd() { return std::exchange(client_fd_, -1); }
    void close() {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    // Runs the server's side concurrently with RfbClient::start, which blocks until the handshake ends.
    void script(std::function<void(FakeServer&)> body) {
        script_ = std::thread([this, body = std::move(body)] { body(*this); });
    }
    void wait_for_script() {
        if (script_.joinable()) script_.join();
    }

    void write(const std::string& bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }
    std::string read(std::size_t count) {
        std::string out(count, '\0');
        std::size_t done = 0;
        while (done < count) {
            const ssize_t n = ::recv(fd_, out.data() + done, count - done, 0);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        out.resize(done);
        return out;
    }

    // RFB 3.`minor` with "None", then ServerInit for a width x height, 32-bit true-colour desktop. Reads what the
    // client says in between, as a real server would.
    void handshake(int width, int height, int minor = 8) {
        write(minor == 7 ? "RFB 003.007\n" : "RFB 003.008\n");
        read(12);
        write(u8(1) + u8(1));  // one security type: None
        read(1);
        if (minor >= 8) write(u32(0));  // SecurityResult: OK
        read(1);                        // ClientInit
        write(test::server_init(width, height));
    }

private:
    int fd_ = -1;
    int client_fd_ = -1;
    std::thread script_;
};

// Starts a client against `server` whose script has already been set; expects the handshake to fail.
std::string expect_start_failure(FakeServer& server, RfbOptions options = {}) {
    auto client = RfbClient::start(server.take_client_fd(), options);
    server.wait_for_script();
    if (client) {
        ADD_FAILURE() << "start succeeded against a hostile server";
        return {};
    }
    EXPECT_EQ(client.error().code, core::Errc::unavailable);
    return client.error().message;
}

// Starts a client against a well-behaved width x height handshake; the test then scripts the session.
std::unique_ptr<RfbClient> start_fake_session(FakeServer& server, int width = 64, int height = 48, int minor = 8) {
    server.script([=](FakeServer& s) { s.handshake(width, height, minor); });
    auto started = RfbClient::start(server.take_client_fd(), {});
    server.wait_for_script();
    if (!started) {
        ADD_FAILURE() << started.error().message;
        return nullptr;
    }
    return std::move(*started);
}

// A handshake, then `hostile` bytes (then, optionally, the end of the stream): the client must close with a
// reason, never crash or hang. Returns the reason on_closed was given.
std::string close_reason_after(const std::string& hostile, bool then_close = false, int width = 64, int height = 48) {
    FakeServer server;
    auto client = start_fake_session(server, width, height);
    if (!client) return {};
    std::promise<std::string> closed;
    auto closed_future = closed.get_future();
    client->set_on_closed([&](std::string reason) { closed.set_value(std::move(reason)); });
    server.write(hostile);
    if (then_close) server.close();
    if (closed_future.wait_for(kWait) != std::future_status::ready) {
        ADD_FAILURE() << "the client did not close";
        return {};
    }
    std::string reason = closed_future.get();
    EXPECT_FALSE(client->connected());
    EXPECT_EQ(client->close_reason(), reason);
    return reason;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(RfbClientHostileTest, RefusesAPeerThatIsNotRfb) {
    {
        FakeServer server;
        server.script([](FakeServer& s) { s.write("HTTP/1.1 400 Bad Request\r\n\r\n"); });
        const std::string message = expect_start_failure(server);
        EXPECT_TRUE(contains(message, "not an RFB server (it sent \"HTTP/1.1 400\")")) << message;
    }
    {
        // A short answer is judged on its first bytes, without waiting for a whole version string.
        FakeServer server;
        server.script([](FakeServer& s) { s.write("hello"); });
        const std::string message = expect_start_failure(server);
        EXPECT_TRUE(contains(message, "not an RFB server (it sent \"hello\")")) << message;
    }
}

TEST(RfbClientHostileTest, RefusesVersionsWhereTheServerPicksTheSecurity) {
    for (const auto& [version, shown] :
         {std::pair{"RFB 003.003\n", "RFB 3.3,"}, std::pair{"RFB 003.006\n", "RFB 3.6,"},
          std::pair{"RFB 003.016\n", "RFB 3.16,"}, std::pair{"RFB 002.009\n", "RFB 2.9,"}}) {
        FakeServer server;
        server.script([version = std::string(version)](FakeServer& s) { s.write(version); });
        const std::string message = expect_start_failure(server);
        EXPECT_TRUE(contains(message, shown)) << message;
        EXPECT_TRUE(contains(message, "3.7 or later")) << message;
    }
}

TEST(RfbClientHostileTest, AcceptsAnRfb37ServerWithoutSecurityResult) {
    FakeServer server;
    auto client = start_fake_session(server, 64, 48, 7);
    ASSERT_TRUE(client);
    // Raw pixels come in our format: little-endian 0x00RRGGBB.
    server.write(update_header(1) + rect(0, 0, 1, 1, test::kRaw) + std::string("\x33\x22\x11\x00", 4));
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    EXPECT_EQ(client->framebuffer().pixels[0], 0x00112233u);
}

TEST(RfbClientHostileTest, RefusesASecurityListWithoutNone) {
    FakeServer server;
    server.script([](FakeServer& s) {
        s.write("RFB 003.008\n");
        s.read(12);
        s.write(u8(2) + u8(2) + u8(19));  // VNC authentication, VeNCrypt
        s.read(1);
    });
    const std::string message = expect_start_failure(server);
    EXPECT_TRUE(contains(message, "requires authentication (security types 2, 19)")) << message;
}

TEST(RfbClientHostileTest, ReportsTheServersReasonForRefusing) {
    {
        FakeServer server;  // no security types at all, and why
        server.script([](FakeServer& s) {
            s.write("RFB 003.008\n");
            s.read(12);
            s.write(u8(0) + u32(7) + "go away");
            s.read(1);
        });
        const std::string message = expect_start_failure(server);
        EXPECT_TRUE(contains(message, "refused the connection: go away")) << message;
    }
    {
        FakeServer server;  // "None" offered, then a failed SecurityResult
        server.script([](FakeServer& s) {
            s.write("RFB 003.008\n");
            s.read(12);
            s.write(u8(1) + u8(1));
            s.read(1);
            s.write(u32(1) + u32(9) + "not today");
            s.read(1);
        });
        const std::string message = expect_start_failure(server);
        EXPECT_TRUE(contains(message, "refused the connection: not today")) << message;
    }
}

TEST(RfbClientHostileTest, RefusesAnAbsurdFramebufferSizeBeforeAllocatingIt) {
    for (const auto& size : {std::pair{65535, 65535}, std::pair{0, 0}, std::pair{65535, 8192}}) {
        const int width = size.first, height = size.second;
        FakeServer server;
        server.script([=](FakeServer& s) { s.handshake(width, height); });
        const std::string message = expect_start_failure(server);
        // Our MallocFrameBuffer said so: libvncclient's own would have tried malloc(width * height * 4).
        EXPECT_TRUE(contains(message, std::to_string(width) + "x" + std::to_string(height) + " framebuffer"))
            << message;
    }
}

TEST(RfbClientHostileTest, ClosesOnAnAbsurdResizeMidSession) {
    // NewFBSize, and ExtDesktopSize with one valid-looking screen: both reach MallocFrameBuffer.
    std::string reason = close_reason_after(update_header(1) + rect(0, 0, 65535, 65535, test::kNewFbSize));
    EXPECT_TRUE(contains(reason, "65535x65535 framebuffer")) << reason;
    const std::string screen = u32(1) + u16(0) + u16(0) + u16(65535) + u16(65535) + u32(0);
    reason = close_reason_after(update_header(1) + rect(0, 0, 65535, 65535, test::kExtDesktopSize) + u8(1) +
                                std::string(3, '\0') + screen);
    EXPECT_TRUE(contains(reason, "65535x65535 framebuffer")) << reason;
}

TEST(RfbClientHostileTest, ClosesOnARectangleOutsideTheFramebuffer) {
    for (const auto& [x, w] : {std::pair{0, 65535}, std::pair{60, 10}}) {
        const std::string reason = close_reason_after(update_header(1) + rect(x, 0, w, 48, test::kRaw));
        EXPECT_TRUE(contains(reason, "Rect too large")) << reason;  // libvncclient's check, for every encoding
    }
    const std::string reason =
        close_reason_after(update_header(1) + rect(0, 40, 16, 16, test::kTight) + u8(0x80) + std::string(3, '\x7f'));
    EXPECT_TRUE(contains(reason, "Rect too large")) << reason;
}

TEST(RfbClientHostileTest, ClosesOnEncodingsWeDidNotOffer) {
    // Each of these has a decoder in libvncclient that would run if the bytes reached it.
    const std::vector<std::pair<std::int32_t, std::string>> encodings = {
        {2, "RRE"},           {4, "CoRRE"},       {5, "hextile"},       {6, "zlib"},           {8, "zlibhex"},
        {9, "ultra"},         {15, "TRLE"},       {17, "ZYWRLE"},       {-239, "RichCursor"},  {-240, "XCursor"},
        {-232, "PointerPos"}, {-260, "TightPNG"}, {-65527, "UltraZip"}, {0x48323634, "H.264"}, {12345, "unknown"}};
    for (const auto& [encoding, label] : encodings) {
        const std::string reason =
            close_reason_after(update_header(1) + rect(0, 0, 16, 16, encoding) + std::string(300, '\x41'));
        EXPECT_TRUE(
            contains(reason, "encoding " + std::to_string(encoding) + " (" + label + "), which we did not offer"))
            << reason;
    }
}

TEST(RfbClientHostileTest, ClosesOnMessagesWeDoNotAccept) {
    std::string reason = close_reason_after(std::string("\xc8") + std::string(300, '\x55'));
    EXPECT_TRUE(contains(reason, "message type 200")) << reason;
    // libvncclient would read one byte of this and take the colours for the next messages.
    reason = close_reason_after(u8(1) + u8(0) + u16(0) + u16(1) + std::string(6, '\x00'));
    EXPECT_TRUE(contains(reason, "SetColourMapEntries")) << reason;
    reason = close_reason_after(u8(11) + std::string(7, '\x00'));  // UltraVNC TextChat
    EXPECT_TRUE(contains(reason, "message type 11")) << reason;
}

TEST(RfbClientHostileTest, ClosesOnAnOversizedCutText) {
    for (const std::uint32_t length : {0x7FFFFFFFu, (1u << 20) + 1}) {
        const std::string reason = close_reason_after(u8(3) + std::string(3, '\0') + u32(length));
        EXPECT_TRUE(contains(reason, std::to_string(length) + " bytes of clipboard text")) << reason;
    }
}

TEST(RfbClientHostileTest, ClosesWhenAMessageIsCutShort) {
    // Half a raw rectangle, then the end of the stream.
    std::string reason =
        close_reason_after(update_header(1) + rect(0, 0, 64, 48, test::kRaw) + std::string(100, '\x10'), true);
    EXPECT_EQ(reason, "the server closed the connection");
    // Half a ServerInit.
    FakeServer server;
    server.script([](FakeServer& s) {
        s.write("RFB 003.008\n");
        s.read(12);
        s.write(u8(1) + u8(1) + u32(0));
        s.read(1);
        s.read(1);
        s.write(test::server_init(64, 48).substr(0, 10));
        s.close();
    });
    reason = expect_start_failure(server);
    EXPECT_TRUE(contains(reason, "closed the connection")) << reason;
}

TEST(RfbClientHostileTest, DecodesAWellFormedScriptedTightJpeg) {
    // The control for the next test: the same JPEG in a rectangle of its own size is drawn.
    FakeServer server;
    auto client = start_fake_session(server);
    ASSERT_TRUE(client);
    const std::string jpeg = make_jpeg(32, 32, &photo_pixel);
    server.write(update_header(1) + rect(16, 8, 32, 32, test::kTight) + u8(0x90) +
                 compact_length(static_cast<std::uint32_t>(jpeg.size())) + jpeg);
    ASSERT_TRUE(client->wait_for_updates(1, kWait)) << client->close_reason();
    const Framebuffer picture = client->framebuffer();
    Framebuffer drawn{32, 32, {}}, expected = make_picture(32, 32, &photo_pixel);
    for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x)
            drawn.pixels.push_back(picture.pixels[static_cast<std::size_t>(y + 8) * 64 + x + 16]);
    }
    EXPECT_LT(mean_abs_error(drawn, expected), 6.0);
    EXPECT_EQ(picture.pixels[0], 0u) << "nothing outside the rectangle";
    EXPECT_TRUE(client->connected());
}

TEST(RfbClientHostileTest, CopiesACopyRectAndIgnoresOneFromOutsideTheFramebuffer) {
    FakeServer server;
    auto client = start_fake_session(server);
    ASSERT_TRUE(client);
    // A raw picture: the top half one colour, the bottom half another (pixels little-endian 0x00RRGGBB).
    const std::string top = std::string("\x30\x20\x10\x00", 4), bottom = std::string("\x05\x06\x07\x00", 4);
    std::string pixels;
    for (int i = 0; i < 64 * 48; ++i)
        pixels += i < 64 * 24 ? top : bottom;
    server.write(update_header(1) + rect(0, 0, 64, 48, test::kRaw) + pixels);
    ASSERT_TRUE(client->wait_for_updates(1, kWait)) << client->close_reason();
    EXPECT_EQ(client->framebuffer().pixels.back(), 0x00070605u);

    // The top half copied over the bottom one.
    server.write(update_header(1) + rect(0, 24, 64, 24, test::kCopyRect) + u16(0) + u16(0));
    ASSERT_TRUE(client->wait_for_updates(2, kWait)) << client->close_reason();
    EXPECT_TRUE(eventually([&] {
        const Framebuffer picture = client->framebuffer();
        return std::all_of(picture.pixels.begin(), picture.pixels.end(),
                           [](std::uint32_t p) { return p == 0x00102030u; });
    }));

    // A source off the framebuffer is ignored (libvncclient checks both ends), and the stream carries on.
    server.write(update_header(2) + rect(0, 0, 16, 16, test::kCopyRect) + u16(60000) + u16(0) +
                 rect(63, 47, 1, 1, test::kRaw) + bottom);
    ASSERT_TRUE(client->wait_for_updates(3, kWait)) << client->close_reason();
    EXPECT_TRUE(eventually([&] { return client->framebuffer().pixels.back() == 0x00070605u; }));
    EXPECT_EQ(client->framebuffer().pixels.front(), 0x00102030u);
    EXPECT_TRUE(client->connected());
}

TEST(RfbClientTest, MeasuresInputLatencyFromTheInputToTheNextUpdate) {
    FakeServer server;
    auto client = start_fake_session(server);
    ASSERT_TRUE(client);
    const std::string update = update_header(1) + rect(0, 0, 1, 1, test::kRaw) + std::string(4, '\0');
    server.write(update);
    ASSERT_TRUE(client->wait_for_updates(1, kWait));
    EXPECT_FALSE(client->input_latency()) << "no input, no figure";

    const auto before = std::chrono::steady_clock::now();
    ASSERT_TRUE(client->send_pointer(13, 17, 0));
    // The "machine" reads up to the pointer event, then takes its time before the screen changes.
    const std::string pointer = u8(5) + u8(0) + u16(13) + u16(17);
    std::string seen;
    while (seen.find(pointer) == std::string::npos) {
        const std::string more = server.read(1);
        if (more.empty()) break;
        seen += more;
    }
    ASSERT_NE(seen.find(pointer), std::string::npos);
    std::this_thread::sleep_for(40ms);
    server.write(update);
    ASSERT_TRUE(client->wait_for_updates(2, kWait));
    const auto after = std::chrono::steady_clock::now();
    const auto figure = client->input_latency();
    ASSERT_TRUE(figure);
    EXPECT_GE(*figure, 40ms);
    EXPECT_LE(*figure, after - before);
}

TEST(RfbClientHostileTest, ClosesOnATightJpegInAZeroSizedRectangle) {
    // libvncclient hands a zero width or height to TurboJPEG, which then decodes at the JPEG's own size: here
    // 512x512 pixels into a 64x48 framebuffer.
    const std::string jpeg = make_jpeg(512, 512, &photo_pixel);
    for (const auto& [w, h] : {std::pair{0, 0}, std::pair{0, 16}, std::pair{16, 0}}) {
        const std::string reason = close_reason_after(update_header(1) + rect(0, 0, w, h, test::kTight) + u8(0x90) +
                                                      compact_length(static_cast<std::uint32_t>(jpeg.size())) + jpeg);
        EXPECT_TRUE(contains(reason, "tight JPEG for a " + std::to_string(w) + "x" + std::to_string(h) + " rectangle"))
            << reason;
    }
}

TEST(RfbClientHostileTest, ClosesOnUncompressedTightDataOfTheWrongLength) {
    {
        // The control: "no zlib" data of exactly the rectangle's size is drawn (libvncserver sends it at level 0).
        FakeServer server;
        auto client = start_fake_session(server);
        ASSERT_TRUE(client);
        std::string pixels;
        for (int i = 0; i < 8 * 4; ++i)
            pixels += std::string("\x12\x34\x56", 3);
        server.write(update_header(1) + rect(0, 0, 8, 4, test::kTight) + u8(0xA0) + compact_length(96) + pixels);
        ASSERT_TRUE(client->wait_for_updates(1, kWait)) << client->close_reason();
        EXPECT_EQ(client->framebuffer().pixels[3 * 64 + 7], 0x00123456u);
    }
    // libvncclient reads the 12 bytes sent and then filters the whole rectangle's worth (2.3 MB) out of its
    // 300 KB buffer.
    const std::string reason = close_reason_after(update_header(1) + rect(0, 0, 1024, 768, test::kTight) + u8(0xA0) +
                                                      compact_length(12) + std::string(12, '\x20'),
                                                  false, 1024, 768);
    EXPECT_TRUE(contains(reason, "12 bytes of uncompressed tight data for a 1024x768 rectangle that needs 2359296"))
        << reason;
}

TEST(RfbClientHostileTest, ClosesOnOtherMalformedTightData) {
    // A gradient wider than libvncclient's row buffers.
    std::string reason = close_reason_after(update_header(1) + rect(0, 0, 3000, 1, test::kTight) + u8(0x40) + u8(2) +
                                                compact_length(100) + std::string(100, '\0'),
                                            false, 4096, 4);
    EXPECT_TRUE(contains(reason, "gradient rectangle 3000 pixels wide")) << reason;
    // An unknown filter, an unknown subencoding, a one-colour palette, a zero length.
    reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kTight) + u8(0x40) + u8(0xff));
    EXPECT_TRUE(contains(reason, "unknown filter 255")) << reason;
    reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kTight) + u8(0xC0));
    EXPECT_TRUE(contains(reason, "subencoding 12")) << reason;
    reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kTight) + u8(0x40) + u8(1) + u8(0));
    EXPECT_TRUE(contains(reason, "palette of one colour")) << reason;
    reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kTight) + u8(0x00) + u8(0));
    EXPECT_TRUE(contains(reason, "length 0")) << reason;
}

TEST(RfbClientHostileTest, ClosesOnCorruptCompressedData) {
    // Well-framed, so the guard lets them through; zlib then refuses the contents.
    std::string reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kTight) + u8(0x00) +
                                            compact_length(64) + std::string(64, '\x7f'));
    EXPECT_TRUE(contains(reason, "Inflate error")) << reason;
    reason =
        close_reason_after(update_header(1) + rect(0, 0, 64, 48, test::kZrle) + u32(200) + std::string(200, '\x11'));
    EXPECT_TRUE(contains(reason, "zlib inflate returned error")) << reason;
    // A ZRLE length no encoding of the rectangle needs.
    reason = close_reason_after(update_header(1) + rect(0, 0, 16, 16, test::kZrle) + u32(0x7FFFFFFF));
    EXPECT_TRUE(contains(reason, "2147483647 bytes of ZRLE data for a 16x16 rectangle")) << reason;
}

TEST(RfbClientHostileTest, HandshakeTimesOutAgainstASilentServer) {
    FakeServer server;
    RfbOptions options;
    options.handshake_timeout = 300ms;
    const auto began = std::chrono::steady_clock::now();
    const std::string message = expect_start_failure(server, options);
    EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
    EXPECT_TRUE(contains(message, "timed out")) << message;
}

TEST(RfbClientHostileTest, StoppingDoesNotWaitForASilentServer) {
    FakeServer server;
    auto client = start_fake_session(server);
    ASSERT_TRUE(client);
    // The server now says nothing, mid-session and with a message half sent.
    server.write(update_header(1));
    std::this_thread::sleep_for(50ms);
    const auto began = std::chrono::steady_clock::now();
    client.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
}

// ---- write_png ---------------------------------------------------------------------------------------------

TEST(WritePngTest, WritesAPngThatDecodesToTheSamePixels) {
    const Framebuffer picture = make_picture(37, 21, &busy_pixel);
    const std::string path =
        (std::filesystem::temp_directory_path() / ("lifeline-rfb-" + std::to_string(::getpid()) + ".png")).string();
    ASSERT_TRUE(write_png(picture, path));

    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    ASSERT_NE(png_image_begin_read_from_file(&image, path.c_str()), 0) << image.message;
    EXPECT_EQ(image.width, 37u);
    EXPECT_EQ(image.height, 21u);
    image.format = PNG_FORMAT_RGB;
    std::vector<unsigned char> rgb(PNG_IMAGE_SIZE(image));
    ASSERT_NE(png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr), 0) << image.message;
    std::filesystem::remove(path);
    for (std::size_t i = 0; i < picture.pixels.size(); ++i) {
        const std::uint32_t decoded = static_cast<std::uint32_t>(rgb[i * 3]) << 16 |
                                      static_cast<std::uint32_t>(rgb[i * 3 + 1]) << 8 | rgb[i * 3 + 2];
        ASSERT_EQ(decoded, picture.pixels[i]) << "pixel " << i;
    }

    EXPECT_EQ(write_png(Framebuffer{}, path).error().code, core::Errc::invalid_argument);
    EXPECT_EQ(write_png(picture, "/nonexistent-dir/x.png").error().code, core::Errc::unavailable);
}

}  // namespace
}  // namespace lifeline::viewer
