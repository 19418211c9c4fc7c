// Converts X image pixels (any true-colour visual) into the 32-bit pixels of the RFB framebuffer.
#pragma once

#include "agent/machine/x_channel.hpp"

#include <X11/Xlib.h>

#include <cstddef>
#include <cstdint>

namespace lifeline::agent::screen {

// Where each 8-bit channel sits in a 32-bit framebuffer pixel: libvncserver's server format.
struct FrameLayout {
    int red_shift = 0;
    int green_shift = 8;
    int blue_shift = 16;
};

// Where each channel goes in the framebuffer's 32-bit pixels: where the X visual has it when its channels are
// 8 bits wide (the usual 24- and 32-bit visuals), so that a grab is a plain copy and libvncserver converts only
// the pixels it sends to the viewer's format; otherwise where rfbGetScreen with 8 bits per sample puts them.
FrameLayout frame_layout(const Visual* visual);

class PixelConverter {
public:
    // The masks are the visual's (or the XImage's) red/green/blue masks.
    PixelConverter(unsigned long red_mask, unsigned long green_mask, unsigned long blue_mask, FrameLayout layout);

    std::uint32_t convert(unsigned long pixel) const;

    // Converts the whole of `image` into `out`, whose rows are `out_stride` pixels apart.
    void convert_image(const XImage& image, std::uint32_t* out, std::size_t out_stride) const;

private:
    machine::ChannelMask red_, green_, blue_;
    FrameLayout layout_;
    bool all_8bit_;  // the common 24/32-bit visuals: shifts and masks only, no scaling
};

}  // namespace lifeline::agent::screen
