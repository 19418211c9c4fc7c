// The knowledge base in SQLite: FTS5 ranking and quoting, the index kept in step with edits,
// revisions, states, counters and "solved by" links with their history and audit rows.
#include "relay/store/sqlite/sqlite_store.hpp"
#include "store_fixture.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::store::sqlite {
namespace {

core::SystemTime at(std::int64_t seconds) { return core::from_unix_ms(1'700'000'000'000 + seconds * 1000); }

class KbStoreTest : public ::testing::Test {
protected:
    v1::KbArticle article(const std::string& title, const std::string& body, std::vector<std::string> tags = {},
                          bool publish = true) {
        auto created = kb.create_article({title, body, "howto", std::move(tags), "tina"}, at(0), Actor::user("tina"));
        if (publish) return kb.set_state(created.id(), v1::KbArticle::PUBLISHED, at(1), Actor::user("lena")).value();
        return created;
    }

    std::vector<std::int64_t> found(std::vector<std::string> terms, bool any = false, bool published_only = true) {
        KbSearchQuery query;
        query.terms = std::move(terms);
        query.any_term = any;
        query.published_only = published_only;
        auto hits = kb.search(query);
        EXPECT_TRUE(hits) << hits.error().message;
        std::vector<std::int64_t> ids;
        if (hits)
            for (const auto& hit : *hits)
                ids.push_back(hit.id());
        return ids;
    }

    TempDir dir;
    Database db{dir.file("kb.db"), true};
    SqliteKbStore kb{db};
    SqliteTicketStore tickets{db};
    SqliteAuditStore audit{db};
};

TEST_F(KbStoreTest, a_word_in_the_title_outranks_the_same_word_in_a_body) {
    auto vpn = article("Connect to the VPN", "Open the VPN client. If the printer is on the office network, print.");
    auto printer = article("Printer shows a paper jam", "Open the front cover and pull the paper out.");
    EXPECT_EQ(found({"printer"}), (std::vector<std::int64_t>{printer.id(), vpn.id()}));
    EXPECT_EQ(found({"cover"}), (std::vector<std::int64_t>{printer.id()}));
    EXPECT_EQ(found({"printer", "cover"}), (std::vector<std::int64_t>{printer.id()}));  // every term
    EXPECT_EQ(found({"cover", "client"}, true).size(), 2u);                             // any term
}

TEST_F(KbStoreTest, stemming_tags_and_diacritics_match) {
    auto printer = article("Paper jam", "Remove the jammed sheet.", {"drucker"});
    auto cafe = article("Wi-Fi in the café", "Join the guest network.");
    EXPECT_EQ(found({"jamming"}), (std::vector<std::int64_t>{printer.id()}));
    EXPECT_EQ(found({"drucker"}), (std::vector<std::int64_t>{printer.id()}));
    EXPECT_EQ(found({"cafe"}), (std::vector<std::int64_t>{cafe.id()}));
}

TEST_F(KbStoreTest, a_hit_carries_a_snippet_of_the_body_with_the_match_marked) {
    article("Paper jam", "Open the front cover, then pull the jammed paper out slowly.");
    KbSearchQuery query;
    query.terms = {"cover"};
    auto hits = kb.search(query).value();
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_NE(hits[0].snippet().find("**cover**"), std::string::npos) << hits[0].snippet();
    EXPECT_EQ(hits[0].title(), "Paper jam");
    EXPECT_GT(hits[0].score(), 0);
}

TEST_F(KbStoreTest, fts_syntax_in_a_term_is_matched_as_text_never_run) {
    article("Printer", "Printer NEAR the door.");
    for (std::string hostile : {"\"", "\"\"", "*", "NEAR(", "NEAR", "OR", "AND", "NOT", "-", "(", ")", "title:printer",
                                "^printer", "a\" OR \"b", "printer\" *", "{title}: x", "\xe2\x80\x9c", "😀"}) {
        KbSearchQuery query;
        query.terms = {hostile};
        query.prefix = true;
        auto hits = kb.search(query);
        EXPECT_TRUE(hits) << hostile << ": " << hits.error().message;
        query.any_term = true;
        query.terms = {hostile, "printer"};
        EXPECT_TRUE(kb.search(query)) << hostile;
    }
    EXPECT_EQ(found({"near"}).size(), 1u);  // the word itself is searchable
}

TEST_F(KbStoreTest, drafts_are_found_only_by_staff_searches) {
    auto draft = article("Reset a password", "Use the self-service page.", {}, false);
    EXPECT_TRUE(found({"password"}).empty());
    EXPECT_EQ(found({"password"}, false, false), (std::vector<std::int64_t>{draft.id()}));
    EXPECT_EQ(kb.get_article(draft.id(), true).error().code, core::Errc::not_found);
    EXPECT_TRUE(kb.get_article(draft.id(), false));
}

TEST_F(KbStoreTest, an_edit_re_indexes_and_counts_a_revision) {
    auto a = article("Outlook will not start", "Start it in safe mode.", {"mail"}, false);
    KbArticleChange change;
    change.title = "Thunderbird will not start";
    change.tags = std::vector<std::string>{"thunderbird"};
    change.expected_revision = 1;
    change.editor = "tom";
    auto edited = kb.update_article(a.id(), change, at(5), Actor::user("tom")).value();
    EXPECT_EQ(edited.revision(), 2);
    EXPECT_EQ(edited.updated_by(), "tom");
    EXPECT_EQ(edited.tags_size(), 1);
    EXPECT_TRUE(found({"outlook"}, false, false).empty());
    EXPECT_TRUE(found({"mail"}, false, false).empty());
    EXPECT_EQ(found({"thunderbird"}, false, false).size(), 1u);

    // Someone who read revision 1 cannot overwrite revision 2.
    auto stale = kb.update_article(a.id(), change, at(6), Actor::user("tina"));
    EXPECT_EQ(stale.error().code, core::Errc::conflict);
    // The same content again is no edit.
    change.expected_revision.reset();
    EXPECT_EQ(kb.update_article(a.id(), change, at(7), Actor::user("tom")).value().revision(), 2);

    KbArticleQuery by_tag;
    by_tag.tag = "thunderbird";
    EXPECT_EQ(kb.list_articles(by_tag).value().articles_size(), 1);
    by_tag.tag = "mail";
    EXPECT_EQ(kb.list_articles(by_tag).value().articles_size(), 0);
}

TEST_F(KbStoreTest, a_published_article_is_edited_only_by_who_may_publish) {
    auto a = article("VPN", "Connect first.");
    KbArticleChange change;
    change.body_markdown = "Connect later.";
    change.editor = "tina";
    EXPECT_EQ(kb.update_article(a.id(), change, at(3), Actor::user("tina")).error().code,
              core::Errc::permission_denied);
    change.may_edit_published = true;
    EXPECT_EQ(kb.update_article(a.id(), change, at(3), Actor::user("lena")).value().body_markdown(), "Connect later.");
}

TEST_F(KbStoreTest, state_changes_that_change_nothing_are_conflicts) {
    auto a = article("VPN", "Connect first.");
    EXPECT_TRUE(a.has_published_at());
    EXPECT_EQ(kb.set_state(a.id(), v1::KbArticle::PUBLISHED, at(2), Actor::user("lena")).error().code,
              core::Errc::conflict);
    auto draft = kb.set_state(a.id(), v1::KbArticle::DRAFT, at(2), Actor::user("lena")).value();
    EXPECT_FALSE(draft.has_published_at());
    EXPECT_EQ(kb.set_state(a.id(), v1::KbArticle::DRAFT, at(2), Actor::user("lena")).error().code,
              core::Errc::conflict);
    EXPECT_EQ(kb.set_state(999, v1::KbArticle::DRAFT, at(2), Actor::user("lena")).error().code, core::Errc::not_found);

    AuditQuery query;
    query.action = "kb.";
    auto rows = audit.list(query);
    ASSERT_EQ(rows.entries_size(), 3);  // created, published, unpublished; newest first
    EXPECT_EQ(rows.entries(0).action(), "kb.article_unpublished");
    EXPECT_EQ(rows.entries(2).action(), "kb.article_created");
}

TEST_F(KbStoreTest, views_and_helped_count_on_published_articles_only) {
    auto a = article("VPN", "Connect first.");
    kb.count(a.id(), KbCounter::view, true).value();
    kb.count(a.id(), KbCounter::view, false).value();
    auto counters = kb.count(a.id(), KbCounter::helped, true).value();
    EXPECT_EQ(counters.views(), 2);
    EXPECT_EQ(counters.helped(), 1);
    EXPECT_EQ(found({"vpn"}).size(), 1u) << "counting leaves the index intact";

    auto draft = article("Draft", "Not yet.", {}, false);
    EXPECT_EQ(kb.count(draft.id(), KbCounter::view, true).error().code, core::Errc::not_found);
    EXPECT_EQ(kb.count(draft.id(), KbCounter::view, false).error().code, core::Errc::conflict);
}

TEST_F(KbStoreTest, the_list_pages_newest_first_and_filters) {
    for (int i = 0; i < 5; ++i)
        article("Article " + std::to_string(i), "Body.", {i % 2 ? "odd" : "even"}, i < 3);
    KbArticleQuery query;
    query.limit = 2;
    auto first = kb.list_articles(query).value();
    ASSERT_EQ(first.articles_size(), 2);
    EXPECT_EQ(first.articles(0).title(), "Article 4");
    EXPECT_TRUE(first.articles(0).body_markdown().empty());
    query.cursor = first.next_cursor();
    auto second = kb.list_articles(query).value();
    EXPECT_EQ(second.articles(0).title(), "Article 2");
    query.cursor = second.next_cursor();
    auto last = kb.list_articles(query).value();
    EXPECT_EQ(last.articles_size(), 1);
    EXPECT_TRUE(last.next_cursor().empty());

    KbArticleQuery drafts;
    drafts.state = v1::KbArticle::DRAFT;
    EXPECT_EQ(kb.list_articles(drafts).value().articles_size(), 2);
    drafts.tag = "odd";
    EXPECT_EQ(kb.list_articles(drafts).value().articles_size(), 1);
    drafts.cursor = "x";
    EXPECT_EQ(kb.list_articles(drafts).error().code, core::Errc::invalid_argument);
}

TEST_F(KbStoreTest, a_link_goes_to_the_ticket_history_and_the_audit_log_once) {
    NewTicket t;
    t.ticket.set_subject("Printer jammed");
    t.ticket.set_channel("api");
    t.created_by = "tina";
    auto ticket = tickets.create_ticket(t, at(0));
    auto a = article("Paper jam", "Open the cover.");

    auto link = kb.link_ticket(ticket.number(), a.id(), "tina", at(9), Actor::user("tina", "127.0.0.1")).value();
    EXPECT_EQ(link.ticket_number(), ticket.number());
    EXPECT_EQ(link.title(), "Paper jam");
    EXPECT_EQ(kb.link_ticket(ticket.number(), a.id(), "tom", at(10), Actor::user("tom")).error().code,
              core::Errc::already_exists);
    EXPECT_EQ(kb.link_ticket("LL-999999", a.id(), "tom", at(10), Actor::user("tom")).error().code,
              core::Errc::not_found);
    EXPECT_EQ(kb.link_ticket(ticket.number(), 999, "tom", at(10), Actor::user("tom")).error().code,
              core::Errc::not_found);

    auto links = kb.ticket_links(ticket.number()).value();
    ASSERT_EQ(links.links_size(), 1);
    EXPECT_EQ(links.links(0).linked_by(), "tina");
    EXPECT_EQ(kb.get_article(a.id(), true).value().solved_tickets(), 1);

    auto history = tickets.ticket_history(ticket.number()).value();
    const auto& last = history.events(history.events_size() - 1);
    EXPECT_EQ(last.action(), "kb_linked");
    EXPECT_EQ(last.to(), std::to_string(a.id()));
    EXPECT_EQ(last.note(), "Paper jam");
    AuditQuery query;
    query.action = "ticket.kb_linked";
    auto rows = audit.list(query);
    ASSERT_EQ(rows.entries_size(), 1);
    EXPECT_EQ(rows.entries(0).ticket_number(), ticket.number());
    EXPECT_EQ(rows.entries(0).actor(), "user:tina");
    EXPECT_TRUE(audit.verify().intact());
}

}  // namespace
}  // namespace lifeline::relay::store::sqlite
