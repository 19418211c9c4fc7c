// XGetImage of the root window, converted to 8-bit RGB and encoded by libpng into memory.
#include "agent/machine/screenshot.hpp"

#include "agent/machine/x_channel.hpp"
#include "agent/machine/xlib_setup.hpp"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <png.h>

#include <memory>
#include <vector>

namespace lifeline::agent::machine {

namespace {

// XDestroyImage is a macro, so it cannot be named as a deleter directly.
struct ImageDeleter {
    void operator()(XImage* image) const { XDestroyImage(image); }
};

void append_to_string(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::string*>(png_get_io_ptr(png));
    out->append(reinterpret_cast<const char*>(data), length);
}

core::Error unavailable(std::string message) { return core::make_error(core::Errc::unavailable, std::move(message)); }

}  // namespace

core::Result<std::string> capture_png(const std::string& display_name) {
    ensure_xlib_ready();
    std::unique_ptr<Display, decltype(&::XCloseDisplay)> display(
        ::XOpenDisplay(display_name.empty() ? nullptr : display_name.c_str()), &::XCloseDisplay);
    if (!display) {
        return unavailable("cannot open X display " + (display_name.empty() ? std::string("$DISPLAY") : display_name));
    }
    const int screen = DefaultScreen(display.get());
    const int width = DisplayWidth(display.get(), screen);
    const int height = DisplayHeight(display.get(), screen);
    Visual* visual = DefaultVisual(display.get(), screen);
    if (visual->c_class != TrueColor && visual->c_class != DirectColor) {
        return unavailable("the X display is not true-colour");
    }
    std::unique_ptr<XImage, ImageDeleter> image(::XGetImage(display.get(), DefaultRootWindow(display.get()), 0, 0,
                                                            static_cast<unsigned>(width), static_cast<unsigned>(height),
                                                            AllPlanes, ZPixmap));
    if (!image) return unavailable("the X server refused to hand over the screen image");

    const ChannelMask red(image->red_mask), green(image->green_mask), blue(image->blue_mask);
    std::vector<unsigned char> rgb(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    for (int y = 0; y < height; ++y) {
        unsigned char* row = rgb.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
        for (int x = 0; x < width; ++x) {
            unsigned long pixel = XGetPixel(image.get(), x, y);
            row[x * 3] = static_cast<unsigned char>(red.to_8bit(pixel));
            row[x * 3 + 1] = static_cast<unsigned char>(green.to_8bit(pixel));
            row[x * 3 + 2] = static_cast<unsigned char>(blue.to_8bit(pixel));
        }
    }

    std::string out;
    png_structp png = ::png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? ::png_create_info_struct(png) : nullptr;
    if (png == nullptr || info == nullptr) {
        ::png_destroy_write_struct(&png, &info);
        return core::make_error(core::Errc::unavailable, "libpng could not start");
    }
    // libpng reports errors by longjmp; nothing with a destructor is created between here and the end.
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y)
        rows[static_cast<std::size_t>(y)] =
            rgb.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
    if (setjmp(png_jmpbuf(png))) {
        ::png_destroy_write_struct(&png, &info);
        return core::make_error(core::Errc::unavailable, "PNG encoding failed");
    }
    ::png_set_write_fn(png, &out, &append_to_string, nullptr);
    ::png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
                   PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    // Screens are mostly flat colour: a fast level compresses them nearly as well as the slowest.
    ::png_set_compression_level(png, 3);
    ::png_write_info(png, info);
    ::png_write_image(png, rows.data());
    ::png_write_end(png, nullptr);
    ::png_destroy_write_struct(&png, &info);
    return out;
}

}  // namespace lifeline::agent::machine
