// What the technician types, as RFB key events: X11 keysyms for text and for key names, without X11 itself.
#pragma once

#include "shared/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::viewer {

// The keysym for one Unicode code point: Latin-1 printables as themselves, anything else above U+00FF as
// 0x01000000 + code point; '\n' and '\r' -> Return, '\t' -> Tab, '\b' -> BackSpace, ESC -> Escape. Other
// control characters and surrogates are invalid_argument.
core::Result<std::uint32_t> keysym_for_code_point(char32_t code_point);

// One keysym per character of UTF-8 `text`, in order. invalid_argument for malformed UTF-8 or a character
// keysym_for_code_point refuses.
core::Result<std::vector<std::uint32_t>> keysyms_for_text(std::string_view text);

// A key by name: X11's names for the common keys ("Return", "Tab", "Escape", "BackSpace", "Delete", "Home",
// "Left", "Page_Up", "F1".."F12", "Control_L", "super", ...; looked up ignoring case, with "Enter", "Esc", "ctrl",
// "alt", "shift", "super"/"win"/"meta" as aliases), a single character ("a", "é"), or a hex keysym ("0xff0d").
core::Result<std::uint32_t> keysym_for_name(std::string_view name);

// A chord such as "ctrl+alt+Delete" or "shift+Tab" (a lone "+" or a trailing "++" is the plus key): the keysyms
// to press in order and release in reverse.
core::Result<std::vector<std::uint32_t>> keysyms_for_chord(std::string_view chord);

// UTF-8 -> Latin-1 for RFB's clipboard, which carries nothing else: characters above U+00FF become '?'.
// invalid_argument for malformed UTF-8.
core::Result<std::string> utf8_to_latin1(std::string_view text);

}  // namespace lifeline::viewer
