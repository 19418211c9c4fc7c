// PixelConverter on X images made in memory: the copy when the framebuffer takes the visual's layout, channels
// moved when it does not, and 16-bit pixels widened to 8 bits a channel.
#include "agent/screen/pixel_format.hpp"

#include <X11/Xutil.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lifeline::agent::screen {
namespace {

// An image over `data`, in host byte order, rows `row_bytes` apart: all convert_image reads.
XImage image_over(std::vector<char>& data, int width, int height, int bits_per_pixel, int row_bytes) {
    XImage image{};
    image.width = width;
    image.height = height;
    image.format = ZPixmap;
    image.data = data.data();
    image.byte_order = std::endian::native == std::endian::little ? LSBFirst : MSBFirst;
    image.bitmap_unit = 32;
    image.bitmap_bit_order = image.byte_order;
    image.bitmap_pad = 32;
    image.depth = bits_per_pixel == 32 ? 24 : 16;
    image.bits_per_pixel = bits_per_pixel;
    image.bytes_per_line = row_bytes;
    EXPECT_NE(XInitImage(&image), 0);  // the accessors the generic path uses
    return image;
}

std::vector<char> pixels32(const std::vector<std::uint32_t>& values, int width, int row_bytes) {
    const int height = static_cast<int>(values.size()) / width;
    std::vector<char> data(static_cast<std::size_t>(row_bytes) * height, 0x55);  // padding a copy must skip
    for (int y = 0; y < height; ++y)
        std::memcpy(data.data() + static_cast<std::size_t>(y) * row_bytes, values.data() + y * width,
                    static_cast<std::size_t>(width) * 4);
    return data;
}

TEST(PixelConverterTest, TheVisualsOwnLayoutIsCopiedRowByRow) {
    const std::vector<std::uint32_t> values{0x112233, 0xff0000, 0x00ff00, 0x0000ff, 0xabcdef, 0x010203};
    auto data = pixels32(values, 3, 16);  // rows of 12 bytes padded to 16
    const XImage image = image_over(data, 3, 2, 32, 16);
    const PixelConverter converter(0xff0000, 0x00ff00, 0x0000ff, FrameLayout{16, 8, 0});
    std::vector<std::uint32_t> out(8, 0);  // a framebuffer 4 pixels wide
    converter.convert_image(image, out.data(), 4);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0x112233, 0xff0000, 0x00ff00, 0, 0x0000ff, 0xabcdef, 0x010203, 0}));
}

TEST(PixelConverterTest, AnotherLayoutMovesTheChannels) {
    auto data = pixels32({0x112233, 0xff0000, 0x00ff00, 0x0000ff}, 4, 16);
    const XImage image = image_over(data, 4, 1, 32, 16);
    const PixelConverter converter(0xff0000, 0x00ff00, 0x0000ff, FrameLayout{0, 8, 16});
    std::vector<std::uint32_t> out(4, 0);
    converter.convert_image(image, out.data(), 4);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0x332211, 0x0000ff, 0x00ff00, 0xff0000}));
}

TEST(PixelConverterTest, SixteenBitPixelsAreWidenedToEightBitsAChannel) {
    // 5-6-5: white, pure red, pure green, pure blue.
    const std::uint16_t values[] = {0xffff, 0xf800, 0x07e0, 0x001f};
    std::vector<char> data(8);
    std::memcpy(data.data(), values, sizeof values);
    const XImage image = image_over(data, 4, 1, 16, 8);
    const PixelConverter converter(0xf800, 0x07e0, 0x001f, FrameLayout{0, 8, 16});
    std::vector<std::uint32_t> out(4, 0);
    converter.convert_image(image, out.data(), 4);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0xffffff, 0x0000ff, 0x00ff00, 0xff0000}));
}

TEST(FrameLayoutTest, EightBitChannelsStayWhereTheVisualHasThem) {
    Visual bgr{};  // the usual 24-bit TrueColor visual
    bgr.red_mask = 0xff0000;
    bgr.green_mask = 0x00ff00;
    bgr.blue_mask = 0x0000ff;
    const FrameLayout same = frame_layout(&bgr);
    EXPECT_EQ(same.red_shift, 16);
    EXPECT_EQ(same.green_shift, 8);
    EXPECT_EQ(same.blue_shift, 0);

    Visual rgb565{};  // narrower channels: libvncserver's own layout, the grab converts
    rgb565.red_mask = 0xf800;
    rgb565.green_mask = 0x07e0;
    rgb565.blue_mask = 0x001f;
    const FrameLayout own = frame_layout(&rgb565);
    if constexpr (std::endian::native == std::endian::little) {
        EXPECT_EQ(own.red_shift, 0);
        EXPECT_EQ(own.green_shift, 8);
        EXPECT_EQ(own.blue_shift, 16);
    }
}

}  // namespace
}  // namespace lifeline::agent::screen
