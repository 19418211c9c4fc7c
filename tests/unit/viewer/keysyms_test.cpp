// Keysyms for typed text, key names and chords, and the clipboard's Latin-1, fed strings.
#include "viewer/core/keysyms.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace lifeline::viewer {
namespace {

using Keysyms = std::vector<std::uint32_t>;

TEST(KeysymTest, TextBecomesOneKeysymPerCharacter) {
    EXPECT_EQ(keysyms_for_text("Hi!").value(), (Keysyms{'H', 'i', '!'}));
    // Latin-1 as itself, anything beyond as 0x01000000 + code point (the euro sign, a CJK ideograph, an emoji).
    EXPECT_EQ(keysyms_for_text("\xc3\xa9\xe2\x82\xac\xe4\xb8\xad\xf0\x9f\x98\x80").value(),
              (Keysyms{0xe9, 0x010020ac, 0x01004e2d, 0x0101f600}));
    EXPECT_EQ(keysyms_for_text("a\tb\nc").value(), (Keysyms{'a', 0xff09, 'b', 0xff0d, 'c'}));
    EXPECT_TRUE(keysyms_for_text("").value().empty());
}

TEST(KeysymTest, MalformedTextAndControlCharactersAreRefused) {
    for (const char* bad : {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "a\x01"}) {
        auto result = keysyms_for_text(bad);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().code, core::Errc::invalid_argument);
    }
}

TEST(KeysymTest, KeyNamesFollowX11AndIgnoreCase) {
    EXPECT_EQ(keysym_for_name("Return").value(), 0xff0du);
    EXPECT_EQ(keysym_for_name("return").value(), 0xff0du);
    EXPECT_EQ(keysym_for_name("Enter").value(), 0xff0du);
    EXPECT_EQ(keysym_for_name("Tab").value(), 0xff09u);
    EXPECT_EQ(keysym_for_name("BackSpace").value(), 0xff08u);
    EXPECT_EQ(keysym_for_name("Page_Down").value(), 0xff56u);
    EXPECT_EQ(keysym_for_name("F1").value(), 0xffbeu);
    EXPECT_EQ(keysym_for_name("F12").value(), 0xffc9u);
    EXPECT_EQ(keysym_for_name("a").value(), static_cast<std::uint32_t>('a'));
    EXPECT_EQ(keysym_for_name("\xc3\xa9").value(), 0xe9u);
    EXPECT_EQ(keysym_for_name("0xff0d").value(), 0xff0du);
    EXPECT_FALSE(keysym_for_name("NoSuchKey"));
    EXPECT_FALSE(keysym_for_name(""));
    EXPECT_FALSE(keysym_for_name("0x"));
    EXPECT_FALSE(keysym_for_name("F13"));
}

TEST(KeysymTest, ChordsListModifiersFirst) {
    EXPECT_EQ(keysyms_for_chord("ctrl+alt+Delete").value(), (Keysyms{0xffe3, 0xffe9, 0xffff}));
    EXPECT_EQ(keysyms_for_chord("shift+Tab").value(), (Keysyms{0xffe1, 0xff09}));
    EXPECT_EQ(keysyms_for_chord("Return").value(), (Keysyms{0xff0d}));
    EXPECT_EQ(keysyms_for_chord("+").value(), (Keysyms{'+'}));
    EXPECT_EQ(keysyms_for_chord("ctrl++").value(), (Keysyms{0xffe3, '+'}));
    EXPECT_FALSE(keysyms_for_chord("ctrl+"));
    EXPECT_FALSE(keysyms_for_chord("ctrl+nope"));
}

TEST(KeysymTest, ClipboardTextBecomesLatin1) {
    EXPECT_EQ(utf8_to_latin1("caf\xc3\xa9").value(), "caf\xe9");
    EXPECT_EQ(utf8_to_latin1("5 \xe2\x82\xac").value(), "5 ?");
    EXPECT_FALSE(utf8_to_latin1("\xc3"));
}

}  // namespace
}  // namespace lifeline::viewer
