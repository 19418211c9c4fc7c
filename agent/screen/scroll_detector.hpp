// Finds what really changed in a damaged rectangle, comparing the picture before and after it was grabbed: rows
// that are the same as before, and a block that is the old picture moved up or down (a scrolled document, web
// page, list or terminal) or sideways (a spreadsheet or timeline scrolled sideways, a sliding banner). The screen
// server sends the moved block as a CopyRect (16 bytes, the viewer copies what it already has) and encodes only
// the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace lifeline::agent::screen {

// Rows [first, first + count) of the rectangle, counted from its top.
struct RowSpan {
    int first = 0;
    int count = 0;
    friend bool operator==(const RowSpan&, const RowSpan&) = default;
};

// Rows `rows` of the new picture are the old picture's rows `rows.first + source_offset` onwards (a page scrolled
// down by n moves its content up: source_offset = +n).
struct VerticalMove {
    RowSpan rows;
    int source_offset = 0;
    friend bool operator==(const VerticalMove&, const VerticalMove&) = default;
};

struct RowChanges {
    std::optional<VerticalMove> move;
    std::vector<RowSpan> changed;  // rows that are neither moved nor as before, in order, never adjacent
};

// Smaller rectangles are cheaper to send than to analyse: they are reported as changed whole.
inline constexpr int kMinScrollWidth = 64;
inline constexpr int kMinScrollHeight = 32;
// A move shorter than this is not worth a CopyRect of its own.
inline constexpr int kMinMovedRows = 16;

// A width x height rectangle before and after: pointers at its top-left pixel in pictures whose rows are
// `before_stride` and `after_stride` pixels apart. `look_for_move` false: only unchanged rows are found (a viewer
// that takes no CopyRect). Every row reported moved or unchanged has been compared in full, so the answer is exact:
// a viewer holding `before` gets `after` from the move plus the changed rows.
RowChanges find_row_changes(const std::uint32_t* before, std::size_t before_stride, const std::uint32_t* after,
                            std::size_t after_stride, int width, int height, bool look_for_move);

// A part of the rectangle, in its coordinates.
struct Area {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
    bool contains(const Area& other) const {
        return other.x >= x && other.y >= y && other.x + other.width <= x + width &&
               other.y + other.height <= y + height;
    }
    friend bool operator==(const Area&, const Area&) = default;
};

// `to` is the old picture's area `source_dx` columns further right and `source_dy` rows further down (left and up
// for negative ones). One of the two is 0. `block` holds the move's source and the changed areas that came into
// view with it: sent apart from the move, they could overwrite its source before it is copied, or show the copy
// without its new strip.
struct AreaMove {
    Area to;
    int source_dx = 0;
    int source_dy = 0;
    Area block;
    friend bool operator==(const AreaMove&, const AreaMove&) = default;
};

struct AreaChanges {
    std::vector<AreaMove> moves;
    std::vector<Area> changed;  // what the viewer must be sent as pixels, after the moves
};

// Changed pixels closer than this are taken as one changed block (the gaps between lines of text, between words).
inline constexpr int kMaxGapRows = 16;
inline constexpr int kMaxGapColumns = 64;

// A damaged rectangle rarely changed whole: the X server reports bands that take in unrelated drawing beside a
// scrolled window. This narrows the rectangle to the blocks where pixels really differ (rows with changes and
// their column extent, then columns with changes within those, and so on while that narrows them) and looks for
// a move in each, so a scroll is found whatever was drawn beside it. Same arguments and the same exactness as
// find_row_changes.
AreaChanges find_changes(const std::uint32_t* before, std::size_t before_stride, const std::uint32_t* after,
                         std::size_t after_stride, int width, int height, bool look_for_moves);

}  // namespace lifeline::agent::screen
