// Free-text validation: well-formed UTF-8, no control characters, a size cap.
#include "shared/core/text.hpp"

namespace lifeline::core {

namespace {

// Length of the UTF-8 sequence starting at `s`, or 0 if it is not well-formed (overlongs,
// surrogates and values past U+10FFFF are rejected).
std::size_t utf8_sequence(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = byte(0);
    if (b0 < 0x80) return 1;
    auto cont = [&](std::size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (b0 == 0xE0 && byte(1) < 0xA0) return 0;
        if (b0 == 0xED && byte(1) >= 0xA0) return 0;
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (b0 == 0xF0 && byte(1) < 0x90) return 0;
        if (b0 == 0xF4 && byte(1) >= 0x90) return 0;
        return 4;
    }
    return 0;
}

}  // namespace

Result<void> check_text(std::string_view field, std::string_view value, std::size_t max, bool multiline) {
    if (value.size() > max) {
        return make_error(Errc::invalid_argument,
                          std::string(field) + " is longer than " + std::to_string(max) + " bytes");
    }
    for (std::size_t i = 0; i < value.size();) {
        unsigned char c = static_cast<unsigned char>(value[i]);
        if (c < 0x20 || c == 0x7F) {
            bool allowed = multiline && (c == '\n' || c == '\t' || c == '\r');
            if (!allowed)
                return make_error(Errc::invalid_argument, std::string(field) + " contains a control character");
        }
        std::size_t n = utf8_sequence(value.substr(i));
        if (n == 0) return make_error(Errc::invalid_argument, std::string(field) + " is not valid UTF-8");
        i += n;
    }
    return {};
}

Result<void> check_chat_text(std::string_view text) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        return make_error(Errc::invalid_argument, "a chat message needs some text");
    }
    return check_text("text", text, kMaxChatText, true);
}

bool is_mail_address(std::string_view text) {
    if (text.size() < 3 || text.size() > 254) return false;
    auto at = text.find('@');
    if (at == 0 || at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return false;
    for (unsigned char ch : text) {
        if (ch <= ' ' || ch >= 0x7f || ch == '<' || ch == '>' || ch == '"' || ch == '(' || ch == ')' || ch == ',' ||
            ch == ';' || ch == ':' || ch == '\\' || ch == '[' || ch == ']') {
            return false;
        }
    }
    auto domain = text.substr(at + 1);
    auto dot = domain.find('.');
    return dot != std::string_view::npos && dot > 0 && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

Result<void> check_mail_address(std::string_view field, std::string_view value) {
    if (value.empty() || is_mail_address(value)) return {};
    return make_error(Errc::invalid_argument, std::string(field) + " is not a mail address (name@example.org)");
}

}  // namespace lifeline::core
