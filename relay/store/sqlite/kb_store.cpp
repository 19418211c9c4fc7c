// The knowledge base in SQLite: articles, their FTS5 index (kept in step by the triggers of
// migration 8), counters and the tickets an article solved.
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/time_util.h>

#include <charconv>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kArticleColumns =
    "a.id, a.title, a.body_markdown, a.category, a.tags, a.state, a.author, a.updated_by, a.revision, a.created_at, "
    "a.updated_at, a.published_at, a.views, a.helped, "
    "(SELECT count(*) FROM kb_ticket_links l WHERE l.article_id = a.id)";

std::string_view state_text(v1::KbArticle::State state) {
    return state == v1::KbArticle::PUBLISHED ? "published" : "draft";
}

v1::KbArticle::State parse_state(std::string_view text) {
    return text == "published" ? v1::KbArticle::PUBLISHED : v1::KbArticle::DRAFT;
}

std::string join_tags(const std::vector<std::string>& tags) {
    std::string joined;
    for (const auto& tag : tags) {
        if (!joined.empty()) joined += '\n';
        joined += tag;
    }
    return joined;
}

template <class Repeated>
void split_tags(std::string_view joined, Repeated& out) {
    std::size_t start = 0;
    while (start < joined.size()) {
        std::size_t end = joined.find('\n', start);
        if (end == std::string_view::npos) end = joined.size();
        out.Add(std::string(joined.substr(start, end - start)));
        start = end + 1;
    }
}

v1::KbArticle read_article(const Statement& row) {
    v1::KbArticle a;
    a.set_id(row.column_int(0));
    a.set_title(row.column_text(1));
    a.set_body_markdown(row.column_text(2));
    a.set_category(row.column_text(3));
    split_tags(row.column_text(4), *a.mutable_tags());
    a.set_state(parse_state(row.column_text(5)));
    a.set_author(row.column_text(6));
    a.set_updated_by(row.column_text(7));
    a.set_revision(row.column_int(8));
    *a.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(9));
    *a.mutable_updated_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(10));
    if (!row.column_is_null(11)) *a.mutable_published_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(11));
    a.set_views(row.column_int(12));
    a.set_helped(row.column_int(13));
    a.set_solved_tickets(row.column_int(14));
    return a;
}

std::optional<v1::KbArticle> select_article(Connection& c, std::int64_t id) {
    auto& stmt = c.cached("SELECT " + std::string(kArticleColumns) + " FROM kb_articles a WHERE a.id = ?");
    stmt.bind(1, id);
    if (!stmt.step()) return std::nullopt;
    auto article = read_article(stmt);
    stmt.reset();
    return article;
}

core::Error no_article(std::int64_t id) { return make_error(Errc::not_found, "no article " + std::to_string(id)); }

void replace_tags(Connection& c, std::int64_t id, const std::vector<std::string>& tags) {
    c.cached("DELETE FROM kb_article_tags WHERE article_id = ?").bind(1, id).run();
    auto& insert = c.cached("INSERT INTO kb_article_tags (article_id, tag) VALUES (?, ?)");
    for (const auto& tag : tags)
        insert.bind(1, id).bind(2, tag).run();
}

// Each term becomes an FTS5 string ("..." with inner quotes doubled), so whatever a user typed is
// matched as text and never read as FTS5 syntax (NEAR, OR, '*', '-', column filters, parentheses).
std::string match_expression(const KbSearchQuery& query) {
    std::string expression;
    for (const auto& term : query.terms) {
        if (!expression.empty()) expression += query.any_term ? " OR " : " ";
        expression += '"';
        for (char ch : term) {
            if (ch == '"') expression += '"';
            expression += ch;
        }
        expression += '"';
        if (query.prefix) expression += " *";
    }
    return expression;
}

struct LinkTicket {
    std::int64_t id = 0;
    std::string device_id;
};

core::Result<LinkTicket> link_ticket_row(Connection& c, const std::string& number) {
    auto id = helpdesk::parse_ticket_number(number);
    if (!id) return make_error(Errc::not_found, "no ticket " + number);
    auto& stmt = c.cached("SELECT device_id FROM tickets WHERE id = ?");
    stmt.bind(1, *id);
    if (!stmt.step()) return make_error(Errc::not_found, "no ticket " + number);
    LinkTicket ticket{*id, stmt.column_is_null(0) ? "" : stmt.column_text(0)};
    stmt.reset();
    return ticket;
}

}  // namespace

v1::KbArticle SqliteKbStore::create_article(const NewKbArticle& article, core::SystemTime now, const Actor& actor) {
    return db_.write([&](Connection& c) {
        const std::int64_t at = core::to_unix_ms(now);
        c.cached(
             "INSERT INTO kb_articles (title, body_markdown, category, tags, state, author, updated_by, created_at, "
             "updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?)")
            .bind(1, article.title)
            .bind(2, article.body_markdown)
            .bind(3, article.category)
            .bind(4, join_tags(article.tags))
            .bind(5, article.author)
            .bind(6, article.author)
            .bind(7, at)
            .bind(8, at)
            .run();
        const std::int64_t id = c.last_insert_rowid();
        replace_tags(c, id, article.tags);
        const std::string id_text = std::to_string(id);
        append_audit(c, actor,
                     {"kb.article_created", {}, {}, {}, details_json({{"id", id_text}, {"title", article.title}})}, at);
        return *select_article(c, id);
    });
}

core::Result<v1::KbArticle> SqliteKbStore::get_article(std::int64_t id, bool published_only) {
    return db_.read([&](Connection& c) -> core::Result<v1::KbArticle> {
        auto article = select_article(c, id);
        // A draft does not exist for those who may not read it.
        if (!article || (published_only && article->state() != v1::KbArticle::PUBLISHED)) return no_article(id);
        return *article;
    });
}

core::Result<v1::KbArticlePage> SqliteKbStore::list_articles(const KbArticleQuery& query) {
    std::int64_t before = 0;
    if (!query.cursor.empty()) {
        const char* end = query.cursor.data() + query.cursor.size();
        auto [next, ec] = std::from_chars(query.cursor.data(), end, before);
        if (ec != std::errc() || next != end || before <= 0) {
            return make_error(Errc::invalid_argument, "the cursor is not one this server gave out");
        }
    }
    std::string sql = "SELECT " + std::string(kArticleColumns) + " FROM kb_articles a WHERE 1";
    if (query.state) sql += " AND a.state = ?";
    if (query.category) sql += " AND a.category = ?";
    if (query.tag) sql += " AND EXISTS (SELECT 1 FROM kb_article_tags t WHERE t.tag = ? AND t.article_id = a.id)";
    if (before) sql += " AND a.id < ?";
    sql += " ORDER BY a.id DESC LIMIT ?";

    return db_.read([&](Connection& c) -> core::Result<v1::KbArticlePage> {
        auto& stmt = c.cached(sql);
        int index = 1;
        if (query.state) stmt.bind(index++, state_text(*query.state));
        if (query.category) stmt.bind(index++, *query.category);
        if (query.tag) stmt.bind(index++, *query.tag);
        if (before) stmt.bind(index++, before);
        stmt.bind(index++, query.limit + 1);  // one more than asked tells whether another page exists
        v1::KbArticlePage page;
        bool more = false;
        while (stmt.step()) {
            if (page.articles_size() == query.limit) {
                more = true;
                break;
            }
            auto* article = page.add_articles();
            *article = read_article(stmt);
            article->clear_body_markdown();  // a list is for choosing; the body comes with GET by id
        }
        stmt.reset();
        if (more) page.set_next_cursor(std::to_string(page.articles(page.articles_size() - 1).id()));
        return page;
    });
}

core::Result<v1::KbArticle> SqliteKbStore::update_article(std::int64_t id, const KbArticleChange& change,
                                                          core::SystemTime now, const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::KbArticle> {
        auto article = select_article(c, id);
        if (!article) return no_article(id);
        if (article->state() == v1::KbArticle::PUBLISHED && !change.may_edit_published) {
            return make_error(Errc::permission_denied,
                              "only a lead or an admin may edit a published article; unpublish it first");
        }
        if (change.expected_revision && *change.expected_revision != article->revision()) {
            return make_error(Errc::conflict, "article " + std::to_string(id) +
                                                  " was changed meanwhile (now revision " +
                                                  std::to_string(article->revision()) + "); reload it and edit again");
        }
        const std::vector<std::string> old_tags(article->tags().begin(), article->tags().end());
        std::string fields;
        auto note = [&fields](std::string_view name) { fields += fields.empty() ? name : "," + std::string(name); };
        if (change.title && *change.title != article->title()) note("title");
        if (change.body_markdown && *change.body_markdown != article->body_markdown()) note("body_markdown");
        if (change.category && *change.category != article->category()) note("category");
        const bool tags_changed = change.tags && *change.tags != old_tags;
        if (tags_changed) note("tags");
        if (fields.empty()) return *article;  // nothing changed: no new revision, no audit row

        const std::int64_t at = core::to_unix_ms(now);
        c.cached(
             "UPDATE kb_articles SET title = ?, body_markdown = ?, category = ?, tags = ?, updated_by = ?, "
             "updated_at = ?, revision = revision + 1 WHERE id = ?")
            .bind(1, change.title.value_or(article->title()))
            .bind(2, change.body_markdown.value_or(article->body_markdown()))
            .bind(3, change.category.value_or(article->category()))
            .bind(4, join_tags(change.tags.value_or(old_tags)))
            .bind(5, change.editor)
            .bind(6, at)
            .bind(7, id)
            .run();
        if (tags_changed) replace_tags(c, id, *change.tags);
        auto updated = *select_article(c, id);
        const std::string id_text = std::to_string(id);
        const std::string revision = std::to_string(updated.revision());
        append_audit(c, actor,
                     {"kb.article_updated",
                      {},
                      {},
                      {},
                      details_json({{"id", id_text}, {"fields", fields}, {"revision", revision}})},
                     at);
        return updated;
    });
}

core::Result<v1::KbArticle> SqliteKbStore::set_state(std::int64_t id, v1::KbArticle::State state, core::SystemTime now,
                                                     const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::KbArticle> {
        auto article = select_article(c, id);
        if (!article) return no_article(id);
        if (article->state() == state) {
            return make_error(Errc::conflict, "article " + std::to_string(id) +
                                                  (state == v1::KbArticle::PUBLISHED ? " is published already"
                                                                                     : " is a draft already"));
        }
        const std::int64_t at = core::to_unix_ms(now);
        const bool publish = state == v1::KbArticle::PUBLISHED;
        c.cached("UPDATE kb_articles SET state = ?, published_at = ? WHERE id = ?")
            .bind(1, state_text(state))
            .bind(2, publish ? std::optional<std::int64_t>(at) : std::nullopt)
            .bind(3, id)
            .run();
        const std::string id_text = std::to_string(id);
        append_audit(c, actor,
                     {publish ? "kb.article_published" : "kb.article_unpublished",
                      {},
                      {},
                      {},
                      details_json({{"id", id_text}, {"title", article->title()}})},
                     at);
        return *select_article(c, id);
    });
}

core::Result<v1::KbCounters> SqliteKbStore::count(std::int64_t id, KbCounter counter, bool published_only) {
    return db_.write([&](Connection& c) -> core::Result<v1::KbCounters> {
        auto& state = c.cached("SELECT state FROM kb_articles WHERE id = ?");
        state.bind(1, id);
        if (!state.step()) return no_article(id);
        const bool published = parse_state(state.column_text(0)) == v1::KbArticle::PUBLISHED;
        state.reset();
        if (!published) {
            if (published_only) return no_article(id);
            return make_error(Errc::conflict,
                              "article " + std::to_string(id) + " is a draft: only published articles count");
        }
        c.cached(counter == KbCounter::view ? "UPDATE kb_articles SET views = views + 1 WHERE id = ?"
                                            : "UPDATE kb_articles SET helped = helped + 1 WHERE id = ?")
            .bind(1, id)
            .run();
        auto& read = c.cached("SELECT views, helped FROM kb_articles WHERE id = ?");
        read.bind(1, id);
        read.step();
        v1::KbCounters counters;
        counters.set_id(id);
        counters.set_views(read.column_int(0));
        counters.set_helped(read.column_int(1));
        read.reset();
        return counters;
    });
}

core::Result<std::vector<v1::KbSearchHit>> SqliteKbStore::search(const KbSearchQuery& query) {
    if (query.terms.empty()) return std::vector<v1::KbSearchHit>{};
    const std::string expression = match_expression(query);
    return db_.read([&](Connection& c) -> core::Result<std::vector<v1::KbSearchHit>> {
        // Title words weigh most, then tags, category and the body. bm25 is lower for a better match.
        // The snippet always comes from the body: the title is shown beside it anyway.
        auto& stmt = c.cached(
            "SELECT a.id, a.title, snippet(kb_articles_fts, 1, '**', '**', '…', 16), a.category, a.tags, a.state, "
            "bm25(kb_articles_fts, 10.0, 1.0, 5.0, 2.0) AS score, a.views, a.helped "
            "FROM kb_articles_fts JOIN kb_articles a ON a.id = kb_articles_fts.rowid "
            "WHERE kb_articles_fts MATCH ? AND (? = 0 OR a.state = 'published') ORDER BY score, a.id LIMIT ?");
        std::vector<v1::KbSearchHit> hits;
        try {
            stmt.bind(1, expression).bind(2, query.published_only ? 1 : 0).bind(3, query.limit);
            while (stmt.step()) {
                auto& hit = hits.emplace_back();
                hit.set_id(stmt.column_int(0));
                hit.set_title(stmt.column_text(1));
                hit.set_snippet(stmt.column_text(2));
                hit.set_category(stmt.column_text(3));
                split_tags(stmt.column_text(4), *hit.mutable_tags());
                hit.set_state(parse_state(stmt.column_text(5)));
                const std::string bm25 = stmt.column_text(6);
                double score = 0;
                std::from_chars(bm25.data(), bm25.data() + bm25.size(), score);
                hit.set_score(-score);
                hit.set_views(stmt.column_int(7));
                hit.set_helped(stmt.column_int(8));
            }
        } catch (const SqliteError& e) {
            stmt.reset();
            // The quoting above leaves FTS5 nothing to misread; should it still refuse, the caller
            // hears that the text cannot be searched instead of a server failure.
            if (std::string_view(e.what()).find("fts5") == std::string_view::npos) throw;
            return make_error(Errc::invalid_argument, "the search text cannot be searched");
        }
        stmt.reset();
        return hits;
    });
}

core::Result<v1::KbTicketLink> SqliteKbStore::link_ticket(const std::string& number, std::int64_t article_id,
                                                          const std::string& username, core::SystemTime now,
                                                          const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::KbTicketLink> {
        auto ticket = link_ticket_row(c, number);
        if (!ticket) return ticket.error();
        auto article = select_article(c, article_id);
        if (!article) return no_article(article_id);
        auto& seen = c.cached("SELECT 1 FROM kb_ticket_links WHERE ticket_id = ? AND article_id = ?");
        seen.bind(1, ticket->id).bind(2, article_id);
        const bool linked = seen.step();
        seen.reset();
        if (linked) {
            return make_error(Errc::already_exists,
                              number + " is linked to article " + std::to_string(article_id) + " already");
        }
        const std::int64_t at = core::to_unix_ms(now);
        c.cached("INSERT INTO kb_ticket_links (ticket_id, article_id, linked_by, linked_at) VALUES (?, ?, ?, ?)")
            .bind(1, ticket->id)
            .bind(2, article_id)
            .bind(3, username)
            .bind(4, at)
            .run();
        const std::string id_text = std::to_string(article_id);
        c.cached(
             "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) "
             "VALUES (?, ?, ?, 'kb_linked', '', ?, ?)")
            .bind(1, ticket->id)
            .bind(2, at)
            .bind(3, username)
            .bind(4, id_text)
            .bind(5, article->title())
            .run();
        c.cached("UPDATE tickets SET updated_at = ? WHERE id = ?").bind(1, at).bind(2, ticket->id).run();
        const std::string ticket_number = helpdesk::format_ticket_number(ticket->id);
        append_audit(c, actor,
                     {"ticket.kb_linked",
                      ticket_number,
                      {},
                      ticket->device_id,
                      details_json({{"article", id_text}, {"title", article->title()}})},
                     at);
        v1::KbTicketLink link;
        link.set_ticket_number(ticket_number);
        link.set_article_id(article_id);
        link.set_title(article->title());
        link.set_state(article->state());
        link.set_linked_by(username);
        *link.mutable_linked_at() = TimeUtil::MillisecondsToTimestamp(at);
        return link;
    });
}

core::Result<v1::KbTicketLinkList> SqliteKbStore::ticket_links(const std::string& number) {
    return db_.read([&](Connection& c) -> core::Result<v1::KbTicketLinkList> {
        auto ticket = link_ticket_row(c, number);
        if (!ticket) return ticket.error();
        auto& stmt = c.cached(
            "SELECT l.article_id, a.title, a.state, l.linked_by, l.linked_at FROM kb_ticket_links l "
            "JOIN kb_articles a ON a.id = l.article_id WHERE l.ticket_id = ? ORDER BY l.linked_at, l.article_id");
        stmt.bind(1, ticket->id);
        v1::KbTicketLinkList list;
        const std::string ticket_number = helpdesk::format_ticket_number(ticket->id);
        while (stmt.step()) {
            auto* link = list.add_links();
            link->set_ticket_number(ticket_number);
            link->set_article_id(stmt.column_int(0));
            link->set_title(stmt.column_text(1));
            link->set_state(parse_state(stmt.column_text(2)));
            link->set_linked_by(stmt.column_text(3));
            *link->mutable_linked_at() = TimeUtil::MillisecondsToTimestamp(stmt.column_int(4));
        }
        return list;
    });
}

}  // namespace lifeline::relay::store::sqlite
