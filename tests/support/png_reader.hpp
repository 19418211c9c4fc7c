// Reads the PNGs the programs under test write (screenshots) back into pixels.
#pragma once

#include "viewer/core/rfb_client.hpp"

#include <png.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lifeline::testing {

// Decodes an 8-bit RGB or RGBA PNG with libpng into 0x00RRGGBB pixels.
inline viewer::Framebuffer read_png(const std::string& path) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path.c_str())) throw std::runtime_error("not a PNG: " + path);
    image.format = PNG_FORMAT_RGB;
    std::vector<png_byte> rgb(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) throw std::runtime_error("bad PNG: " + path);
    viewer::Framebuffer picture{static_cast<int>(image.width), static_cast<int>(image.height), {}};
    picture.pixels.resize(static_cast<std::size_t>(image.width) * image.height);
    for (std::size_t i = 0; i < picture.pixels.size(); ++i) {
        picture.pixels[i] = std::uint32_t{rgb[3 * i]} << 16 | std::uint32_t{rgb[3 * i + 1]} << 8 | rgb[3 * i + 2];
    }
    return picture;
}

}  // namespace lifeline::testing
