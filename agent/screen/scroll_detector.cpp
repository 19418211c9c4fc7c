// Row hashes find the candidates cheaply; memcmp decides, so a hash collision costs a comparison, never a wrong
// picture.
#include "agent/screen/scroll_detector.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace lifeline::agent::screen {

namespace {

// Old and new picture of one damaged rectangle.
struct Pictures {
    const std::uint32_t* before;
    std::size_t before_stride;
    const std::uint32_t* after;
    std::size_t after_stride;

    const std::uint32_t* old_row(int y) const { return before + static_cast<std::size_t>(y) * before_stride; }
    const std::uint32_t* new_row(int y) const { return after + static_cast<std::size_t>(y) * after_stride; }
};

bool same_pixels(const std::uint32_t* a, const std::uint32_t* b, int count) {
    return std::memcmp(a, b, static_cast<std::size_t>(count) * sizeof(std::uint32_t)) == 0;
}

constexpr std::uint64_t kMultiplier = 0x9e3779b97f4a7c15ull;

std::uint64_t rotate(std::uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }

// Four independent lanes so that the multiplications overlap; murmur3's finaliser mixes the low bits in.
std::uint64_t row_hash(const std::uint32_t* row, int width) {
    std::uint64_t lanes[4] = {1, 2, 3, 4};
    const auto* bytes = reinterpret_cast<const unsigned char*>(row);
    const std::size_t length = static_cast<std::size_t>(width) * sizeof(std::uint32_t);
    std::size_t at = 0;
    for (; at + 32 <= length; at += 32) {
        for (int lane = 0; lane < 4; ++lane) {
            std::uint64_t word = 0;
            std::memcpy(&word, bytes + at + 8 * static_cast<std::size_t>(lane), sizeof word);
            lanes[lane] = (lanes[lane] ^ word) * kMultiplier;
        }
    }
    for (; at + 4 <= length; at += 4) {
        std::uint32_t pixel = 0;
        std::memcpy(&pixel, bytes + at, sizeof pixel);
        lanes[0] = (lanes[0] ^ pixel) * kMultiplier;
    }
    std::uint64_t h = lanes[0] ^ rotate(lanes[1], 16) ^ rotate(lanes[2], 32) ^ rotate(lanes[3], 48);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

// The offset most changed rows agree on: each changed new row whose content is exactly one old row elsewhere votes
// for that distance. Rows found more than once in the old picture (blank lines, table rules) vote for nothing.
std::optional<int> likely_offset(const std::vector<std::uint64_t>& old_hashes,
                                 const std::vector<std::uint64_t>& new_hashes, const std::vector<char>& unchanged) {
    const int height = static_cast<int>(old_hashes.size());
    std::unordered_map<std::uint64_t, int> old_row_of;
    old_row_of.reserve(old_hashes.size() * 2);
    for (int y = 0; y < height; ++y) {
        auto [it, inserted] = old_row_of.try_emplace(old_hashes[static_cast<std::size_t>(y)], y);
        if (!inserted) it->second = -1;
    }
    std::vector<int> votes(static_cast<std::size_t>(2 * height + 1), 0);
    for (int y = 0; y < height; ++y) {
        if (unchanged[static_cast<std::size_t>(y)] != 0) continue;
        const auto it = old_row_of.find(new_hashes[static_cast<std::size_t>(y)]);
        if (it == old_row_of.end() || it->second < 0 || it->second == y) continue;
        ++votes[static_cast<std::size_t>(it->second - y + height)];
    }
    const auto best = std::max_element(votes.begin(), votes.end());
    if (*best == 0) return std::nullopt;
    return static_cast<int>(best - votes.begin()) - height;
}

}  // namespace

RowChanges find_row_changes(const std::uint32_t* before, std::size_t before_stride, const std::uint32_t* after,
                            std::size_t after_stride, int width, int height, bool look_for_move) {
    RowChanges result;
    if (width <= 0 || height <= 0) return result;
    const Pictures p{before, before_stride, after, after_stride};
    const auto rows = static_cast<std::size_t>(height);

    std::vector<char> unchanged(rows, 0);
    std::optional<VerticalMove> move;
    if (look_for_move && width >= kMinScrollWidth && height >= kMinScrollHeight) {
        std::vector<std::uint64_t> old_hashes(rows), new_hashes(rows);
        for (int y = 0; y < height; ++y) {
            old_hashes[static_cast<std::size_t>(y)] = row_hash(p.old_row(y), width);
            new_hashes[static_cast<std::size_t>(y)] = row_hash(p.new_row(y), width);
            unchanged[static_cast<std::size_t>(y)] =
                old_hashes[static_cast<std::size_t>(y)] == new_hashes[static_cast<std::size_t>(y)] &&
                same_pixels(p.old_row(y), p.new_row(y), width);
        }
        if (const auto offset = likely_offset(old_hashes, new_hashes, unchanged)) {
            // The longest run of rows that are, exactly, the old rows `offset` away.
            RowSpan best, run;
            for (int y = std::max(0, -*offset); y < std::min(height, height - *offset); ++y) {
                const bool moved =
                    new_hashes[static_cast<std::size_t>(y)] == old_hashes[static_cast<std::size_t>(y + *offset)] &&
                    same_pixels(p.new_row(y), p.old_row(y + *offset), width);
                if (!moved) {
                    run.count = 0;
                    continue;
                }
                if (run.count == 0) run.first = y;
                ++run.count;
                if (run.count > best.count) best = run;
            }
            if (best.count >= kMinMovedRows) move = VerticalMove{best, *offset};
        }
    } else {
        for (int y = 0; y < height; ++y)
            unchanged[static_cast<std::size_t>(y)] = same_pixels(p.old_row(y), p.new_row(y), width);
    }

    for (int y = 0; y < height; ++y) {
        const bool in_move = move && y >= move->rows.first && y < move->rows.first + move->rows.count;
        if (in_move || unchanged[static_cast<std::size_t>(y)] != 0) continue;
        if (!result.changed.empty() && result.changed.back().first + result.changed.back().count == y) {
            ++result.changed.back().count;
        } else {
            result.changed.push_back(RowSpan{y, 1});
        }
    }
    result.move = move;
    return result;
}

namespace {

// Columns are told apart in groups of this many pixels: a block's edges then fall on a group boundary, a little
// wider than its changed pixels, which costs nothing in exactness (find_row_changes compares every pixel).
constexpr int kColumnGroup = 8;

// Splits `area` into the blocks where pixels differ: rows with changes (gaps of up to kMaxGapRows bridged) and
// their column extent, then the columns with changes in each (gaps of up to kMaxGapColumns bridged), and again
// inside each of those while that still narrows them.
void find_blocks(const Pictures& p, const Area& area, int depth, std::vector<Area>& blocks) {
    struct Rows {
        int first, last, left, right;
    };
    std::vector<Rows> row_blocks;
    const int end = area.x + area.width;
    for (int y = area.y; y < area.y + area.height; ++y) {
        const std::uint32_t* a = p.old_row(y);
        const std::uint32_t* b = p.new_row(y);
        if (same_pixels(a + area.x, b + area.x, area.width)) continue;
        int left = area.x;
        while (a[left] == b[left])
            ++left;
        int right = end;
        while (a[right - 1] == b[right - 1])
            --right;
        if (!row_blocks.empty() && y - row_blocks.back().last <= kMaxGapRows) {
            Rows& block = row_blocks.back();
            block.last = y;
            block.left = std::min(block.left, left);
            block.right = std::max(block.right, right);
        } else {
            row_blocks.push_back(Rows{y, y, left, right});
        }
    }

    std::vector<char> changed_group;
    for (const Rows& rows : row_blocks) {
        const Area found{rows.left, rows.first, rows.right - rows.left, rows.last - rows.first + 1};
        const int groups = (found.width + kColumnGroup - 1) / kColumnGroup;
        changed_group.assign(static_cast<std::size_t>(groups), 0);
        for (int y = found.y; y < found.y + found.height; ++y) {
            const std::uint32_t* a = p.old_row(y) + found.x;
            const std::uint32_t* b = p.new_row(y) + found.x;
            for (int g = 0; g < groups; ++g) {
                if (changed_group[static_cast<std::size_t>(g)] != 0) continue;
                const int x = g * kColumnGroup;
                changed_group[static_cast<std::size_t>(g)] =
                    static_cast<char>(!same_pixels(a + x, b + x, std::min(kColumnGroup, found.width - x)));
            }
        }
        std::vector<Area> columns;
        for (int g = 0; g < groups; ++g) {
            if (changed_group[static_cast<std::size_t>(g)] == 0) continue;
            const int x = found.x + g * kColumnGroup;
            const int x_end = std::min(x + kColumnGroup, found.x + found.width);
            if (!columns.empty() && x - (columns.back().x + columns.back().width) < kMaxGapColumns) {
                columns.back().width = x_end - columns.back().x;
            } else {
                columns.push_back(Area{x, found.y, x_end - x, found.height});
            }
        }
        // Only narrower columns can split the rows again: the same columns would give this block back.
        const bool narrower =
            columns.size() > 1 || (columns.size() == 1 && (columns[0].x != found.x || columns[0].width != found.width));
        for (const Area& column : columns) {
            if (narrower && depth < 4) {
                find_blocks(p, column, depth + 1, blocks);
            } else {
                blocks.push_back(column);
            }
        }
    }
}

}  // namespace

AreaChanges find_changes(const std::uint32_t* before, std::size_t before_stride, const std::uint32_t* after,
                         std::size_t after_stride, int width, int height, bool look_for_moves) {
    AreaChanges result;
    if (width <= 0 || height <= 0) return result;
    const Pictures pictures{before, before_stride, after, after_stride};
    std::vector<Area> blocks;
    find_blocks(pictures, Area{0, 0, width, height}, 0, blocks);
    for (const Area& area : blocks) {
        const auto offset = static_cast<std::size_t>(area.x);
        const RowChanges rows =
            find_row_changes(pictures.old_row(area.y) + offset, before_stride, pictures.new_row(area.y) + offset,
                             after_stride, area.width, area.height, look_for_moves);
        if (rows.move) {
            result.moves.push_back(
                AreaMove{Area{area.x, area.y + rows.move->rows.first, area.width, rows.move->rows.count},
                         rows.move->source_offset});
        }
        for (const RowSpan& span : rows.changed)
            result.changed.push_back(Area{area.x, area.y + span.first, area.width, span.count});
    }
    return result;
}

}  // namespace lifeline::agent::screen
