// The mail outbox in SQLite (table mail_outbox, migration 9). A mail given up keeps sent_at NULL and
// gets next_try_at = kGivenUp, so it stays visible with its last error but is never due again.
#include "relay/store/sqlite/sqlite_store.hpp"

#include <limits>

namespace lifeline::relay::store::sqlite {

namespace {

constexpr std::int64_t kGivenUp = std::numeric_limits<std::int64_t>::max();

constexpr std::string_view kOutboxColumns =
    "id, recipient, subject, body, kind, ticket, created_at, attempts, next_try_at, last_error, sent_at";

OutboxMail read_outbox_row(const Statement& row) {
    OutboxMail mail;
    mail.id = row.column_int(0);
    mail.mail = {row.column_text(1), row.column_text(2), row.column_text(3), row.column_text(4), row.column_text(5)};
    mail.created_at = core::from_unix_ms(row.column_int(6));
    mail.attempts = static_cast<int>(row.column_int(7));
    const bool sent = !row.column_is_null(10);
    if (sent) mail.sent_at = core::from_unix_ms(row.column_int(10));
    if (!sent && row.column_int(8) != kGivenUp) mail.next_try_at = core::from_unix_ms(row.column_int(8));
    mail.last_error = row.column_text(9);
    return mail;
}

std::vector<OutboxMail> read_outbox_rows(Statement& stmt) {
    std::vector<OutboxMail> rows;
    while (stmt.step())
        rows.push_back(read_outbox_row(stmt));
    stmt.reset();
    return rows;
}

}  // namespace

std::int64_t SqliteMailStore::enqueue(const NewMail& mail, core::SystemTime now) {
    return db_.write([&](Connection& c) {
        const std::int64_t at = core::to_unix_ms(now);
        c.cached(
             "INSERT INTO mail_outbox (recipient, subject, body, kind, ticket, created_at, next_try_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(1, mail.recipient)
            .bind(2, mail.subject)
            .bind(3, mail.body)
            .bind(4, mail.kind)
            .bind(5, mail.ticket)
            .bind(6, at)
            .bind(7, at)
            .run();
        return c.last_insert_rowid();
    });
}

std::vector<OutboxMail> SqliteMailStore::due_mail(core::SystemTime now, int limit) {
    return db_.read([&](Connection& c) {
        auto& stmt = c.cached("SELECT " + std::string(kOutboxColumns) +
                              " FROM mail_outbox WHERE sent_at IS NULL AND next_try_at <= ? ORDER BY next_try_at, id "
                              "LIMIT ?");
        stmt.bind(1, core::to_unix_ms(now)).bind(2, limit);
        return read_outbox_rows(stmt);
    });
}

void SqliteMailStore::mark_sent(std::int64_t id, core::SystemTime now) {
    db_.write([&](Connection& c) {
        c.cached("UPDATE mail_outbox SET sent_at = ?, last_error = '' WHERE id = ? AND sent_at IS NULL")
            .bind(1, core::to_unix_ms(now))
            .bind(2, id)
            .run();
    });
}

std::optional<core::SystemTime> SqliteMailStore::mark_failed(std::int64_t id, const std::string& error, bool permanent,
                                                             const MailRetryPolicy& policy, core::SystemTime now) {
    return db_.write([&](Connection& c) -> std::optional<core::SystemTime> {
        auto& select = c.cached("SELECT attempts FROM mail_outbox WHERE id = ? AND sent_at IS NULL");
        select.bind(1, id);
        if (!select.step()) return std::nullopt;
        const int attempts = static_cast<int>(select.column_int(0)) + 1;
        select.reset();
        std::optional<core::SystemTime> next;
        if (!permanent) {
            if (auto delay = mail_retry_delay(attempts, policy)) next = now + *delay;
        }
        c.cached("UPDATE mail_outbox SET attempts = ?, last_error = ?, next_try_at = ? WHERE id = ?")
            .bind(1, attempts)
            .bind(2, error)
            .bind(3, next ? core::to_unix_ms(*next) : kGivenUp)
            .bind(4, id)
            .run();
        return next;
    });
}

std::optional<core::SystemTime> SqliteMailStore::next_due() {
    return db_.read([&](Connection& c) -> std::optional<core::SystemTime> {
        auto& stmt = c.cached("SELECT min(next_try_at) FROM mail_outbox WHERE sent_at IS NULL AND next_try_at < ?");
        stmt.bind(1, kGivenUp);
        std::optional<core::SystemTime> due;
        if (stmt.step() && !stmt.column_is_null(0)) due = core::from_unix_ms(stmt.column_int(0));
        stmt.reset();
        return due;
    });
}

std::vector<OutboxMail> SqliteMailStore::list_outbox(int limit) {
    return db_.read([&](Connection& c) {
        auto& stmt = c.cached("SELECT " + std::string(kOutboxColumns) + " FROM mail_outbox ORDER BY id DESC LIMIT ?");
        stmt.bind(1, limit);
        return read_outbox_rows(stmt);
    });
}

}  // namespace lifeline::relay::store::sqlite
