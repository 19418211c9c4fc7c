// RFC 5322 / 2045 / 2047 formatting of the relay's notification mail.
#include "relay/notify/mail_message.hpp"

#include "shared/core/ids.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace lifeline::relay::notify {

namespace {

constexpr std::size_t kMaxSmtpLine = 998;  // RFC 5321 4.5.3.1.6, without the CRLF
constexpr std::size_t kQpLine = 76;
constexpr std::size_t kEncodedWordBytes = 45;  // 60 base64 characters: 72 with "=?UTF-8?B?" and "?=" (limit 75)

bool printable_ascii(std::string_view text) {
    for (unsigned char ch : text)
        if (ch < 0x20 || ch > 0x7e) return false;
    return true;
}

// Bytes in the UTF-8 sequence that begins with `lead` (1 for a stray continuation byte, so nothing loops).
std::size_t utf8_length(unsigned char lead) {
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

// A display name as a quoted-string unless it is plain atoms.
std::string display_name(std::string_view name) {
    if (!printable_ascii(name)) return encode_header_text(name);
    std::string quoted = "\"";
    for (char ch : name) {
        if (ch == '"' || ch == '\\') quoted += '\\';
        quoted += ch;
    }
    return quoted + "\"";
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (n > 1) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (n > 2) v |= static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
        out += n > 2 ? kAlphabet[v & 63] : '=';
    }
    return out;
}

std::string single_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool blank = false;
    for (unsigned char ch : text) {
        if (ch < 0x20 || ch == 0x7f || ch == ' ') {
            blank = !out.empty();
            continue;
        }
        if (blank) out += ' ';
        blank = false;
        out += static_cast<char>(ch);
    }
    return out;
}

std::string encode_header_text(std::string_view text) {
    if (printable_ascii(text)) return std::string(text);
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = i;
        while (end < text.size()) {
            const std::size_t n = std::min(utf8_length(static_cast<unsigned char>(text[end])), text.size() - end);
            if (end + n - i > kEncodedWordBytes) break;
            end += n;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64_encode(text.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

std::string normalize_line_ends(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\r\n";
        } else if (text[i] == '\n') {
            out += "\r\n";
        } else {
            out += text[i];
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

BodyEncoding choose_body_encoding(std::string_view crlf_body, bool server_8bitmime) {
    bool ascii = true;
    std::size_t line = 0;
    std::size_t longest = 0;
    for (unsigned char ch : crlf_body) {
        if (ch >= 0x80 || ch == 0) ascii = false;
        if (ch == '\n') {
            line = 0;
        } else if (ch != '\r') {
            longest = std::max(longest, ++line);
        }
    }
    if (longest > kMaxSmtpLine) return BodyEncoding::quoted_printable;
    if (ascii) return BodyEncoding::seven_bit;
    return server_8bitmime ? BodyEncoding::eight_bit : BodyEncoding::quoted_printable;
}

std::string quoted_printable(std::string_view crlf_body) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t start = 0;
    while (start < crlf_body.size()) {
        std::size_t end = crlf_body.find("\r\n", start);
        const bool has_break = end != std::string_view::npos;
        if (!has_break) end = crlf_body.size();
        const std::string_view line = crlf_body.substr(start, end - start);
        std::size_t column = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const auto ch = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            const bool literal = (ch >= 0x21 && ch <= 0x7e && ch != '=') || ((ch == ' ' || ch == '\t') && !last);
            const std::size_t width = literal ? 1 : 3;
            // A soft break leaves room for its own '='.
            if (column + width > kQpLine - 1) {
                out += "=\r\n";
                column = 0;
            }
            if (literal) {
                out += static_cast<char>(ch);
            } else {
                out += '=';
                out += kHex[ch >> 4];
                out += kHex[ch & 15];
            }
            column += width;
        }
        if (has_break) out += "\r\n";
        start = has_break ? end + 2 : end;
    }
    return out;
}

std::string dot_stuff(std::string_view crlf_text) {
    std::string out;
    out.reserve(crlf_text.size() + 16);
    bool line_start = true;
    for (char ch : crlf_text) {
        if (line_start && ch == '.') out += '.';
        out += ch;
        line_start = ch == '\n';
    }
    return out;
}

std::string rfc5322_date(core::SystemTime time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[40];
    // strftime's %a and %b follow the locale; RFC 5322 wants the English names.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday], utc.tm_mday,
                  kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return text;
}

std::string make_message_id(std::string_view from_address) {
    const auto at = from_address.rfind('@');
    const std::string_view domain = at == std::string_view::npos ? "lifeline.invalid" : from_address.substr(at + 1);
    return "<" + core::random_hex(16) + "@" + std::string(domain) + ">";
}

std::string format_message(const MailMessage& message, BodyEncoding encoding) {
    const std::string body = normalize_line_ends(message.body);
    std::string out;
    out.reserve(body.size() + 512);
    const std::string name = single_line(message.from_name);
    out += "From: " + (name.empty() ? message.from : display_name(name) + " <" + message.from + ">") + "\r\n";
    out += "To: " + message.to + "\r\n";
    out += "Subject: " + encode_header_text(single_line(message.subject)) + "\r\n";
    out += "Date: " + rfc5322_date(message.date) + "\r\n";
    out += "Message-ID: " + (message.message_id.empty() ? make_message_id(message.from) : message.message_id) + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    switch (encoding) {
        case BodyEncoding::seven_bit: out += "Content-Transfer-Encoding: 7bit\r\n"; break;
        case BodyEncoding::eight_bit: out += "Content-Transfer-Encoding: 8bit\r\n"; break;
        case BodyEncoding::quoted_printable: out += "Content-Transfer-Encoding: quoted-printable\r\n"; break;
    }
    // Machine-made mail: no out-of-office answers to the helpdesk (RFC 3834).
    out += "Auto-Submitted: auto-generated\r\n";
    out += "\r\n";
    out += encoding == BodyEncoding::quoted_printable ? quoted_printable(body) : body;
    return out;
}

}  // namespace lifeline::relay::notify
