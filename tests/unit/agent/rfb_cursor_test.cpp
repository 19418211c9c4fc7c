// The cursor shape as libvncserver takes it: pixels in the framebuffer's layout, alpha kept, a 1-bit mask from
// alpha, the hot spot inside the image, and nothing at all for a shape it should not be sent.
#include "agent/screen/rfb_glue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace lifeline::agent::screen {
namespace {

struct CursorFree {
    void operator()(rfbCursor* cursor) const { rfbFreeCursor(cursor); }
};
using CursorPtr = std::unique_ptr<rfbCursor, CursorFree>;

std::uint32_t pixel_at(const rfbCursor& cursor, int x, int y) {
    std::uint32_t pixel = 0;
    std::memcpy(&pixel, cursor.richSource + (static_cast<std::size_t>(y) * cursor.width + x) * 4, 4);
    return pixel;
}

bool mask_bit(const rfbCursor& cursor, int x, int y) {
    const int stride = (cursor.width + 7) / 8;
    return (cursor.mask[y * stride + x / 8] & (0x80 >> (x % 8))) != 0;
}

TEST(RfbCursorTest, PixelsFollowTheLayoutAndHalfTransparentCountsAsThere) {
    CursorImage image;
    image.width = 9;  // a mask row of two bytes
    image.height = 2;
    image.xhot = 4;
    image.yhot = 1;
    image.argb.assign(18, 0);
    image.argb[0] = 0xff112233;   // opaque
    image.argb[8] = 0x80402010;   // half transparent, premultiplied
    image.argb[17] = 0x7f010101;  // just under half
    const CursorPtr cursor(make_rfb_cursor(image, FrameLayout{0, 8, 16}));
    ASSERT_NE(cursor, nullptr);
    EXPECT_EQ(cursor->width, 9);
    EXPECT_EQ(cursor->height, 2);
    EXPECT_EQ(cursor->xhot, 4);
    EXPECT_EQ(cursor->yhot, 1);
    EXPECT_EQ(pixel_at(*cursor, 0, 0), 0x332211u);  // red at shift 0
    EXPECT_EQ(pixel_at(*cursor, 8, 0), 0x102040u);
    EXPECT_EQ(cursor->alphaSource[0], 0xff);
    EXPECT_EQ(cursor->alphaSource[8], 0x80);
    EXPECT_EQ(cursor->alphaSource[17], 0x7f);
    EXPECT_TRUE(cursor->alphaPreMultiplied);
    EXPECT_TRUE(mask_bit(*cursor, 0, 0));
    EXPECT_TRUE(mask_bit(*cursor, 8, 0));
    EXPECT_FALSE(mask_bit(*cursor, 1, 0));
    EXPECT_FALSE(mask_bit(*cursor, 8, 1));
}

TEST(RfbCursorTest, TheHotSpotIsKeptInsideTheImage) {
    CursorImage image;
    image.width = 4;
    image.height = 4;
    image.xhot = 10;
    image.yhot = -3;
    image.argb.assign(16, 0xff000000);
    const CursorPtr cursor(make_rfb_cursor(image, FrameLayout{16, 8, 0}));
    ASSERT_NE(cursor, nullptr);
    EXPECT_EQ(cursor->xhot, 3);
    EXPECT_EQ(cursor->yhot, 0);
}

TEST(RfbCursorTest, EmptyAndOversizedShapesAreNotSent) {
    CursorImage empty;
    EXPECT_EQ(make_rfb_cursor(empty, FrameLayout{}), nullptr);
    CursorImage huge;
    huge.width = kMaxCursorSide + 1;
    huge.height = 1;
    huge.argb.assign(static_cast<std::size_t>(huge.width), 0xffffffff);
    EXPECT_EQ(make_rfb_cursor(huge, FrameLayout{}), nullptr);
}

}  // namespace
}  // namespace lifeline::agent::screen
