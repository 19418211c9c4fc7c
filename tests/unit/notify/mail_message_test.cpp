// The notification mail's wire form: dot-stuffing, RFC 2047 subjects, body encodings, headers, and
// the parser of SMTP replies.
#include "relay/notify/mail_message.hpp"
#include "relay/notify/smtp_client.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace lifeline::relay::notify {
namespace {

std::string base64_decode(std::string_view text) {
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char ch : text) {
        if (ch == '=') break;
        int v = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
                : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
                : ch >= '0' && ch <= '9' ? ch - '0' + 52
                : ch == '+'              ? 62
                                         : 63;
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

// Undoes encode_header_text: the words' texts joined.
std::string decode_words(const std::string& header, std::vector<std::string>* words = nullptr) {
    std::string out;
    std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
    for (std::sregex_iterator it(header.begin(), header.end(), word), end; it != end; ++it) {
        if (words) words->push_back(it->str());
        out += base64_decode((*it)[1].str());
    }
    return out;
}

std::string qp_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
        } else if (text.substr(i + 1, 2) == "\r\n") {
            i += 2;  // soft line break
        } else {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        }
    }
    return out;
}

TEST(MailMessage, a_line_starting_with_a_dot_gets_a_second_one) {
    EXPECT_EQ(dot_stuff(".\r\n"), "..\r\n");
    EXPECT_EQ(dot_stuff("first\r\n.hidden\r\nend.\r\n"), "first\r\n..hidden\r\nend.\r\n");
    EXPECT_EQ(dot_stuff("a.b\r\n...\r\n"), "a.b\r\n....\r\n");
    EXPECT_EQ(dot_stuff("no dots\r\n"), "no dots\r\n");
}

TEST(MailMessage, ascii_header_text_stays_as_it_is) {
    EXPECT_EQ(encode_header_text("[LL-000042] Printer jams"), "[LL-000042] Printer jams");
}

TEST(MailMessage, non_ascii_header_text_becomes_encoded_words) {
    EXPECT_EQ(encode_header_text("Grüße"), "=?UTF-8?B?R3LDvMOfZQ==?=");
    // 60 "ü" (120 bytes) need several words; each at most 75 characters, none splitting a character.
    std::string long_text;
    for (int i = 0; i < 60; ++i)
        long_text += "ü";
    long_text += " and more";
    const std::string encoded = encode_header_text(long_text);
    std::vector<std::string> words;
    EXPECT_EQ(decode_words(encoded, &words), long_text);
    ASSERT_GE(words.size(), 3u);
    for (const auto& w : words) {
        EXPECT_LE(w.size(), 75u);
        const std::string text = decode_words(w);
        EXPECT_NE(static_cast<unsigned char>(text.front()) & 0xC0, 0x80u) << "a word starts inside a character";
    }
    EXPECT_NE(encoded.find("\r\n "), std::string::npos) << "the words are folded onto lines of their own";
}

TEST(MailMessage, single_line_removes_line_breaks_and_control_characters) {
    EXPECT_EQ(single_line("Hello\r\nBcc: victim@example.org"), "Hello Bcc: victim@example.org");
    EXPECT_EQ(single_line("  a\t\tb\x01 c  "), "a b c");
}

TEST(MailMessage, the_body_encoding_depends_on_the_text_and_the_server) {
    EXPECT_EQ(choose_body_encoding("plain text\r\n", false), BodyEncoding::seven_bit);
    EXPECT_EQ(choose_body_encoding("Grüße\r\n", true), BodyEncoding::eight_bit);
    EXPECT_EQ(choose_body_encoding("Grüße\r\n", false), BodyEncoding::quoted_printable);
    EXPECT_EQ(choose_body_encoding(std::string(1200, 'x') + "\r\n", true), BodyEncoding::quoted_printable);
}

TEST(MailMessage, quoted_printable_round_trips_with_short_lines) {
    const std::string body = normalize_line_ends("a=b Grüße \n" + std::string(300, 'x') + "\nend\t\n");
    const std::string encoded = quoted_printable(body);
    std::size_t start = 0;
    while (start < encoded.size()) {
        auto end = encoded.find("\r\n", start);
        if (end == std::string::npos) end = encoded.size();
        EXPECT_LE(end - start, 76u);
        // Blanks before a line end are encoded, so no relay can strip them.
        if (end > start) {
            EXPECT_NE(encoded[end - 1], ' ');
            EXPECT_NE(encoded[end - 1], '\t');
        }
        start = end + 2;
    }
    EXPECT_NE(encoded.find("a=3Db"), std::string::npos);
    EXPECT_EQ(qp_decode(encoded), body);
}

TEST(MailMessage, line_ends_become_crlf) {
    EXPECT_EQ(normalize_line_ends("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd\r\n");
    EXPECT_EQ(normalize_line_ends(""), "\r\n");
}

TEST(MailMessage, the_date_is_rfc_5322_in_utc) {
    EXPECT_EQ(rfc5322_date(core::from_unix_ms(1709647629000)), "Tue, 05 Mar 2024 14:07:09 +0000");
}

TEST(MailMessage, the_message_has_the_headers_a_mail_client_expects) {
    MailMessage m{"helpdesk@example.org",
                  "Lifeline \"IT\" helpdesk",
                  "user@example.org",
                  "[LL-000007] Résolu\r\nBcc: victim@example.org",
                  "Line one\n.\nLine three",
                  "<id-1@example.org>",
                  core::from_unix_ms(1709647629000)};
    const std::string text = format_message(m, BodyEncoding::eight_bit);
    const auto blank = text.find("\r\n\r\n");
    ASSERT_NE(blank, std::string::npos);
    const std::string headers = text.substr(0, blank + 2);
    EXPECT_NE(headers.find("From: \"Lifeline \\\"IT\\\" helpdesk\" <helpdesk@example.org>\r\n"), std::string::npos);
    EXPECT_NE(headers.find("To: user@example.org\r\n"), std::string::npos);
    EXPECT_NE(headers.find("Date: Tue, 05 Mar 2024 14:07:09 +0000\r\n"), std::string::npos);
    EXPECT_NE(headers.find("Message-ID: <id-1@example.org>\r\n"), std::string::npos);
    EXPECT_NE(headers.find("MIME-Version: 1.0\r\n"), std::string::npos);
    EXPECT_NE(headers.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
    EXPECT_NE(headers.find("Content-Transfer-Encoding: 8bit\r\n"), std::string::npos);
    // The injected header is part of the encoded subject, never a header line of its own.
    EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos);
    auto subject_at = headers.find("Subject: ");
    ASSERT_NE(subject_at, std::string::npos);
    EXPECT_EQ(decode_words(headers.substr(subject_at)), "[LL-000007] Résolu Bcc: victim@example.org");
    EXPECT_EQ(text.substr(blank + 4), "Line one\r\n.\r\nLine three\r\n");
    // The transfer stuffs the lone dot.
    EXPECT_NE(dot_stuff(text).find("\r\n..\r\n"), std::string::npos);
}

TEST(MailMessage, a_non_ascii_sender_name_is_encoded_and_a_message_id_is_made) {
    MailMessage m{"helpdesk@example.org", "Büro", "user@example.org", "Hi", "x", {}, core::SystemTime{}};
    const std::string text = format_message(m, BodyEncoding::seven_bit);
    EXPECT_NE(text.find("From: =?UTF-8?B?QsO8cm8=?= <helpdesk@example.org>\r\n"), std::string::npos);
    EXPECT_TRUE(std::regex_search(text, std::regex("Message-ID: <[0-9a-f]{32}@example\\.org>\r\n")));
}

TEST(SmtpReplyParser, multi_line_replies_end_at_the_line_with_a_space) {
    SmtpReplyParser parser;
    EXPECT_EQ(parser.feed("250-mail.example.org greets you"), SmtpReplyParser::State::more);
    EXPECT_EQ(parser.feed("250-8BITMIME"), SmtpReplyParser::State::more);
    EXPECT_EQ(parser.feed("250 STARTTLS"), SmtpReplyParser::State::done);
    EXPECT_EQ(parser.reply().code, 250);
    EXPECT_EQ(parser.reply().lines, (std::vector<std::string>{"mail.example.org greets you", "8BITMIME", "STARTTLS"}));

    SmtpReplyParser bare;
    EXPECT_EQ(bare.feed("354"), SmtpReplyParser::State::done);
    EXPECT_EQ(bare.reply().code, 354);
}

TEST(SmtpReplyParser, malformed_lines_are_refused) {
    EXPECT_EQ(SmtpReplyParser().feed("hello"), SmtpReplyParser::State::malformed);
    EXPECT_EQ(SmtpReplyParser().feed("25"), SmtpReplyParser::State::malformed);
    EXPECT_EQ(SmtpReplyParser().feed("250x"), SmtpReplyParser::State::malformed);
    EXPECT_EQ(SmtpReplyParser().feed("999 what"), SmtpReplyParser::State::malformed);
    SmtpReplyParser mixed;
    EXPECT_EQ(mixed.feed("250-first"), SmtpReplyParser::State::more);
    EXPECT_EQ(mixed.feed("550 second"), SmtpReplyParser::State::malformed);
}

}  // namespace
}  // namespace lifeline::relay::notify
