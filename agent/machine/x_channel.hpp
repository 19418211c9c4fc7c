// One colour channel of a true-colour X visual, read from its mask: used by the screenshot and the
// screen server alike, so both turn X pixels into the same 8-bit values.
#pragma once

#include <cstdint>

namespace lifeline::agent::machine {

struct ChannelMask {
    int shift = 0;  // how far to shift a pixel right
    int bits = 0;   // how wide the field is

    explicit ChannelMask(unsigned long mask) {
        if (mask == 0) return;
        while (!(mask & 1)) {
            mask >>= 1;
            ++shift;
        }
        while (mask & 1) {
            mask >>= 1;
            ++bits;
        }
    }

    std::uint32_t to_8bit(unsigned long pixel) const {
        if (bits == 0) return 0;
        const unsigned long value = (pixel >> shift) & ((1UL << bits) - 1);
        if (bits >= 8) return static_cast<std::uint32_t>(value >> (bits - 8));
        return static_cast<std::uint32_t>(value * 255 / ((1UL << bits) - 1));
    }
};

}  // namespace lifeline::agent::machine
