// Search words and tags for the knowledge base.
#include "relay/helpdesk/knowledge.hpp"

#include "shared/core/text.hpp"

#include <algorithm>
#include <array>

namespace lifeline::relay::helpdesk {

namespace {

// Words that say nothing about the problem: articles match on the rest. Sorted, for binary search.
constexpr std::array<std::string_view, 133> kStopWords = {
    "about",  "after",   "again",   "all",  "also",    "and",       "any",   "anymore", "anyone", "anything", "are",
    "aren",   "arent",   "because", "been", "before",  "being",     "but",   "can",     "cannot", "cant",     "could",
    "couldn", "couldnt", "did",     "didn", "didnt",   "does",      "doesn", "doesnt",  "doing",  "don",      "done",
    "dont",   "down",    "each",    "even", "ever",    "every",     "for",   "from",    "get",    "gets",     "getting",
    "got",    "had",     "has",     "have", "having",  "hello",     "help",  "her",     "here",   "him",      "his",
    "how",    "into",    "isn",     "isnt", "its",     "just",      "keep",  "keeps",   "like",   "may",      "might",
    "mine",   "more",    "most",    "much", "must",    "nor",       "not",   "nothing", "now",    "off",      "once",
    "only",   "onto",    "other",   "our",  "out",     "over",      "own",   "please",  "really", "same",     "shall",
    "she",    "should",  "since",   "some", "someone", "something", "still", "such",    "than",   "thank",    "thanks",
    "that",   "the",     "their",   "them", "then",    "there",     "these", "they",    "this",   "those",    "too",
    "tried",  "under",   "very",    "was",  "wasn",    "wasnt",     "were",  "what",    "when",   "where",    "which",
    "while",  "who",     "whom",    "why",  "will",    "with",      "won",   "wont",    "would",  "you",      "your",
    "yours",
};
static_assert(std::ranges::is_sorted(kStopWords));

bool is_stop_word(std::string_view word) { return std::binary_search(kStopWords.begin(), kStopWords.end(), word); }

// The code point of the UTF-8 sequence at `s` (valid input) and its length in bytes.
std::pair<char32_t, std::size_t> decode(std::string_view s) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = b(0);
    if (b0 < 0x80) return {b0, 1};
    std::size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
    if (n > s.size()) return {0xFFFD, s.size()};
    char32_t cp = b0 & (0x7F >> n);
    for (std::size_t i = 1; i < n; ++i)
        cp = (cp << 6) | (b(i) & 0x3F);
    return {cp, n};
}

bool is_word_character(char32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    // Latin-1 punctuation and symbols (« » ¿ ©), general punctuation (’ “ — …), CJK punctuation.
    if (cp >= 0xA0 && cp <= 0xBF) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // ª µ º are letters
    if (cp == 0xD7 || cp == 0xF7) return false;                                   // × ÷
    if (cp >= 0x2000 && cp <= 0x206F) return false;
    if (cp >= 0x3000 && cp <= 0x303F) return false;
    if (cp == 0xFEFF || cp == 0xFFFD) return false;
    return true;
}

std::size_t characters(std::string_view word) {
    return static_cast<std::size_t>(
        std::count_if(word.begin(), word.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

template <class Keep>
void collect_words(std::string_view text, std::size_t max_terms, std::vector<std::string>& out, Keep keep) {
    std::string word;
    auto flush = [&] {
        if (!word.empty() && out.size() < max_terms && keep(word) &&
            std::find(out.begin(), out.end(), word) == out.end()) {
            out.push_back(word);
        }
        word.clear();
    };
    for (std::size_t i = 0; i < text.size();) {
        auto [cp, n] = decode(text.substr(i));
        if (is_word_character(cp)) {
            if (cp < 0x80) {
                word.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp));
            } else {
                word.append(text.substr(i, n));
            }
        } else {
            flush();
        }
        i += n;
    }
    flush();
}

}  // namespace

std::vector<std::string> kb_search_terms(std::string_view text, std::size_t max_terms) {
    std::vector<std::string> terms;
    collect_words(text, max_terms, terms, [](const std::string&) { return true; });
    return terms;
}

std::vector<std::string> kb_suggestion_terms(std::string_view subject, std::string_view description,
                                             std::size_t max_terms) {
    std::vector<std::string> terms;
    auto meaningful = [](const std::string& word) { return characters(word) >= 3 && !is_stop_word(word); };
    collect_words(subject, max_terms, terms, meaningful);
    collect_words(description, max_terms, terms, meaningful);
    return terms;
}

core::Result<std::vector<std::string>> normalize_kb_tags(const std::vector<std::string>& tags) {
    if (tags.size() > kMaxKbTags) {
        return core::make_error(core::Errc::invalid_argument,
                                "an article has at most " + std::to_string(kMaxKbTags) + " tags");
    }
    std::vector<std::string> out;
    for (const auto& raw : tags) {
        std::string_view tag = raw;
        auto first = tag.find_first_not_of(" \t");
        tag = first == std::string_view::npos ? std::string_view()
                                              : tag.substr(first, tag.find_last_not_of(" \t") - first + 1);
        if (tag.empty()) return core::make_error(core::Errc::invalid_argument, "a tag cannot be empty");
        if (auto ok = core::check_text("tag", tag, kMaxKbTagBytes, false); !ok) return ok.error();
        if (tag.find_first_of(" ,") != std::string_view::npos) {
            return core::make_error(core::Errc::invalid_argument,
                                    "a tag is one word: '" + std::string(tag) + "' has a blank or a comma");
        }
        std::string lower(tag);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
        if (std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(std::move(lower));
    }
    return out;
}

}  // namespace lifeline::relay::helpdesk
