// Knowledge-base words and tags: what reaches the search from what someone typed.
#include "relay/helpdesk/knowledge.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::helpdesk {
namespace {

using Words = std::vector<std::string>;

TEST(KbSearchTerms, query_syntax_only_separates_words) {
    EXPECT_EQ(kb_search_terms(R"(printer "jam" NEAR(a b) -x * title:vpn ^c {d} a+b)"),
              (Words{"printer", "jam", "near", "a", "b", "x", "title", "vpn", "c", "d"}));
    EXPECT_EQ(kb_search_terms(R"(" * ( ) - : ^ + ' ")"), Words{});
    EXPECT_EQ(kb_search_terms(""), Words{});
}

TEST(KbSearchTerms, lower_cases_ascii_keeps_other_letters_and_drops_repeats) {
    EXPECT_EQ(kb_search_terms("Drucker Störung DRUCKER 0x80070005"), (Words{"drucker", "störung", "0x80070005"}));
    EXPECT_EQ(kb_search_terms("打印机 无法 打印"), (Words{"打印机", "无法", "打印"}));
}

TEST(KbSearchTerms, unicode_punctuation_separates_words_too) {
    EXPECT_EQ(kb_search_terms("won’t print… «Outlook» — again"), (Words{"won", "t", "print", "outlook", "again"}));
}

TEST(KbSearchTerms, stops_at_the_most_terms_asked_for) {
    EXPECT_EQ(kb_search_terms("a b c d e f", 3), (Words{"a", "b", "c"}));
    const std::string long_word_first = std::string(100, 'x').append(" y z");
    EXPECT_EQ(kb_search_terms(long_word_first, 2).size(), 2u);
}

TEST(KbSuggestionTerms, keeps_the_words_that_describe_the_problem_subject_first) {
    EXPECT_EQ(kb_suggestion_terms("Printer won't print", "The paper jam light is blinking and I can't print."),
              (Words{"printer", "print", "paper", "jam", "light", "blinking"}));
}

TEST(KbSuggestionTerms, drops_short_words_by_characters_not_bytes) {
    // "äöü" is six bytes but three letters, so it stays; "wé" is two letters.
    EXPECT_EQ(kb_suggestion_terms("wé äöü ok vpn", ""), (Words{"äöü", "vpn"}));
}

TEST(KbSuggestionTerms, a_text_of_only_filler_has_no_terms) {
    EXPECT_EQ(kb_suggestion_terms("Help please", "It does not work, can you help me? Thanks!"), (Words{"work"}));
    EXPECT_EQ(kb_suggestion_terms("", "   "), Words{});
}

TEST(KbTags, are_trimmed_lower_cased_and_kept_once) {
    auto tags = normalize_kb_tags({" Printer", "paper-jam ", "PRINTER", "Störung"});
    ASSERT_TRUE(tags) << tags.error().message;
    EXPECT_EQ(*tags, (Words{"printer", "paper-jam", "störung"}));
    EXPECT_EQ(normalize_kb_tags({}).value(), Words{});
}

TEST(KbTags, refuses_what_cannot_be_a_tag) {
    EXPECT_FALSE(normalize_kb_tags(Words(17, "x")));
    EXPECT_TRUE(normalize_kb_tags(Words(16, "x")));
    EXPECT_FALSE(normalize_kb_tags({"  "}));
    EXPECT_FALSE(normalize_kb_tags({std::string(33, 'a')}));
    EXPECT_TRUE(normalize_kb_tags({std::string(32, 'a')}));
    EXPECT_FALSE(normalize_kb_tags({"paper jam"}));
    EXPECT_FALSE(normalize_kb_tags({"a,b"}));
    EXPECT_FALSE(normalize_kb_tags({"tab\there"}));
    EXPECT_FALSE(normalize_kb_tags({"bad\xff"}));
    EXPECT_EQ(normalize_kb_tags({"a b"}).error().code, core::Errc::invalid_argument);
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
