// Pixel conversion: a fast path for 32-bit images in host byte order, XGetPixel for everything else.
#include "agent/screen/pixel_format.hpp"

#include <X11/Xutil.h>

#include <bit>
#include <cstring>

namespace lifeline::agent::screen {

PixelConverter::PixelConverter(unsigned long red_mask, unsigned long green_mask, unsigned long blue_mask,
                               FrameLayout layout)
    : red_(red_mask),
      green_(green_mask),
      blue_(blue_mask),
      layout_(layout),
      all_8bit_(red_.bits == 8 && green_.bits == 8 && blue_.bits == 8) {}

std::uint32_t PixelConverter::convert(unsigned long pixel) const {
    if (all_8bit_) {
        return ((static_cast<std::uint32_t>(pixel >> red_.shift) & 0xff) << layout_.red_shift) |
               ((static_cast<std::uint32_t>(pixel >> green_.shift) & 0xff) << layout_.green_shift) |
               ((static_cast<std::uint32_t>(pixel >> blue_.shift) & 0xff) << layout_.blue_shift);
    }
    return (red_.to_8bit(pixel) << layout_.red_shift) | (green_.to_8bit(pixel) << layout_.green_shift) |
           (blue_.to_8bit(pixel) << layout_.blue_shift);
}

void PixelConverter::convert_image(const XImage& image, std::uint32_t* out, std::size_t out_stride) const {
    const int host_order = std::endian::native == std::endian::little ? LSBFirst : MSBFirst;
    const auto width = static_cast<std::size_t>(image.width);
    const bool same_layout =
        red_.shift == layout_.red_shift && green_.shift == layout_.green_shift && blue_.shift == layout_.blue_shift;
    if (image.bits_per_pixel == 32 && image.byte_order == host_order && all_8bit_ && same_layout) {
        // The framebuffer takes the visual's layout: the bits beyond the channels are the viewer's to ignore.
        for (int y = 0; y < image.height; ++y) {
            std::memcpy(out + static_cast<std::size_t>(y) * out_stride,
                        image.data + static_cast<std::size_t>(y) * static_cast<std::size_t>(image.bytes_per_line),
                        width * sizeof(std::uint32_t));
        }
        return;
    }
    if (image.bits_per_pixel == 32 && image.byte_order == host_order && all_8bit_) {
        // The shifts in locals: stores through `dest` may alias the members, which would otherwise be reloaded
        // for every pixel and keep the loop from being vectorised (it converts every captured pixel).
        const unsigned red_in = static_cast<unsigned>(red_.shift), red_out = static_cast<unsigned>(layout_.red_shift);
        const unsigned green_in = static_cast<unsigned>(green_.shift);
        const unsigned green_out = static_cast<unsigned>(layout_.green_shift);
        const unsigned blue_in = static_cast<unsigned>(blue_.shift);
        const unsigned blue_out = static_cast<unsigned>(layout_.blue_shift);
        for (int y = 0; y < image.height; ++y) {
            const char* row = image.data + static_cast<std::size_t>(y) * static_cast<std::size_t>(image.bytes_per_line);
            std::uint32_t* dest = out + static_cast<std::size_t>(y) * out_stride;
            for (std::size_t x = 0; x < width; ++x) {
                std::uint32_t pixel;
                std::memcpy(&pixel, row + x * 4, sizeof pixel);  // rows need not be 4-byte aligned
                dest[x] = (((pixel >> red_in) & 0xffu) << red_out) | (((pixel >> green_in) & 0xffu) << green_out) |
                          (((pixel >> blue_in) & 0xffu) << blue_out);
            }
        }
        return;
    }
    if (image.bits_per_pixel == 32 && image.byte_order == host_order) {
        for (int y = 0; y < image.height; ++y) {
            const char* row = image.data + static_cast<std::size_t>(y) * static_cast<std::size_t>(image.bytes_per_line);
            std::uint32_t* dest = out + static_cast<std::size_t>(y) * out_stride;
            for (std::size_t x = 0; x < width; ++x) {
                std::uint32_t pixel;
                std::memcpy(&pixel, row + x * 4, sizeof pixel);  // rows need not be 4-byte aligned
                dest[x] = convert(pixel);
            }
        }
        return;
    }
    // 16- and 24-bit visuals or a foreign byte order: rare enough that Xlib's generic accessor will do.
    auto& mutable_image = const_cast<XImage&>(image);  // XGetPixel takes a non-const image but only reads it
    for (int y = 0; y < image.height; ++y) {
        std::uint32_t* dest = out + static_cast<std::size_t>(y) * out_stride;
        for (int x = 0; x < image.width; ++x)
            dest[x] = convert(XGetPixel(&mutable_image, x, y));
    }
}

FrameLayout frame_layout(const Visual* visual) {
    const machine::ChannelMask red(visual->red_mask), green(visual->green_mask), blue(visual->blue_mask);
    if (red.bits == 8 && green.bits == 8 && blue.bits == 8) return FrameLayout{red.shift, green.shift, blue.shift};
    if constexpr (std::endian::native == std::endian::little) return FrameLayout{0, 8, 16};
    return FrameLayout{24, 16, 8};
}

}  // namespace lifeline::agent::screen
