// Knowledge-base rules as plain logic: which words of what someone typed to search for, and how an
// article's tags are kept. The store turns the words into its own query syntax.
#pragma once

#include "shared/core/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::relay::helpdesk {

inline constexpr std::size_t kMaxKbSearchTerms = 16;
inline constexpr std::size_t kMaxKbSuggestTerms = 24;
inline constexpr std::size_t kMaxKbTags = 16;
inline constexpr std::size_t kMaxKbTagBytes = 32;

// The words of `text` in order, each once, at most `max_terms`: runs of ASCII letters and digits
// and of non-ASCII characters other than Unicode punctuation, ASCII lower-cased. Everything else
// (quotes, '*', '-', parentheses, blanks) separates words, so no term carries query syntax.
// `text` must be valid UTF-8 (core::check_text).
std::vector<std::string> kb_search_terms(std::string_view text, std::size_t max_terms = kMaxKbSearchTerms);

// The meaningful words of a ticket's subject and description, to suggest articles from: subject
// words first, then the description's, without English stop-words and words under three characters.
std::vector<std::string> kb_suggestion_terms(std::string_view subject, std::string_view description,
                                             std::size_t max_terms = kMaxKbSuggestTerms);

// Tags as stored: trimmed, ASCII lower-cased, duplicates dropped, order kept. invalid_argument for
// more than kMaxKbTags, an empty tag, one longer than kMaxKbTagBytes, or one with a blank, a comma,
// a control character or invalid UTF-8.
core::Result<std::vector<std::string>> normalize_kb_tags(const std::vector<std::string>& tags);

}  // namespace lifeline::relay::helpdesk
