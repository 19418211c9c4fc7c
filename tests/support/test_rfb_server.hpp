// A libvncserver screen serving a known picture to one client over a socketpair, for the viewer's tests, and
// the pictures they use.
#pragma once

#include "viewer/core/rfb_client.hpp"

#include <rfb/rfb.h>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace lifeline::testing {

// A busy picture: noise (defeats run-length tricks), flat blocks and thin lines (tight's palette and fill paths).
inline std::uint32_t busy_pixel(int x, int y) {
    if (y < 40) {
        std::uint32_t h = static_cast<std::uint32_t>(x) * 73856093u ^ static_cast<std::uint32_t>(y) * 19349663u;
        h ^= h >> 13;
        h *= 0x5bd1e995u;
        h ^= h >> 15;
        return h & 0x00FFFFFFu;
    }
    if (x % 17 == 0 || y % 23 == 0) return 0x00FFFF00u;
    return ((x / 32 + y / 32) % 2 == 0) ? 0x00204080u : 0x00C0A010u;
}

inline viewer::Framebuffer busy_picture(int width, int height) {
    viewer::Framebuffer picture{width, height, {}};
    picture.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x)
            picture.pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + x] = busy_pixel(x, y);
    }
    return picture;
}

// "" when the pictures are equal, else where they first differ and how many pixels do (for failure messages).
inline std::string picture_difference(const viewer::Framebuffer& got, const viewer::Framebuffer& want) {
    if (got.width != want.width || got.height != want.height || got.pixels.size() != want.pixels.size()) {
        return "size " + std::to_string(got.width) + "x" + std::to_string(got.height) + " instead of " +
               std::to_string(want.width) + "x" + std::to_string(want.height);
    }
    std::size_t first = got.pixels.size(), count = 0;
    for (std::size_t i = 0; i < got.pixels.size(); ++i) {
        if (got.pixels[i] == want.pixels[i]) continue;
        if (count++ == 0) first = i;
    }
    if (count == 0) return {};
    char text[160];
    std::snprintf(text, sizeof text, "%zu pixels differ, the first at (%zu,%zu): %06X instead of %06X", count,
                  first % static_cast<std::size_t>(want.width), first / static_cast<std::size_t>(want.width),
                  got.pixels[first], want.pixels[first]);
    return text;
}

// A libvncserver screen talking to one client over a socketpair, without listening anywhere. libvncserver is
// not thread-safe in this mode, so everything touching the screen runs on the server thread, posted via run().
class TestRfbServer {
public:
    struct Pointer {
        int x, y, mask;
    };
    struct Key {
        std::uint32_t keysym;
        bool down;
    };

    explicit TestRfbServer(const viewer::Framebuffer& picture) {
        rfbLogEnable(0);
        char name[] = "lifeline-test";
        char* argv[] = {name, nullptr};
        int argc = 1;
        screen_ = rfbGetScreen(&argc, argv, picture.width, picture.height, 8, 3, 4);
        screen_->autoPort = FALSE;
        screen_->port = 0;  // no listening socket: the one client arrives through rfbNewClient
        screen_->ipv6port = 0;
        screen_->cursor = nullptr;  // keep libvncserver from drawing a cursor into the picture
        screen_->screenData = this;
        screen_->ptrAddEvent = &TestRfbServer::on_pointer;
        screen_->kbdAddEvent = &TestRfbServer::on_key;
        screen_->setXCutText = &TestRfbServer::on_cut_text;
        storage_ = to_server_format(picture);
        screen_->frameBuffer = reinterpret_cast<char*>(storage_.data());
        rfbInitServer(screen_);

        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");
        client_fd_ = pair[1];
        client_ = rfbNewClient(screen_, pair[0]);  // waits 100 ms for a WebSocket upgrade that never comes
        thread_ = std::thread([this] { loop(); });
    }

    ~TestRfbServer() {
        stop_ = true;
        thread_.join();
        // rfbScreenCleanup frees only open clients; one closed since the last rfbProcessEvents is freed by the next.
        rfbProcessEvents(screen_, 0);
        rfbScreenCleanup(screen_);  // closes the client's socket; the framebuffer is ours
        if (client_fd_ >= 0) ::close(client_fd_);
    }

    TestRfbServer(const TestRfbServer&) = delete;
    TestRfbServer& operator=(const TestRfbServer&) = delete;

    // The other end of the server's socketpair: what a viewer reads, or what a machine tunnels to the relay.
    int take_client_fd() { return std::exchange(client_fd_, -1); }

    // Runs `task` on the server thread and waits for it.
    void run(std::function<void()> task) {
        std::packaged_task<void()> packaged(std::move(task));
        auto done = packaged.get_future();
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(packaged));
        }
        if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            throw std::runtime_error("the RFB server thread is stuck");
        }
        done.get();
    }

    void draw(int x0, int y0, int w, int h, std::uint32_t rgb) {
        run([=, this] {
            for (int y = y0; y < y0 + h; ++y) {
                for (int x = x0; x < x0 + w; ++x)
                    storage_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + x] = convert(rgb);
            }
            rfbMarkRectAsModified(screen_, x0, y0, x0 + w, y0 + h);
        });
    }

    void resize(const viewer::Framebuffer& picture) {
        run([&, this] {
            std::vector<std::uint32_t> next = to_server_format(picture);
            rfbNewFramebuffer(screen_, reinterpret_cast<char*>(next.data()), picture.width, picture.height, 8, 3, 4);
            storage_.swap(next);  // the old pixels go only after libvncserver has let go of them
        });
    }

    void send_clipboard(std::string text) {
        run([&, this] { rfbSendServerCutText(screen_, text.data(), static_cast<int>(text.size())); });
    }

    void close_client() {
        run([this] { rfbCloseClient(client_); });
    }

    std::vector<Pointer> pointers() {
        std::lock_guard lock(mutex_);
        return pointers_;
    }
    std::vector<Key> keys() {
        std::lock_guard lock(mutex_);
        return keys_;
    }
    std::vector<std::string> clipboards() {
        std::lock_guard lock(mutex_);
        return clipboards_;
    }

private:
    std::uint32_t convert(std::uint32_t rgb) const {
        const rfbPixelFormat& f = screen_->serverFormat;
        return ((rgb >> 16) & 0xFF) << f.redShift | ((rgb >> 8) & 0xFF) << f.greenShift | (rgb & 0xFF) << f.blueShift;
    }
    std::vector<std::uint32_t> to_server_format(const viewer::Framebuffer& picture) {
        width_ = picture.width;
        std::vector<std::uint32_t> out(picture.pixels.size());
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = screen_ ? convert(picture.pixels[i]) : 0;
        return out;
    }

    void loop() {
        while (!stop_) {
            rfbProcessEvents(screen_, 2000);
            std::deque<std::packaged_task<void()>> tasks;
            {
                std::lock_guard lock(mutex_);
                tasks.swap(tasks_);
            }
            for (auto& task : tasks)
                task();
        }
    }

    static TestRfbServer& of(rfbClientPtr client) { return *static_cast<TestRfbServer*>(client->screen->screenData); }
    static void on_pointer(int mask, int x, int y, rfbClientPtr client) {
        std::lock_guard lock(of(client).mutex_);
        of(client).pointers_.push_back({x, y, mask});
    }
    static void on_key(rfbBool down, rfbKeySym keysym, rfbClientPtr client) {
        std::lock_guard lock(of(client).mutex_);
        of(client).keys_.push_back({static_cast<std::uint32_t>(keysym), down != 0});
    }
    static void on_cut_text(char* text, int length, rfbClientPtr client) {
        std::lock_guard lock(of(client).mutex_);
        of(client).clipboards_.emplace_back(text, static_cast<std::size_t>(length));
    }

    rfbScreenInfoPtr screen_ = nullptr;
    rfbClientPtr client_ = nullptr;
    std::vector<std::uint32_t> storage_;
    int width_ = 0;
    int client_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::deque<std::packaged_task<void()>> tasks_;
    std::vector<Pointer> pointers_;
    std::vector<Key> keys_;
    std::vector<std::string> clipboards_;
};

}  // namespace lifeline::testing
