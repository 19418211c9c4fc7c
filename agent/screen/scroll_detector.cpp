// Row hashes find the candidates cheaply; memcmp decides, so a hash collision costs a comparison, never a wrong
// picture.
#include "agent/screen/scroll_detector.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <utility>

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

// A sideways move is found from probes: short runs of new pixels, each looked for in the same old row at the
// nearest distance left or right. A run with too little detail (a flat colour) would be found anywhere.
constexpr int kProbeLength = 32;
constexpr int kMinProbeDetail = 4;  // neighbouring pixels that differ
constexpr int kProbesPerSide = 3;   // rows and columns: 9 probes in all
constexpr int kProbeTries = 8;      // rows tried from each probe's place down

// Whether the new row's pixels [x, x + kProbeLength) changed and have detail enough to be looked for.
bool worth_probing(const std::uint32_t* old_row, const std::uint32_t* new_row, int x) {
    const std::uint32_t* probe = new_row + x;
    if (same_pixels(probe, old_row + x, kProbeLength)) return false;
    int detail = 0;
    for (int i = 1; i < kProbeLength; ++i)
        detail += probe[i] != probe[i - 1] ? 1 : 0;
    return detail >= kMinProbeDetail;
}

// The nearest distance at which the old row holds the new row's pixels [x, x + kProbeLength).
std::optional<int> probe_shift(const std::uint32_t* old_row, const std::uint32_t* new_row, int width, int x) {
    const std::uint32_t* probe = new_row + x;
    const int reach = std::max(x, width - kProbeLength - x);
    for (int distance = 1; distance <= reach; ++distance) {
        for (const int dx : {distance, -distance}) {
            const int from = x + dx;
            if (from < 0 || from + kProbeLength > width) continue;
            if (old_row[from] == probe[0] && same_pixels(old_row + from, probe, kProbeLength)) return dx;
        }
    }
    return std::nullopt;
}

// Columns [left, right) of row y that are the old row `dx` columns away, grown from [left, right) as far as
// `limit` allows; {0, 0} when the seed itself does not match.
std::pair<int, int> shifted_columns(const Pictures& p, int y, int dx, int left, int right, std::pair<int, int> limit) {
    const std::uint32_t* a = p.old_row(y);
    const std::uint32_t* b = p.new_row(y);
    if (!same_pixels(a + left + dx, b + left, right - left)) return {0, 0};
    while (left > limit.first && a[left - 1 + dx] == b[left - 1])
        --left;
    while (right < limit.second && a[right + dx] == b[right])
        ++right;
    return {left, right};
}

// The largest block around the probe at (x, y) that is the old picture `dx` columns away: the probe row's
// matching columns, then rows up and down while they match over at least three quarters of those columns (the
// block narrows to what every row holds, always around the probe, so it stays one rectangle).
Area grow_sideways_move(const Pictures& p, const Area& area, int dx, int x, int y) {
    const std::pair<int, int> limit{area.x + std::max(0, -dx), area.x + area.width - std::max(0, dx)};
    auto [left, right] = shifted_columns(p, y, dx, x, x + kProbeLength, limit);
    const int min_width = std::max(kMinScrollWidth, (right - left) * 3 / 4);
    int first = y, last = y;
    auto extend = [&](int row) {
        const auto [l, r] = shifted_columns(p, row, dx, x, x + kProbeLength, {left, right});
        if (r - l < min_width) return false;
        left = l;
        right = r;
        return true;
    };
    while (first > area.y && extend(first - 1))
        --first;
    while (last + 1 < area.y + area.height && extend(last + 1))
        ++last;
    return Area{left, first, right - left, last - first + 1};
}

// A block of `area` that is the old picture moved sideways, if there is one worth a copy.
std::optional<AreaMove> find_sideways_move(const Pictures& p, const Area& area) {
    if (area.width < kMinScrollWidth || area.height < kMinMovedRows) return std::nullopt;
    struct Probe {
        int dx, x, y;
    };
    std::vector<Probe> probes;
    for (int row = 1; row <= kProbesPerSide; ++row) {
        for (int column = 1; column <= kProbesPerSide; ++column) {
            // A probe on a blank line or an unchanged spot tries the rows below it.
            const int x = (area.width - kProbeLength) * column / (kProbesPerSide + 1);
            const int top = area.height * row / (kProbesPerSide + 1);
            for (int y = area.y + top; y < area.y + std::min(area.height, top + kProbeTries); ++y) {
                const std::uint32_t* old_row = p.old_row(y) + area.x;
                const std::uint32_t* new_row = p.new_row(y) + area.x;
                if (!worth_probing(old_row, new_row, x)) continue;
                if (const auto dx = probe_shift(old_row, new_row, area.width, x)) {
                    probes.push_back(Probe{*dx, area.x + x, y});
                }
                break;
            }
        }
    }
    // Each distance two probes agree on (or the only probe's) grown from the first probe that found it and not
    // again from a probe already inside that block: the largest block wins.
    std::optional<AreaMove> best;
    std::vector<AreaMove> grown;
    for (const Probe& probe : probes) {
        const auto votes =
            std::count_if(probes.begin(), probes.end(), [&](const Probe& o) { return o.dx == probe.dx; });
        if (votes < 2 && probes.size() > 1) continue;
        const bool inside = std::any_of(grown.begin(), grown.end(), [&](const AreaMove& move) {
            return move.source_dx == probe.dx && move.to.contains(Area{probe.x, probe.y, 1, 1});
        });
        if (inside) continue;
        grown.push_back(AreaMove{grow_sideways_move(p, area, probe.dx, probe.x, probe.y), probe.dx, 0, area});
        const Area& block = grown.back().to;
        if (block.width < kMinScrollWidth || block.height < kMinMovedRows) continue;
        if (!best || block.width * block.height > best->to.width * best->to.height) best = grown.back();
    }
    return best;
}

}  // namespace

AreaChanges find_changes(const std::uint32_t* before, std::size_t before_stride, const std::uint32_t* after,
                         std::size_t after_stride, int width, int height, bool look_for_moves) {
    AreaChanges result;
    if (width <= 0 || height <= 0) return result;
    const Pictures pictures{before, before_stride, after, after_stride};
    std::vector<Area> blocks;
    find_blocks(pictures, Area{0, 0, width, height}, 0, blocks);
    auto row_changes = [&](const Area& area, bool look_for_move) {
        const auto offset = static_cast<std::size_t>(area.x);
        return find_row_changes(pictures.old_row(area.y) + offset, before_stride, pictures.new_row(area.y) + offset,
                                after_stride, area.width, area.height, look_for_move);
    };
    auto add_changed = [&](const Area& area, const RowChanges& rows) {
        for (const RowSpan& span : rows.changed)
            result.changed.push_back(Area{area.x, area.y + span.first, area.width, span.count});
    };
    for (const Area& area : blocks) {
        const RowChanges rows = row_changes(area, look_for_moves);
        if (rows.move) {
            result.moves.push_back(
                AreaMove{Area{area.x, area.y + rows.move->rows.first, area.width, rows.move->rows.count}, 0,
                         rows.move->source_offset, area});
            add_changed(area, rows);
            continue;
        }
        const auto sideways = look_for_moves ? find_sideways_move(pictures, area) : std::nullopt;
        if (!sideways) {
            add_changed(area, rows);
            continue;
        }
        // The rest of the block around the moved part: above, left, right, below.
        result.moves.push_back(*sideways);
        const Area& to = sideways->to;
        const Area rest[] = {Area{area.x, area.y, area.width, to.y - area.y},
                             Area{area.x, to.y, to.x - area.x, to.height},
                             Area{to.x + to.width, to.y, area.x + area.width - to.x - to.width, to.height},
                             Area{area.x, to.y + to.height, area.width, area.y + area.height - to.y - to.height}};
        for (const Area& part : rest) {
            if (part.width > 0 && part.height > 0) add_changed(part, row_changes(part, false));
        }
    }
    return result;
}

}  // namespace lifeline::agent::screen
