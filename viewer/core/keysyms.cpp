// Keysyms for text and key names: a UTF-8 decoder and a small table of X11 names (XStringToKeysym's, for the keys
// a technician types by name).
#include "viewer/core/keysyms.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>
#include <utility>

namespace lifeline::viewer {

namespace {

core::Error invalid(std::string message) { return core::make_error(core::Errc::invalid_argument, std::move(message)); }

struct NamedKey {
    std::string_view name;
    std::uint32_t keysym;
};

// X11's names (keysymdef.h) and a few friendlier aliases. Looked up case-insensitively.
constexpr std::array kNamedKeys{
    NamedKey{"Return", 0xff0d},      NamedKey{"Enter", 0xff0d},     NamedKey{"Tab", 0xff09},
    NamedKey{"Escape", 0xff1b},      NamedKey{"Esc", 0xff1b},       NamedKey{"BackSpace", 0xff08},
    NamedKey{"Delete", 0xffff},      NamedKey{"Del", 0xffff},       NamedKey{"Insert", 0xff63},
    NamedKey{"Home", 0xff50},        NamedKey{"End", 0xff57},       NamedKey{"Left", 0xff51},
    NamedKey{"Up", 0xff52},          NamedKey{"Right", 0xff53},     NamedKey{"Down", 0xff54},
    NamedKey{"Page_Up", 0xff55},     NamedKey{"Prior", 0xff55},     NamedKey{"Page_Down", 0xff56},
    NamedKey{"Next", 0xff56},        NamedKey{"space", 0x0020},     NamedKey{"plus", 0x002b},
    NamedKey{"minus", 0x002d},       NamedKey{"Print", 0xff61},     NamedKey{"Pause", 0xff13},
    NamedKey{"Menu", 0xff67},        NamedKey{"Caps_Lock", 0xffe5}, NamedKey{"Num_Lock", 0xff7f},
    NamedKey{"Scroll_Lock", 0xff14}, NamedKey{"KP_Enter", 0xff8d},  NamedKey{"Shift_L", 0xffe1},
    NamedKey{"Shift_R", 0xffe2},     NamedKey{"shift", 0xffe1},     NamedKey{"Control_L", 0xffe3},
    NamedKey{"Control_R", 0xffe4},   NamedKey{"ctrl", 0xffe3},      NamedKey{"control", 0xffe3},
    NamedKey{"Alt_L", 0xffe9},       NamedKey{"Alt_R", 0xffea},     NamedKey{"alt", 0xffe9},
    NamedKey{"Meta_L", 0xffe7},      NamedKey{"Super_L", 0xffeb},   NamedKey{"Super_R", 0xffec},
    NamedKey{"super", 0xffeb},       NamedKey{"win", 0xffeb},       NamedKey{"meta", 0xffeb},
    NamedKey{"F1", 0xffbe},          NamedKey{"F2", 0xffbf},        NamedKey{"F3", 0xffc0},
    NamedKey{"F4", 0xffc1},          NamedKey{"F5", 0xffc2},        NamedKey{"F6", 0xffc3},
    NamedKey{"F7", 0xffc4},          NamedKey{"F8", 0xffc5},        NamedKey{"F9", 0xffc6},
    NamedKey{"F10", 0xffc7},         NamedKey{"F11", 0xffc8},       NamedKey{"F12", 0xffc9},
};

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Decodes one UTF-8 sequence at `text[i]`, advancing `i`; nullopt for anything malformed (overlong forms,
// surrogates, truncated sequences, values above U+10FFFF).
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    int length = 0;
    char32_t value = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        value = lead & 0x07;
    } else {
        return std::nullopt;
    }
    if (i + static_cast<std::size_t>(length) > text.size()) return std::nullopt;
    for (int k = 1; k < length; ++k) {
        const unsigned char continuation = byte(i + static_cast<std::size_t>(k));
        if ((continuation & 0xC0) != 0x80) return std::nullopt;
        value = value << 6 | (continuation & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < kMinimum[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
    i += static_cast<std::size_t>(length);
    return value;
}

}  // namespace

core::Result<std::uint32_t> keysym_for_code_point(char32_t code_point) {
    switch (code_point) {
        case U'\n':
        case U'\r': return 0xff0du;
        case U'\t': return 0xff09u;
        case U'\b': return 0xff08u;
        case U'\x1b': return 0xff1bu;
        default: break;
    }
    if (code_point < 0x20 || (code_point >= 0x7f && code_point < 0xa0)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(code_point));
        return invalid("control character U+" + std::string(hex) + " cannot be typed");
    }
    if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return invalid("not a character");
    if (code_point <= 0xff) return static_cast<std::uint32_t>(code_point);
    return 0x01000000u + static_cast<std::uint32_t>(code_point);
}

core::Result<std::vector<std::uint32_t>> keysyms_for_text(std::string_view text) {
    std::vector<std::uint32_t> keysyms;
    for (std::size_t i = 0; i < text.size();) {
        auto code_point = next_code_point(text, i);
        if (!code_point) return invalid("the text is not valid UTF-8");
        auto keysym = keysym_for_code_point(*code_point);
        if (!keysym) return keysym.error();
        keysyms.push_back(*keysym);
    }
    return keysyms;
}

core::Result<std::uint32_t> keysym_for_name(std::string_view name) {
    for (const NamedKey& key : kNamedKeys) {
        if (same_ignoring_case(key.name, name)) return key.keysym;
    }
    if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X')) {
        std::uint32_t value = 0;
        auto [end, ec] = std::from_chars(name.data() + 2, name.data() + name.size(), value, 16);
        if (ec == std::errc() && end == name.data() + name.size() && value != 0) return value;
    }
    if (name.size() >= 1 && name.size() <= 4) {
        std::size_t i = 0;
        if (auto code_point = next_code_point(name, i); code_point && i == name.size() && *code_point >= 0x20) {
            return keysym_for_code_point(*code_point);
        }
    }
    return invalid("unknown key \"" + std::string(name) +
                   "\" (try Return, Tab, Escape, F1-F12, a single character or 0xHEX)");
}

core::Result<std::vector<std::uint32_t>> keysyms_for_chord(std::string_view chord) {
    if (chord == "+") return std::vector<std::uint32_t>{0x002bu};
    std::vector<std::string_view> parts;
    std::string_view rest = chord;
    bool plus_last = false;
    if (rest.size() > 2 && rest.substr(rest.size() - 2) == "++") {
        plus_last = true;
        rest.remove_suffix(2);
    }
    for (;;) {
        const auto plus = rest.find('+');
        parts.push_back(rest.substr(0, plus));
        if (plus == std::string_view::npos) break;
        rest.remove_prefix(plus + 1);
    }
    if (plus_last) parts.push_back("+");
    std::vector<std::uint32_t> keysyms;
    for (std::string_view part : parts) {
        if (part.empty()) return invalid("\"" + std::string(chord) + "\" is not a key or a chord like ctrl+alt+Delete");
        auto keysym = keysym_for_name(part);
        if (!keysym) return keysym.error();
        keysyms.push_back(*keysym);
    }
    return keysyms;
}

core::Result<std::string> utf8_to_latin1(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto code_point = next_code_point(text, i);
        if (!code_point) return invalid("the text is not valid UTF-8");
        out.push_back(*code_point <= 0xff ? static_cast<char>(static_cast<unsigned char>(*code_point)) : '?');
    }
    return out;
}

}  // namespace lifeline::viewer
