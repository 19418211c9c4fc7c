// lifeline-bench-workload: an X client that animates the screen like a busy office desktop at a fixed frame rate
// (a moving gradient band, a scrolling document), stamps every frame's number into four corner markers, and
// repaints a probe square whenever the pointer moves. Plain Xlib; `lifeline-bench session` reads it back.
//
// The picture's layout is a contract with tests/bench/session_bench.cpp (namespace layout there):
//  - four markers, each 24 blocks of 16x16 in a row: bits 23..8 the frame number (mod 65536), bits 7..0
//    hi ^ lo ^ 0xA5 as a check; a set bit is black, a clear one white. Top-left block at (12, 12),
//    (W - 396, 12), (12, H - 28) and (W - 396, H - 28);
//  - the probe, 64x64 at (W - 160, H/2 - 32), rgb(x & 255, 255 - (x & 255), 128) for the pointer's last x.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMarkerBits = 24;
constexpr int kBlock = 16;
constexpr int kMarkerInset = 12;
constexpr int kProbeSide = 64;
constexpr int kBandTop = 48;
constexpr int kBandHeight = 300;
constexpr int kBandPeriod = 512;  // the gradient repeats every this many pixels
constexpr int kBandStep = 8;      // pixels the band moves per frame
constexpr int kLineHeight = 16;
constexpr int kScrollStep = 4;  // pixels the document scrolls per frame

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

struct Options {
    std::string display;
    double fps = 30;
    double seconds = 0;  // 0: until SIGTERM or SIGINT
};

bool parse(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--display" && has_value) {
            options.display = argv[++i];
        } else if (arg == "--fps" && has_value) {
            options.fps = std::atof(argv[++i]);
        } else if (arg == "--seconds" && has_value) {
            options.seconds = std::atof(argv[++i]);
        } else {
            return false;
        }
    }
    return options.fps > 0 && options.fps <= 240 && options.seconds >= 0;
}

std::uint32_t probe_colour(int x) {
    const auto r = static_cast<std::uint32_t>(x) & 0xffu;
    return (r << 16) | ((255u - r) << 8) | 0x80u;
}

// A hue wheel along x, darker towards the bottom: smooth, so lossy encoders have something realistic to chew on.
std::uint32_t gradient(int x, int y) {
    const double angle = 2.0 * M_PI * static_cast<double>(x % kBandPeriod) / kBandPeriod;
    const double light = 1.0 - 0.5 * static_cast<double>(y) / kBandHeight;
    auto channel = [&](double phase) {
        return static_cast<std::uint32_t>(std::lround(light * (127.5 + 127.5 * std::sin(angle + phase))));
    };
    return (channel(0) << 16) | (channel(2.0944) << 8) | channel(4.1888);
}

const char* const kCustomers[] = {"ACME Corp",   "Globex Ltd",   "Initech",      "Umbrella plc",
                                  "Stark Ind.",  "Wayne Ent.",   "Hooli",        "Vandelay Imp.",
                                  "Soylent Co.", "Tyrell Corp.", "Cyberdyne AG", "Wonka GmbH"};

std::string document_line(long index) {
    char line[160];
    const long seconds = 8 * 3600 + index * 7;
    std::snprintf(line, sizeof line,
                  "%06ld  2026-11-23 %02ld:%02ld:%02ld  INV-%05ld  %-14s  posted to ledger 4%03ld   EUR %7ld.%02ld   "
                  "approved by m.keller",
                  index, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60, 10000 + index, kCustomers[index % 12],
                  index * 37 % 1000, index * 7919 % 100000, index * 13 % 100);
    return line;
}

class Workload {
public:
    Workload(Display* display, const Options& options) : d_(display), options_(options) {
        const int screen = DefaultScreen(d_);
        width_ = DisplayWidth(d_, screen);
        height_ = DisplayHeight(d_, screen);
        visual_ = DefaultVisual(d_, screen);
        depth_ = DefaultDepth(d_, screen);
        XSetWindowAttributes attributes{};
        attributes.override_redirect = True;
        attributes.background_pixel = pixel(0x3a6ea5);
        attributes.event_mask = PointerMotionMask | ExposureMask;
        window_ = XCreateWindow(d_, RootWindow(d_, screen), 0, 0, static_cast<unsigned>(width_),
                                static_cast<unsigned>(height_), 0, CopyFromParent, InputOutput, CopyFromParent,
                                CWOverrideRedirect | CWBackPixel | CWEventMask, &attributes);
        gc_ = XCreateGC(d_, window_, 0, nullptr);
        font_ = XLoadQueryFont(d_, "fixed");
        if (font_ != nullptr) XSetFont(d_, gc_, font_->fid);
        make_band();
        document_ = {244, 408, 1192, 584};
        XMapRaised(d_, window_);
        XSync(d_, False);
    }

    ~Workload() {
        if (band_ != nullptr) XDestroyImage(band_);  // frees the pixels too
        if (font_ != nullptr) XFreeFont(d_, font_);
        XFreeGC(d_, gc_);
        XDestroyWindow(d_, window_);
    }
    Workload(const Workload&) = delete;
    Workload& operator=(const Workload&) = delete;

    int run() {
        paint_desktop();
        Window root = None, child = None;
        int x = 0, y = 0, wx = 0, wy = 0;
        unsigned mask = 0;
        XQueryPointer(d_, window_, &root, &child, &x, &y, &wx, &wy, &mask);
        paint_probe(x);
        XSync(d_, False);

        const auto period =
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options_.fps));
        const auto started = Clock::now();
        auto next = started;
        std::uint32_t frame = 0;
        long late = 0;
        while (g_stop == 0) {
            if (options_.seconds > 0 && Clock::now() - started >= std::chrono::duration<double>(options_.seconds))
                break;
            ++frame;
            draw_frame(frame);
            XSync(d_, False);
            next += period;
            if (Clock::now() > next + period) {
                ++late;  // fell behind by more than a frame: skip ahead rather than draw a burst
                next = Clock::now();
            }
            wait_until(next);
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        std::fprintf(stderr, "lifeline-bench-workload: %u frames in %.1f s (%.1f/s), %ld late, %ld probe repaints\n",
                     frame, elapsed, frame / std::max(elapsed, 1e-9), late, probe_repaints_);
        return 0;
    }

private:
    struct Area {
        int x, y, width, height;
    };

    unsigned long pixel(std::uint32_t rgb) const {
        // TrueColor: place each 8-bit channel under its mask.
        auto place = [](std::uint32_t value, unsigned long mask) {
            if (mask == 0) return 0ul;
            int shift = 0;
            while (((mask >> shift) & 1ul) == 0)
                ++shift;
            int bits = 0;
            while (((mask >> (shift + bits)) & 1ul) != 0)
                ++bits;
            const unsigned long scaled = bits >= 8 ? value << (bits - 8) : value >> (8 - bits);
            return (scaled << shift) & mask;
        };
        return place((rgb >> 16) & 0xff, visual_->red_mask) | place((rgb >> 8) & 0xff, visual_->green_mask) |
               place(rgb & 0xff, visual_->blue_mask);
    }

    void fill(std::uint32_t rgb, int x, int y, int w, int h) {
        XSetForeground(d_, gc_, pixel(rgb));
        XFillRectangle(d_, window_, gc_, x, y, static_cast<unsigned>(w), static_cast<unsigned>(h));
    }

    void text(std::uint32_t rgb, int x, int baseline, const std::string& s) {
        XSetForeground(d_, gc_, pixel(rgb));
        XDrawString(d_, window_, gc_, x, baseline, s.c_str(), static_cast<int>(s.size()));
    }

    void make_band() {
        const int w = width_ + kBandPeriod;
        band_ = XCreateImage(d_, visual_, static_cast<unsigned>(depth_), ZPixmap, 0, nullptr, static_cast<unsigned>(w),
                             kBandHeight, 32, 0);
        band_->data = static_cast<char*>(std::malloc(static_cast<std::size_t>(band_->bytes_per_line) * kBandHeight));
        for (int y = 0; y < kBandHeight; ++y)
            for (int x = 0; x < w; ++x)
                XPutPixel(band_, x, y, pixel(gradient(x, y)));
    }

    // A window title bar with its text.
    void window_frame(const Area& a, const char* title) {
        fill(0x808080, a.x - 1, a.y - 1, a.width + 2, a.height + 2);
        fill(0xd4d0c8, a.x, a.y, a.width, a.height);
        fill(0x0a246a, a.x + 3, a.y + 3, a.width - 6, 20);
        text(0xffffff, a.x + 10, a.y + 17, title);
    }

    // What does not move: wallpaper, desktop icons, the taskbar, a document window and a chat window.
    void paint_desktop() {
        fill(0x3a6ea5, 0, 0, width_, height_);
        const char* const icons[] = {"Computer", "Documents", "Mail", "Ledger", "Recycle Bin"};
        for (int i = 0; i < 5; ++i) {
            const int y = kBandTop + kBandHeight + 40 + i * 110;
            fill(0xf0e68c, 60, y, 48, 40);
            fill(0x8b7500, 60, y + 40, 48, 8);
            text(0xffffff, 52, y + 66, icons[i]);
        }
        fill(0xd4d0c8, 0, height_ - 40, width_, 40);
        fill(0xffffff, 0, height_ - 40, width_, 1);
        fill(0x3c8d2f, 420, height_ - 36, 70, 32);
        text(0xffffff, 436, height_ - 15, "Start");
        text(0x000000, width_ - 620, height_ - 15, "09:41   EN   Wi-Fi   100%");

        window_frame(Area{document_.x - 4, document_.y - 28, document_.width + 8, document_.height + 32},
                     "ledger-export.log - Text Editor");
        fill(0xffffff, document_.x, document_.y, document_.width, document_.height);
        for (int row = 0; row * kLineHeight < document_.height; ++row)
            draw_document_line(row);

        const Area chat{width_ - 440, document_.y - 28, 400, document_.height + 32};
        window_frame(chat, "Team chat");
        fill(0xffffff, chat.x + 4, chat.y + 28, chat.width - 8, chat.height - 32);
        const char* const messages[] = {"anna: the Q3 numbers are in the ledger", "ben: thanks, checking now",
                                        "anna: invoice run starts at 10", "carl: printer on 2nd floor is out again",
                                        "ben: @carl ticket opened"};
        for (int i = 0; i < 5; ++i)
            text(0x202020, chat.x + 14, chat.y + 300 + i * 20, messages[i]);
        text(0x202020, width_ - 160, height_ / 2 - 44, "pointer probe");
    }

    // Line `index` of the endless document, where the current scroll position puts it.
    void draw_document_line(long index) {
        const int top = static_cast<int>(index * kLineHeight - scroll_);
        if (top + kLineHeight <= 0 || top >= document_.height) return;
        text(index % 5 == 0 ? 0x0a246a : 0x000000, document_.x + 8, document_.y + top + 12, document_line(index));
    }

    void draw_markers(std::uint32_t frame) {
        const std::uint32_t counter = frame & 0xffffu;
        const std::uint32_t check = (counter >> 8) ^ (counter & 0xffu) ^ 0xa5u;
        const std::uint32_t value = (counter << 8) | check;
        const int right = width_ - kMarkerInset - kMarkerBits * kBlock;
        const int bottom = height_ - kMarkerInset - kBlock;
        const std::array<std::pair<int, int>, 4> origins{
            {{kMarkerInset, kMarkerInset}, {right, kMarkerInset}, {kMarkerInset, bottom}, {right, bottom}}};
        std::vector<XRectangle> black, white;
        for (const auto& [ox, oy] : origins) {
            for (int bit = 0; bit < kMarkerBits; ++bit) {
                const XRectangle block{static_cast<short>(ox + bit * kBlock), static_cast<short>(oy), kBlock, kBlock};
                ((value >> (kMarkerBits - 1 - bit)) & 1u ? black : white).push_back(block);
            }
        }
        XSetForeground(d_, gc_, pixel(0x000000));
        XFillRectangles(d_, window_, gc_, black.data(), static_cast<int>(black.size()));
        XSetForeground(d_, gc_, pixel(0xffffff));
        XFillRectangles(d_, window_, gc_, white.data(), static_cast<int>(white.size()));
    }

    void draw_frame(std::uint32_t frame) {
        // The band slides left.
        const int shift = static_cast<int>((frame * kBandStep) % kBandPeriod);
        XPutImage(d_, window_, gc_, band_, shift, 0, 0, kBandTop, static_cast<unsigned>(width_), kBandHeight);
        // The document scrolls up; only the strip that comes into view is drawn anew.
        scroll_ += kScrollStep;
        XCopyArea(d_, window_, window_, gc_, document_.x, document_.y + kScrollStep,
                  static_cast<unsigned>(document_.width), static_cast<unsigned>(document_.height - kScrollStep),
                  document_.x, document_.y);
        const int strip = kLineHeight + kScrollStep;
        fill(0xffffff, document_.x, document_.y + document_.height - strip, document_.width, strip);
        XRectangle clip{static_cast<short>(document_.x), static_cast<short>(document_.y + document_.height - strip),
                        static_cast<unsigned short>(document_.width), static_cast<unsigned short>(strip)};
        XSetClipRectangles(d_, gc_, 0, 0, &clip, 1, Unsorted);
        const long first = (scroll_ + document_.height - strip) / kLineHeight;
        for (long index = first; index <= first + 2; ++index)
            draw_document_line(index);
        XSetClipMask(d_, gc_, None);
        draw_markers(frame);
    }

    void paint_probe(int x) {
        fill(probe_colour(x), width_ - 160, height_ / 2 - kProbeSide / 2, kProbeSide, kProbeSide);
    }

    // Sleeps until `deadline`, answering pointer motion at once.
    void wait_until(Clock::time_point deadline) {
        for (;;) {
            handle_events();
            const auto left = deadline - Clock::now();
            if (left <= Clock::duration::zero() || g_stop != 0) return;
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
            const timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
            pollfd fd{ConnectionNumber(d_), POLLIN, 0};
            if (::ppoll(&fd, 1, &timeout, nullptr) < 0 && errno != EINTR) return;
        }
    }

    void handle_events() {
        int last_x = -1;
        bool expose = false;
        while (XPending(d_) > 0) {
            XEvent event;
            XNextEvent(d_, &event);
            if (event.type == MotionNotify) last_x = event.xmotion.x_root;
            if (event.type == Expose) expose = true;
        }
        if (expose) paint_desktop();
        if (last_x >= 0) {
            paint_probe(last_x);
            ++probe_repaints_;
        }
        if (last_x >= 0 || expose) XFlush(d_);
    }

    Display* d_;
    Options options_;
    int width_ = 0, height_ = 0, depth_ = 0;
    Visual* visual_ = nullptr;
    Window window_ = None;
    GC gc_ = nullptr;
    XFontStruct* font_ = nullptr;
    XImage* band_ = nullptr;
    Area document_{};
    long scroll_ = 0;
    long probe_repaints_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr, "usage: lifeline-bench-workload [--display :N] [--fps 30] [--seconds S]\n");
        return 2;
    }
    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    // The X server may still be starting: give it a few seconds.
    Display* display = nullptr;
    const auto give_up = Clock::now() + std::chrono::seconds(10);
    while ((display = XOpenDisplay(options.display.empty() ? nullptr : options.display.c_str())) == nullptr &&
           Clock::now() < give_up && g_stop == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (display == nullptr) {
        std::fprintf(stderr, "lifeline-bench-workload: cannot open display %s\n", options.display.c_str());
        return 1;
    }
    int result = 0;
    {
        Workload workload(display, options);
        if (DisplayWidth(display, DefaultScreen(display)) < 1280 ||
            DisplayHeight(display, DefaultScreen(display)) < 720) {
            std::fprintf(stderr, "lifeline-bench-workload: the screen is smaller than 1280x720\n");
            result = 1;
        } else {
            result = workload.run();
        }
    }
    XCloseDisplay(display);
    return result;
}
