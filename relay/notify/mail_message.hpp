// An e-mail as SMTP's DATA carries it: RFC 5322 headers (RFC 2047 encoded words where the text is
// not ASCII), a UTF-8 text/plain body in 7bit, 8bit or quoted-printable, and the dot-stuffing that
// keeps a line "." in the body from ending the transfer. Pure functions, no I/O.
#pragma once

#include "shared/core/clock.hpp"

#include <string>
#include <string_view>

namespace lifeline::relay::notify {

struct MailMessage {
    std::string from;        // plain address
    std::string from_name;   // display name, may be empty or UTF-8
    std::string to;          // plain address
    std::string subject;     // UTF-8; CR, LF and other control characters become spaces
    std::string body;        // UTF-8 text with any line ends
    std::string message_id;  // "<...@...>"; empty: make_message_id(from)
    core::SystemTime date;
};

enum class BodyEncoding { seven_bit, eight_bit, quoted_printable };

// Standard base64 (RFC 4648, with padding), as encoded words and AUTH PLAIN use it.
std::string base64_encode(std::string_view bytes);

// Control characters (CR and LF included) become spaces, runs of blanks one space, ends trimmed:
// what header text must be so nobody can start a header of their own.
std::string single_line(std::string_view text);

// Printable ASCII is returned as it is; anything else becomes RFC 2047 "=?UTF-8?B?...?=" words of at
// most 75 characters, split between characters (never inside one), folded onto new lines.
std::string encode_header_text(std::string_view text);

// Every line end becomes CRLF and the text ends with one.
std::string normalize_line_ends(std::string_view text);

// 7bit when ASCII with short lines; 8bit when the server announced 8BITMIME and no line exceeds
// SMTP's 998 bytes; quoted-printable otherwise.
BodyEncoding choose_body_encoding(std::string_view crlf_body, bool server_8bitmime);

// RFC 2045 quoted-printable of CRLF text: lines of at most 76 characters, blanks before a line end encoded.
std::string quoted_printable(std::string_view crlf_body);

// A line starting with '.' gets a second one (RFC 5321 4.5.2); the input has CRLF line ends.
std::string dot_stuff(std::string_view crlf_text);

// "Tue, 05 Mar 2024 14:07:09 +0000".
std::string rfc5322_date(core::SystemTime time);

// "<32 hex digits@the sender's domain>".
std::string make_message_id(std::string_view from_address);

// Headers, a blank line and the encoded body, CRLF throughout; not yet dot-stuffed.
std::string format_message(const MailMessage& message, BodyEncoding encoding);

}  // namespace lifeline::relay::notify
