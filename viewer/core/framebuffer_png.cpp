// write_png: a Framebuffer as an 8-bit RGB PNG file (libpng), for the headless viewer's --screenshot.
#include "viewer/core/rfb_client.hpp"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>
#include <vector>

namespace lifeline::viewer {

core::Result<void> write_png(const Framebuffer& framebuffer, const std::string& path) {
    const int width = framebuffer.width;
    const int height = framebuffer.height;
    if (width <= 0 || height <= 0 ||
        framebuffer.pixels.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height)) {
        return core::make_error(core::Errc::invalid_argument, "the framebuffer is empty or its size is inconsistent");
    }
    std::vector<unsigned char> rgb(framebuffer.pixels.size() * 3);
    for (std::size_t i = 0; i < framebuffer.pixels.size(); ++i) {
        const std::uint32_t pixel = framebuffer.pixels[i];
        rgb[i * 3] = static_cast<unsigned char>(pixel >> 16);
        rgb[i * 3 + 1] = static_cast<unsigned char>(pixel >> 8);
        rgb[i * 3 + 2] = static_cast<unsigned char>(pixel);
    }
    std::vector<png_bytep> rows(static_cast<std::size_t>(height));
    for (std::size_t y = 0; y < rows.size(); ++y)
        rows[y] = rgb.data() + y * static_cast<std::size_t>(width) * 3;

    std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file)
        return core::make_error(core::Errc::unavailable,
                                "cannot create " + path + ": " + std::system_category().message(errno));
    png_structp png = ::png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? ::png_create_info_struct(png) : nullptr;
    if (png == nullptr || info == nullptr) {
        ::png_destroy_write_struct(&png, &info);
        return core::make_error(core::Errc::unavailable, "libpng could not start");
    }
    // libpng reports errors (a full disk included) by longjmp; everything with a destructor exists by now.
    if (setjmp(png_jmpbuf(png))) {
        ::png_destroy_write_struct(&png, &info);
        file.reset();
        std::remove(path.c_str());
        return core::make_error(core::Errc::unavailable, "writing the PNG " + path + " failed");
    }
    ::png_init_io(png, file.get());
    ::png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
                   PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    // Screens are mostly flat colour: a fast level compresses them nearly as well as the slowest.
    ::png_set_compression_level(png, 3);
    ::png_write_info(png, info);
    ::png_write_image(png, rows.data());
    ::png_write_end(png, nullptr);
    ::png_destroy_write_struct(&png, &info);
    if (std::fclose(file.release()) != 0) {
        std::remove(path.c_str());
        return core::make_error(core::Errc::unavailable,
                                "cannot finish " + path + ": " + std::system_category().message(errno));
    }
    return {};
}

}  // namespace lifeline::viewer
