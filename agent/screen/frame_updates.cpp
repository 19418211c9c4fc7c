// From X damage to what libvncserver sends: grabs, the real changes and the moves among them, and the order of
// the updates that carry them.
#include "agent/screen/frame_updates.hpp"

extern "C" {  // the region header, unlike rfb.h, does not say so itself
#include <rfb/rfbregion.h>
}

#include <algorithm>
#include <cstring>
#include <utility>

namespace lifeline::agent::screen {

FrameChanges DamageGrabber::grab(X11Capture& capture, std::uint32_t* framebuffer, std::size_t stride, bool find_moves) {
    // Damage says where the picture was drawn, not that it changed: rows drawn the same are not sent again, and
    // blocks that are the old picture moved (up, down or sideways) go as a CopyRect when the viewer takes it.
    FrameChanges out;
    for (const Rect& rect : capture.take_damage()) {
        std::uint32_t* const top_left =
            framebuffer + static_cast<std::size_t>(rect.y) * stride + static_cast<std::size_t>(rect.x);
        const auto rect_width = static_cast<std::size_t>(rect.width);
        if (rect.width < kMinScrollWidth || rect.height < kMinScrollHeight) {
            capture.grab(rect, framebuffer);
            out.changed.push_back(Area{rect.x, rect.y, rect.width, rect.height});
            continue;
        }
        before_grab_.resize(rect_width * static_cast<std::size_t>(rect.height));
        for (int y = 0; y < rect.height; ++y) {
            std::memcpy(before_grab_.data() + static_cast<std::size_t>(y) * rect_width,
                        top_left + static_cast<std::size_t>(y) * stride, rect_width * sizeof(std::uint32_t));
        }
        capture.grab(rect, framebuffer);
        const AreaChanges found =
            find_changes(before_grab_.data(), rect_width, top_left, stride, rect.width, rect.height, find_moves);
        for (AreaMove move : found.moves) {
            move.to.x += rect.x;
            move.to.y += rect.y;
            move.block.x += rect.x;
            move.block.y += rect.y;
            out.copies.push_back(move);
        }
        for (const Area& area : found.changed)
            out.changed.push_back(Area{rect.x + area.x, rect.y + area.y, area.width, area.height});
    }
    return out;
}

void queue_frame_changes(rfbClientPtr client, FrameChanges changes) {
    rfbScreenInfoPtr screen = client->screen;
    std::vector<AreaMove>& copies = changes.copies;
    std::vector<Area>& changed = changes.changed;
    // An update carries copies by one distance only: libvncserver keeps one pending copy, and a copy by another
    // distance turns it into pixels to send. So each distance but the last goes out at once in an update of its
    // own, with the changed pixels of its blocks (libvncserver sends the copies first, so they read the old
    // picture, and the viewer never shows a copy without the strip that came into view with it). The last
    // distance travels with the rest. Blocks do not overlap: no copy reads what another one wrote.
    std::stable_sort(copies.begin(), copies.end(), [](const AreaMove& a, const AreaMove& b) {
        return std::pair(a.source_dx, a.source_dy) < std::pair(b.source_dx, b.source_dy);
    });
    std::size_t first = 0;
    while (first < copies.size()) {
        std::size_t end = first + 1;
        while (end < copies.size() && copies[end].source_dx == copies[first].source_dx &&
               copies[end].source_dy == copies[first].source_dy) {
            ++end;
        }
        for (std::size_t i = first; i < end; ++i) {
            const Area& to = copies[i].to;
            rfbScheduleCopyRect(screen, to.x, to.y, to.x + to.width, to.y + to.height, -copies[i].source_dx,
                                -copies[i].source_dy);
        }
        if (end == copies.size() || client->sock == RFB_INVALID_SOCKET) break;
        const auto theirs = std::stable_partition(changed.begin(), changed.end(), [&](const Area& area) {
            return std::none_of(copies.begin() + static_cast<std::ptrdiff_t>(first),
                                copies.begin() + static_cast<std::ptrdiff_t>(end),
                                [&](const AreaMove& copy) { return copy.block.contains(area); });
        });
        for (auto it = theirs; it != changed.end(); ++it)
            rfbMarkRectAsModified(screen, it->x, it->y, it->x + it->width, it->y + it->height);
        changed.erase(theirs, changed.end());
        // The viewer asked for one update and gets more: it asks again after each, and what it asked for holds
        // for the next one too.
        sraRegionPtr asked = sraRgnCreateRgn(client->requestedRegion);
        rfbSendFramebufferUpdate(client, client->modifiedRegion);
        sraRgnOr(client->requestedRegion, asked);
        sraRgnDestroy(asked);
        first = end;
    }
    for (const Area& area : changed)
        rfbMarkRectAsModified(screen, area.x, area.y, area.x + area.width, area.y + area.height);
}

}  // namespace lifeline::agent::screen
