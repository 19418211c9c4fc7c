// The knowledge base's repository: articles, their full-text index, counters and "solved by" links
// to tickets. Calls block; the HTTP layer runs them off its I/O threads. Implementation:
// store/sqlite/kb_store.cpp.
#pragma once

#include "knowledge.pb.h"
#include "relay/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::store {

struct NewKbArticle {
    std::string title;
    std::string body_markdown;
    std::string category;
    std::vector<std::string> tags;  // normalized (helpdesk::normalize_kb_tags)
    std::string author;             // username
};

// An edit: the fields present change.
struct KbArticleChange {
    std::optional<std::string> title;
    std::optional<std::string> body_markdown;
    std::optional<std::string> category;
    std::optional<std::vector<std::string>> tags;  // normalized
    std::optional<std::int64_t> expected_revision;
    std::string editor;  // username
    // Whether the editor may change a published article (leads and admins); if not, editing one is
    // permission_denied.
    bool may_edit_published = false;
};

struct KbArticleQuery {
    std::optional<v1::KbArticle::State> state;
    std::optional<std::string> category;
    std::optional<std::string> tag;
    int limit = 50;
    std::string cursor;  // from a previous page's next_cursor
};

// A full-text search. The terms are plain words (helpdesk::kb_search_terms); the store quotes each
// one, so nothing in a term is query syntax.
struct KbSearchQuery {
    std::vector<std::string> terms;
    bool any_term = false;  // false: every term must match; true: any (ranked by how well)
    bool prefix = false;    // a term also matches the words it begins ("print" finds "printer")
    bool published_only = true;
    int limit = 10;
};

enum class KbCounter { view, helped };

class KbStore {
public:
    virtual ~KbStore() = default;

    // Stores a new draft (revision 1) and its "kb.article_created" audit row.
    virtual v1::KbArticle create_article(const NewKbArticle& article, core::SystemTime now, const Actor& actor) = 0;
    // not_found for an unknown id, and for a draft when `published_only`.
    virtual core::Result<v1::KbArticle> get_article(std::int64_t id, bool published_only) = 0;
    // Newest first, without the bodies; invalid_argument for a cursor this store did not give out.
    virtual core::Result<v1::KbArticlePage> list_articles(const KbArticleQuery& query) = 0;
    // Applies the change (revision + 1) with its "kb.article_updated" audit row. conflict when
    // expected_revision is not the stored one; a change that changes nothing answers the article as it is.
    virtual core::Result<v1::KbArticle> update_article(std::int64_t id, const KbArticleChange& change,
                                                       core::SystemTime now, const Actor& actor) = 0;
    // DRAFT -> PUBLISHED or back, audited as "kb.article_published" / "kb.article_unpublished";
    // conflict when the article is already in that state.
    virtual core::Result<v1::KbArticle> set_state(std::int64_t id, v1::KbArticle::State state, core::SystemTime now,
                                                  const Actor& actor) = 0;
    // Adds one to a published article's counter. not_found for a draft when `published_only`,
    // conflict for a draft otherwise: nobody outside the staff reads a draft, so its counts would mean nothing.
    virtual core::Result<v1::KbCounters> count(std::int64_t id, KbCounter counter, bool published_only) = 0;
    // Best match first. No terms: no hits.
    virtual core::Result<std::vector<v1::KbSearchHit>> search(const KbSearchQuery& query) = 0;

    // Records that the article solved the ticket, in the ticket's history ("kb_linked") and the audit
    // log. not_found for an unknown ticket or article; already_exists when they are linked already.
    virtual core::Result<v1::KbTicketLink> link_ticket(const std::string& number, std::int64_t article_id,
                                                       const std::string& username, core::SystemTime now,
                                                       const Actor& actor) = 0;
    // Oldest first; not_found for an unknown ticket.
    virtual core::Result<v1::KbTicketLinkList> ticket_links(const std::string& number) = 0;
};

}  // namespace lifeline::relay::store
