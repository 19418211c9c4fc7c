// find_row_changes on pictures made in memory: scrolls both ways, rows drawn the same, pictures full of
// identical rows, and the one property that matters, checked over seeded random cases: a viewer holding the old
// picture that applies the move and then the changed rows has the new picture exactly.
#include "agent/screen/scroll_detector.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

namespace lifeline::agent::screen {
namespace {

struct Picture {
    int width = 0;
    int height = 0;
    std::vector<std::uint32_t> pixels;

    std::uint32_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width); }
    const std::uint32_t* row(int y) const {
        return pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width);
    }
};

// Lines of "text": each row its own unless `blank_every` makes every n-th row white.
Picture document(int width, int height, std::uint32_t seed, int blank_every = 0) {
    Picture picture{width, height, std::vector<std::uint32_t>(static_cast<std::size_t>(width) * height)};
    std::mt19937 random(seed);
    for (int y = 0; y < height; ++y) {
        const bool blank = blank_every > 0 && y % blank_every == 0;
        for (int x = 0; x < width; ++x)
            picture.row(y)[x] = blank ? 0xffffffu : static_cast<std::uint32_t>(random()) & 0xffffffu;
    }
    return picture;
}

// `before` scrolled by `offset` rows (content moves up for a positive offset); the rows that come into view new.
Picture scrolled(const Picture& before, int offset, std::uint32_t seed) {
    Picture after = document(before.width, before.height, seed);
    for (int y = 0; y < before.height; ++y) {
        const int source = y + offset;
        if (source >= 0 && source < before.height) std::copy_n(before.row(source), before.width, after.row(y));
    }
    return after;
}

RowChanges changes(const Picture& before, const Picture& after, bool moves = true) {
    return find_row_changes(before.pixels.data(), static_cast<std::size_t>(before.width), after.pixels.data(),
                            static_cast<std::size_t>(after.width), before.width, before.height, moves);
}

// What the viewer ends up with: its old picture, the move applied, the changed rows sent.
Picture applied(const Picture& before, const Picture& after, const RowChanges& found) {
    Picture result = before;
    if (found.move) {
        for (int y = found.move->rows.first; y < found.move->rows.first + found.move->rows.count; ++y)
            std::copy_n(before.row(y + found.move->source_offset), before.width, result.row(y));
    }
    for (const RowSpan& span : found.changed) {
        for (int y = span.first; y < span.first + span.count; ++y)
            std::copy_n(after.row(y), after.width, result.row(y));
    }
    return result;
}

TEST(ScrollDetectorTest, APageScrolledDownMovesUpWithANewStripAtTheBottom) {
    const Picture before = document(300, 200, 1);
    const Picture after = scrolled(before, 4, 2);
    const RowChanges found = changes(before, after);
    ASSERT_TRUE(found.move);
    EXPECT_EQ(*found.move, (VerticalMove{RowSpan{0, 196}, 4}));
    EXPECT_EQ(found.changed, (std::vector<RowSpan>{{196, 4}}));
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, APageScrolledUpMovesDownWithANewStripAtTheTop) {
    const Picture before = document(300, 200, 3);
    const Picture after = scrolled(before, -50, 4);
    const RowChanges found = changes(before, after);
    ASSERT_TRUE(found.move);
    EXPECT_EQ(*found.move, (VerticalMove{RowSpan{50, 150}, -50}));
    EXPECT_EQ(found.changed, (std::vector<RowSpan>{{0, 50}}));
}

TEST(ScrollDetectorTest, RowsDrawnTheSameAreNotChanged) {
    const Picture before = document(300, 200, 5);
    EXPECT_FALSE(changes(before, before).move);
    EXPECT_TRUE(changes(before, before).changed.empty());
    Picture after = before;
    after.row(17)[3] ^= 1;  // one pixel of one row
    after.row(18)[299] ^= 1;
    const RowChanges found = changes(before, after);
    EXPECT_FALSE(found.move);
    EXPECT_EQ(found.changed, (std::vector<RowSpan>{{17, 2}}));
}

TEST(ScrollDetectorTest, WithoutMovesAScrollIsChangedRows) {
    const Picture before = document(300, 200, 6);
    const Picture after = scrolled(before, 4, 7);
    const RowChanges found = changes(before, after, false);
    EXPECT_FALSE(found.move);
    EXPECT_EQ(found.changed, (std::vector<RowSpan>{{0, 200}}));
}

TEST(ScrollDetectorTest, SmallAreasAndShortMovesAreNotWorthACopy) {
    const Picture narrow = document(kMinScrollWidth - 1, 200, 8);
    EXPECT_FALSE(changes(narrow, scrolled(narrow, 4, 9)).move);
    const Picture low = document(300, kMinScrollHeight - 1, 10);
    EXPECT_FALSE(changes(low, scrolled(low, 4, 11)).move);
    // Only the last few rows are the old picture moved: fewer than kMinMovedRows.
    const Picture before = document(300, 200, 12);
    const Picture after = scrolled(before, 200 - (kMinMovedRows - 1), 13);
    EXPECT_FALSE(changes(before, after).move);
}

TEST(ScrollDetectorTest, BlankLinesDoNotMisleadIt) {
    // Every third row white: the white rows match anywhere, the others only at the true offset.
    const Picture before = document(300, 240, 14, 3);
    const Picture after = scrolled(before, 9, 15);
    const RowChanges found = changes(before, after);
    ASSERT_TRUE(found.move);
    EXPECT_EQ(found.move->source_offset, 9);
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, TheViewerAlwaysEndsWithTheNewPicture) {
    // Seeded cases: scrolls of any size both ways, some rows edited afterwards, sometimes nothing moved, pictures
    // with and without repeated rows.
    std::mt19937 random(2026);
    int moves_found = 0;
    for (int round = 0; round < 300; ++round) {
        const int width = 40 + static_cast<int>(random() % 200);
        const int height = 20 + static_cast<int>(random() % 200);
        const int blank_every = static_cast<int>(random() % 4);
        const Picture before = document(width, height, static_cast<std::uint32_t>(random()), blank_every);
        const int offset = static_cast<int>(random() % static_cast<unsigned>(2 * height)) - height;
        Picture after = round % 10 == 0 ? before : scrolled(before, offset, static_cast<std::uint32_t>(random()));
        const int edits = static_cast<int>(random() % 4);
        for (int i = 0; i < edits; ++i)
            after.row(static_cast<int>(
                random() % static_cast<unsigned>(height)))[random() % static_cast<unsigned>(width)] ^= 0x10101u;
        const RowChanges found = changes(before, after);
        if (found.move) {
            ++moves_found;
            EXPECT_NE(found.move->source_offset, 0);
            EXPECT_GE(found.move->rows.count, kMinMovedRows);
        }
        ASSERT_EQ(applied(before, after, found).pixels, after.pixels)
            << "round " << round << ": " << width << "x" << height << ", offset " << offset;
    }
    EXPECT_GT(moves_found, 100);
}

// ---- find_changes: the blocks inside a damaged rectangle ----

AreaChanges area_changes(const Picture& before, const Picture& after) {
    return find_changes(before.pixels.data(), static_cast<std::size_t>(before.width), after.pixels.data(),
                        static_cast<std::size_t>(after.width), before.width, before.height, true);
}

Picture applied(const Picture& before, const Picture& after, const AreaChanges& found) {
    Picture result = before;
    for (const AreaMove& move : found.moves) {
        for (int y = move.to.y; y < move.to.y + move.to.height; ++y)
            std::copy_n(before.row(y + move.source_dy) + move.to.x + move.source_dx, move.to.width,
                        result.row(y) + move.to.x);
    }
    for (const Area& area : found.changed) {
        for (int y = area.y; y < area.y + area.height; ++y)
            std::copy_n(after.row(y) + area.x, area.width, result.row(y) + area.x);
    }
    return result;
}

bool overlap(const Area& a, const Area& b) {
    return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// What the screen server relies on to send each move in an update of its own: the move and its source lie in
// its block, and a changed area lies in one block or in none.
void expect_blocks_hold(const AreaChanges& found) {
    for (const AreaMove& move : found.moves) {
        EXPECT_TRUE(move.block.contains(move.to));
        const Area source{move.to.x + move.source_dx, move.to.y + move.source_dy, move.to.width, move.to.height};
        EXPECT_TRUE(move.block.contains(source));
    }
    for (const Area& area : found.changed) {
        for (const AreaMove& move : found.moves)
            EXPECT_TRUE(move.block.contains(area) || !overlap(area, move.block));
    }
}

// A desktop band: static icons on the left, a document window in the middle, a static chat on the right, and a
// clock far below; `document` is the document's content.
Picture desktop(const Picture& document, std::uint32_t clock) {
    Picture picture{600, 400, std::vector<std::uint32_t>(600u * 400u, 0x3a6ea5u)};
    const Picture icons = ::lifeline::agent::screen::document(60, 300, 99);
    for (int y = 0; y < 300; ++y) {
        std::copy_n(icons.row(y), 60, picture.row(y) + 10);
        std::copy_n(document.row(y), document.width, picture.row(y) + 100);
        std::copy_n(icons.row(299 - y), 60, picture.row(y) + 500);
    }
    for (int y = 380; y < 390; ++y)
        std::fill_n(picture.row(y) + 20, 40, clock);
    return picture;
}

TEST(ScrollDetectorTest, FindsTheScrolledWindowInsideAWiderDamagedBand) {
    const Picture page = document(300, 300, 20);
    const Picture before = desktop(page, 0x111111);
    const Picture after = desktop(scrolled(page, 6, 21), 0x222222);
    // One row spanning everything would never match shifted: the icons and the chat do not move.
    EXPECT_FALSE(changes(before, after).move);

    const AreaChanges found = area_changes(before, after);
    ASSERT_EQ(found.moves.size(), 1u);
    EXPECT_EQ(found.moves[0], (AreaMove{Area{100, 0, 300, 294}, 0, 6, Area{100, 0, 300, 300}}));
    EXPECT_EQ(found.changed, (std::vector<Area>{{100, 294, 300, 6}, {20, 380, 40, 10}}));
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, BlocksOfChangesAreWhatIsSentNotTheWholeRectangle) {
    const Picture before = desktop(document(300, 300, 22), 0x111111);
    Picture after = before;
    for (int y = 40; y < 50; ++y)
        std::fill_n(after.row(y) + 200, 30, 0xff0000u);
    const AreaChanges found = area_changes(before, after);
    EXPECT_TRUE(found.moves.empty());
    EXPECT_EQ(found.changed, (std::vector<Area>{{200, 40, 30, 10}}));
}

TEST(ScrollDetectorTest, TheViewerAlwaysEndsWithTheNewDesktop) {
    std::mt19937 random(1202);
    for (int round = 0; round < 100; ++round) {
        const int blank_every = static_cast<int>(random() % 4) + 1;  // 1: no blank rows, 2..4: every n-th row blank
        const Picture page =
            document(300, 300, static_cast<std::uint32_t>(random()), blank_every == 1 ? 0 : blank_every);
        const int offset = static_cast<int>(random() % 600) - 300;
        const bool scroll = round % 5 != 0;
        const Picture before = desktop(page, 0x111111);
        Picture after = desktop(scroll ? scrolled(page, offset, static_cast<std::uint32_t>(random())) : page,
                                static_cast<std::uint32_t>(random()) & 0xffffffu);
        const int edits = round % 2 == 0 ? 0 : 3;  // stray pixels anywhere, beside the window or in it
        for (int i = 0; i < edits; ++i)
            after.row(static_cast<int>(random() % 400))[random() % 600] ^= 0x10101u;
        const AreaChanges found = area_changes(before, after);
        ASSERT_EQ(applied(before, after, found).pixels, after.pixels) << "round " << round << ", offset " << offset;
        expect_blocks_hold(found);
        if (scroll && edits == 0 && offset != 0 && std::abs(offset) <= 300 - 2 * kMinMovedRows) {
            EXPECT_EQ(found.moves.size(), 1u) << "round " << round << ", offset " << offset;
        }
    }
}

// ---- sideways moves ----

// `before` slid sideways: the new picture's column x is the old one's x + dx (content moves left for a positive
// dx); the columns that come into view new.
Picture slid(const Picture& before, int dx, std::uint32_t seed) {
    Picture after = document(before.width, before.height, seed);
    for (int y = 0; y < before.height; ++y) {
        for (int x = 0; x < before.width; ++x) {
            if (x + dx >= 0 && x + dx < before.width) after.row(y)[x] = before.row(y)[x + dx];
        }
    }
    return after;
}

TEST(ScrollDetectorTest, ABandSlidingLeftIsACopyAndTheStripThatComesIntoView) {
    const Picture band = document(300, 300, 30);
    const Picture before = desktop(band, 0x111111);
    const Picture after = desktop(slid(band, 8, 31), 0x222222);
    const AreaChanges found = area_changes(before, after);
    ASSERT_EQ(found.moves.size(), 1u);
    EXPECT_EQ(found.moves[0], (AreaMove{Area{100, 0, 292, 300}, 8, 0, Area{100, 0, 300, 300}}));
    EXPECT_EQ(found.changed, (std::vector<Area>{{392, 0, 8, 300}, {20, 380, 40, 10}}));
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, ASheetScrolledRightMovesItsCellsRight) {
    const Picture sheet = document(300, 300, 32);
    const Picture before = desktop(sheet, 0x111111);
    const Picture after = desktop(slid(sheet, -70, 33), 0x111111);
    const AreaChanges found = area_changes(before, after);
    ASSERT_EQ(found.moves.size(), 1u);
    EXPECT_EQ(found.moves[0], (AreaMove{Area{170, 0, 230, 300}, -70, 0, Area{100, 0, 300, 300}}));
    EXPECT_EQ(found.changed, (std::vector<Area>{{100, 0, 70, 300}}));
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, ARepeatingPatternMovesByTheNearestDistance) {
    // A pattern repeating every 64 columns slid by 8 also matches 56 columns the other way: the nearer one keeps
    // more of the picture.
    Picture pattern = document(64, 300, 34);
    Picture band{300, 300, std::vector<std::uint32_t>(300u * 300u)};
    for (int y = 0; y < 300; ++y)
        for (int x = 0; x < 300; ++x)
            band.row(y)[x] = pattern.row(y)[x % 64];
    const Picture before = desktop(band, 0x111111);
    const Picture after = desktop(slid(band, 8, 35), 0x111111);
    const AreaChanges found = area_changes(before, after);
    ASSERT_EQ(found.moves.size(), 1u);
    EXPECT_EQ(found.moves[0].source_dx, 8);
    EXPECT_EQ(applied(before, after, found).pixels, after.pixels);
}

TEST(ScrollDetectorTest, AFlatColourOrANewPictureIsNotAMove) {
    const Picture before = desktop(document(300, 300, 36), 0x111111);
    Picture flat = before;
    for (int y = 0; y < 300; ++y)
        std::fill_n(flat.row(y) + 100, 300, 0xffffffu);
    EXPECT_TRUE(area_changes(before, flat).moves.empty());
    const Picture fresh = desktop(document(300, 300, 37), 0x111111);
    const AreaChanges found = area_changes(before, fresh);
    EXPECT_TRUE(found.moves.empty());
    EXPECT_EQ(applied(before, fresh, found).pixels, fresh.pixels);
}

TEST(ScrollDetectorTest, TheViewerAlwaysEndsWithTheNewDesktopWhateverSlid) {
    std::mt19937 random(1203);
    int expected = 0;
    for (int round = 0; round < 100; ++round) {
        const int blank_every = static_cast<int>(random() % 4) + 1;
        const Picture page =
            document(300, 300, static_cast<std::uint32_t>(random()), blank_every == 1 ? 0 : blank_every);
        const int dx = static_cast<int>(random() % 600) - 300;
        const Picture before = desktop(page, 0x111111);
        Picture after = desktop(slid(page, dx, static_cast<std::uint32_t>(random())), 0x111111);
        const int edits = round % 2 == 0 ? 0 : 3;
        for (int i = 0; i < edits; ++i)
            after.row(static_cast<int>(random() % 400))[random() % 600] ^= 0x10101u;
        const AreaChanges found = area_changes(before, after);
        ASSERT_EQ(applied(before, after, found).pixels, after.pixels) << "round " << round << ", dx " << dx;
        expect_blocks_hold(found);
        for (const AreaMove& move : found.moves) {
            EXPECT_TRUE(move.source_dx == 0 || move.source_dy == 0);
            EXPECT_GE(move.to.width, kMinScrollWidth);
            EXPECT_GE(move.to.height, kMinMovedRows);
        }
        // The probes sit at a quarter, half and three quarters of the width: one of them is in the part that
        // moved while the move keeps a third of the window.
        if (edits == 0 && dx != 0 && std::abs(dx) <= 200) {
            ++expected;
            EXPECT_EQ(found.moves.size(), 1u) << "round " << round << ", dx " << dx;
            if (found.moves.size() == 1) {
                EXPECT_EQ(found.moves[0].source_dx, dx) << "round " << round;
            }
        }
    }
    EXPECT_GT(expected, 25);
}

}  // namespace
}  // namespace lifeline::agent::screen
