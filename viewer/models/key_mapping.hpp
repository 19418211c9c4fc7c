// A key the technician presses, as the X keysym the remote machine should get: named keys (Return,
// arrows, F1..F12, modifiers) by their Qt key code, everything else by the character it typed. Pure,
// so the mapping is tested without a display.
#pragma once

#include <QString>

#include <cstdint>
#include <optional>

namespace lifeline::viewer::models {

// `key`: Qt::Key; `text`: what the key event typed (may be empty). nullopt: nothing to send.
std::optional<std::uint32_t> keysym_for_key(int key, const QString& text);

// Qt mouse buttons as an RFB button mask: left 1, middle 2, right 4.
int rfb_buttons(Qt::MouseButtons buttons);

}  // namespace lifeline::viewer::models
