// Schema migrations on an empty database and on an existing one.
#include "relay/store/sqlite/migrations.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "store_fixture.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::store::sqlite {
namespace {

TEST(Migrations, an_empty_database_reaches_the_latest_version) {
    TempDir dir;
    Database db(dir.file("a.db"), true);
    EXPECT_EQ(db.schema_version(), latest_schema_version());
    auto tables = db.read([](Connection& c) {
        std::vector<std::string> names;
        auto stmt = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        while (stmt.step())
            names.push_back(stmt.column_text(0));
        return names;
    });
    // kb_articles_fts is the full-text index; the four after it are FTS5's own shadow tables.
    EXPECT_EQ(tables, (std::vector<std::string>{"audit_log",
                                                "auth_tokens",
                                                "chat_messages",
                                                "comments",
                                                "device_inventory_changes",
                                                "devices",
                                                "enrollment_tokens",
                                                "group_members",
                                                "groups",
                                                "kb_article_tags",
                                                "kb_articles",
                                                "kb_articles_fts",
                                                "kb_articles_fts_config",
                                                "kb_articles_fts_data",
                                                "kb_articles_fts_docsize",
                                                "kb_articles_fts_idx",
                                                "kb_ticket_links",
                                                "mail_outbox",
                                                "sessions",
                                                "ticket_attachments",
                                                "ticket_events",
                                                "tickets",
                                                "users"}));
}

TEST(Migrations, reopening_an_existing_database_keeps_its_data_and_runs_nothing_twice) {
    TempDir dir;
    {
        Database db(dir.file("a.db"), true);
        SqliteUserStore users(db);
        ASSERT_TRUE(users.create_user({"alice", "Alice", v1::TECHNICIAN, 2, "hash"}, std::chrono::system_clock::now(),
                                      store::Actor::cli()));
    }
    Database db(dir.file("a.db"), false);
    EXPECT_EQ(db.schema_version(), latest_schema_version());
    SqliteUserStore users(db);
    auto alice = users.find_user("alice");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->user.tier(), 2);
}

TEST(Migrations, the_database_runs_in_wal_mode_with_full_sync) {
    TempDir dir;
    Database db(dir.file("a.db"), true);
    auto mode = db.read([](Connection& c) {
        auto stmt = c.prepare("PRAGMA journal_mode");
        stmt.step();
        return stmt.column_text(0);
    });
    EXPECT_EQ(mode, "wal");
}

TEST(Migrations, a_database_from_a_newer_build_is_refused_untouched) {
    TempDir dir;
    {
        Database db(dir.file("a.db"), true);
        db.write([](Connection& c) { c.exec("PRAGMA user_version = 999"); });
    }
    EXPECT_THROW(Database(dir.file("a.db"), false), SqliteError);
    Connection raw(dir.file("a.db"), Connection::Mode::read_only);
    auto stmt = raw.prepare("PRAGMA user_version");
    stmt.step();
    EXPECT_EQ(stmt.column_int(0), 999);
}

TEST(Migrations, opening_a_missing_file_without_create_fails) {
    TempDir dir;
    EXPECT_THROW(Database(dir.file("missing.db"), false), SqliteError);
}

}  // namespace
}  // namespace lifeline::relay::store::sqlite
