// Files attached to tickets, kept in the database beside the ticket (bounded in size by the API).
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/time_util.h>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kColumns = "id, name, content_type, size, sha256, created_by, created_at";

v1::Attachment read_attachment(const Statement& row) {
    v1::Attachment a;
    a.set_id(row.column_int(0));
    a.set_name(row.column_text(1));
    a.set_content_type(row.column_text(2));
    a.set_size(row.column_int(3));
    a.set_sha256(row.column_text(4));
    a.set_created_by(row.column_text(5));
    *a.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(6));
    return a;
}

core::Result<std::int64_t> existing_ticket(Connection& c, const std::string& number) {
    auto id = helpdesk::parse_ticket_number(number);
    if (!id) return make_error(Errc::not_found, "no ticket " + number);
    auto& stmt = c.cached("SELECT 1 FROM tickets WHERE id = ?");
    stmt.bind(1, *id);
    bool found = stmt.step();
    stmt.reset();
    if (!found) return make_error(Errc::not_found, "no ticket " + number);
    return *id;
}

}  // namespace

core::Result<v1::Attachment> SqliteTicketStore::add_attachment(const std::string& number, const v1::Attachment& meta,
                                                               const std::string& data, core::SystemTime now) {
    return db_.write([&](Connection& c) -> core::Result<v1::Attachment> {
        auto ticket = existing_ticket(c, number);
        if (!ticket) return ticket.error();
        std::int64_t at = core::to_unix_ms(now);
        c.cached(
             "INSERT INTO ticket_attachments (ticket_id, name, content_type, size, sha256, data, created_by, "
             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, *ticket)
            .bind(2, meta.name())
            .bind(3, meta.content_type())
            .bind(4, static_cast<std::int64_t>(data.size()))
            .bind(5, meta.sha256())
            .bind_blob(6, data)
            .bind(7, meta.created_by())
            .bind(8, at)
            .run();
        v1::Attachment stored = meta;
        stored.set_id(c.last_insert_rowid());
        stored.set_size(static_cast<std::int64_t>(data.size()));
        *stored.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(at);
        c.cached(
             "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) "
             "VALUES (?, ?, ?, 'attachment', '', ?, '')")
            .bind(1, *ticket)
            .bind(2, at)
            .bind(3, meta.created_by())
            .bind(4, meta.name())
            .run();
        append_audit(
            c, actor_named(meta.created_by()),
            {"ticket.attachment",
             helpdesk::format_ticket_number(*ticket),
             {},
             {},
             details_json({{"name", meta.name()}, {"size", std::to_string(data.size())}, {"sha256", meta.sha256()}})},
            at);
        return stored;
    });
}

core::Result<v1::AttachmentList> SqliteTicketStore::list_attachments(const std::string& number) {
    return db_.read([&](Connection& c) -> core::Result<v1::AttachmentList> {
        auto ticket = existing_ticket(c, number);
        if (!ticket) return ticket.error();
        auto& stmt = c.cached("SELECT " + std::string(kColumns) +
                              " FROM ticket_attachments WHERE ticket_id = ? "
                              "ORDER BY id");
        stmt.bind(1, *ticket);
        v1::AttachmentList list;
        while (stmt.step())
            *list.add_attachments() = read_attachment(stmt);
        return list;
    });
}

core::Result<std::pair<v1::Attachment, std::string>> SqliteTicketStore::get_attachment(const std::string& number,
                                                                                       std::int64_t id) {
    return db_.read([&](Connection& c) -> core::Result<std::pair<v1::Attachment, std::string>> {
        auto ticket = existing_ticket(c, number);
        if (!ticket) return ticket.error();
        auto& stmt = c.cached("SELECT " + std::string(kColumns) +
                              ", data FROM ticket_attachments WHERE ticket_id = ? AND id = ?");
        stmt.bind(1, *ticket).bind(2, id);
        if (!stmt.step()) return make_error(Errc::not_found, "no such attachment on " + number);
        auto result = std::make_pair(read_attachment(stmt), stmt.column_text(7));
        stmt.reset();
        return result;
    });
}

}  // namespace lifeline::relay::store::sqlite
