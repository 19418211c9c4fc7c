// libvncserver's C hooks (its log, Xlib's I/O error handler) and the cursor in the form libvncserver frees.
#include "agent/screen/rfb_glue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace lifeline::agent::screen {

namespace {

// libvncserver's log lines, to spdlog. Its errors are mostly the reason a viewer went away, so the
// loop thread keeps the last one to report it.
thread_local std::string t_last_rfb_error;

[[gnu::format(printf, 1, 0)]] std::string format_rfb(const char* format, va_list args) {
    char buffer[512];
    const int length = std::vsnprintf(buffer, sizeof buffer, format, args);
    if (length < 0) return {};
    std::string text(buffer, std::min<std::size_t>(static_cast<std::size_t>(length), sizeof buffer - 1));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.pop_back();
    return text;
}

[[gnu::format(printf, 1, 2)]] void log_rfb(const char* format, ...) {
    try {
        va_list args;
        va_start(args, format);
        const std::string text = format_rfb(format, args);
        va_end(args);
        spdlog::debug("agent: screen: libvncserver: {}", text);
    } catch (...) {  // nothing may escape into C
    }
}

[[gnu::format(printf, 1, 2)]] void err_rfb(const char* format, ...) {
    try {
        va_list args;
        va_start(args, format);
        std::string text = format_rfb(format, args);
        va_end(args);
        // rfbNewClient tries TCP_NODELAY on every socket; ours is a socketpair, so that always fails.
        if (text.find("TCP_NODELAY") != std::string::npos) {
            spdlog::debug("agent: screen: libvncserver: {}", text);
            return;
        }
        spdlog::info("agent: screen: libvncserver: {}", text);
        t_last_rfb_error = std::move(text);
    } catch (...) {
    }
}

// Xlib's default I/O error handler exit()s before a display's exit handler gets a say. This one only
// logs, so that each display's exit handler decides: ours ends the session, the default still exits.
int log_x_io_error(Display* display) {
    try {
        spdlog::warn("agent: screen: lost the connection to X display {}", DisplayString(display));
    } catch (...) {
    }
    return 0;
}

}  // namespace

std::string& last_rfb_error() { return t_last_rfb_error; }

void install_process_hooks() {
    static std::once_flag once;
    std::call_once(once, [] {
        rfbLog = &log_rfb;
        rfbErr = &err_rfb;
        ::XSetIOErrorHandler(&log_x_io_error);
    });
}

rfbCursor* make_rfb_cursor(const CursorImage& image, const FrameLayout& layout) {
    if (image.width <= 0 || image.height <= 0 || image.width > kMaxCursorSide || image.height > kMaxCursorSide) {
        return nullptr;
    }
    const auto w = static_cast<std::size_t>(image.width);
    const auto h = static_cast<std::size_t>(image.height);
    if (image.argb.size() < w * h) return nullptr;
    const std::size_t mask_stride = (w + 7) / 8;
    // libvncserver frees what it is told to with free(), the cursor itself included.
    auto* cursor = static_cast<rfbCursor*>(std::calloc(1, sizeof(rfbCursor)));
    auto* rich = static_cast<unsigned char*>(std::calloc(w * h, 4));
    auto* alpha = static_cast<unsigned char*>(std::calloc(w * h, 1));
    auto* mask = static_cast<unsigned char*>(std::calloc(mask_stride * h, 1));
    if (cursor == nullptr || rich == nullptr || alpha == nullptr || mask == nullptr) {
        std::free(cursor);
        std::free(rich);
        std::free(alpha);
        std::free(mask);
        return nullptr;
    }
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            const std::size_t i = y * w + x;
            const std::uint32_t argb = image.argb[i];
            const std::uint32_t a = argb >> 24;
            const std::uint32_t pixel = (((argb >> 16) & 0xff) << layout.red_shift) |
                                        (((argb >> 8) & 0xff) << layout.green_shift) |
                                        ((argb & 0xff) << layout.blue_shift);
            std::memcpy(rich + i * 4, &pixel, 4);
            alpha[i] = static_cast<unsigned char>(a);
            // Viewers that take a cursor shape get a 1-bit mask: half-transparent counts as there.
            if (a >= 0x80) mask[y * mask_stride + x / 8] |= static_cast<unsigned char>(0x80 >> (x % 8));
        }
    }
    cursor->width = static_cast<unsigned short>(w);
    cursor->height = static_cast<unsigned short>(h);
    cursor->xhot = static_cast<unsigned short>(std::clamp(image.xhot, 0, image.width - 1));
    cursor->yhot = static_cast<unsigned short>(std::clamp(image.yhot, 0, image.height - 1));
    cursor->richSource = rich;
    cursor->alphaSource = alpha;
    cursor->alphaPreMultiplied = TRUE;  // XFixes hands out premultiplied ARGB
    cursor->mask = mask;
    cursor->source = nullptr;  // made from richSource when a viewer wants an X-style cursor
    cursor->cleanup = TRUE;
    cursor->cleanupRichSource = TRUE;
    cursor->cleanupMask = TRUE;
    cursor->cleanupSource = TRUE;
    return cursor;
}

}  // namespace lifeline::agent::screen
