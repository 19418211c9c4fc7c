// Chat lines between a ticket's staff and the user of its machine, each with its audit row.
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "shared/core/ids.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

struct ChatTicket {
    std::int64_t id = 0;
    v1::Ticket::Status status = v1::Ticket::STATUS_UNSPECIFIED;
    std::string device_id;
};

// The ticket, when it exists and (with `device_id`) was opened from that device: another machine's
// ticket is "not found", so a device learns nothing about tickets that are not its own.
core::Result<ChatTicket> chat_ticket(Connection& c, const std::string& number, const std::string& device_id) {
    auto id = helpdesk::parse_ticket_number(number);
    if (!id) return make_error(Errc::not_found, "no ticket " + number);
    auto& stmt = c.cached("SELECT status, device_id FROM tickets WHERE id = ?");
    stmt.bind(1, *id);
    if (!stmt.step()) return make_error(Errc::not_found, "no ticket " + number);
    ChatTicket ticket{*id, static_cast<v1::Ticket::Status>(stmt.column_int(0)),
                      stmt.column_is_null(1) ? "" : stmt.column_text(1)};
    stmt.reset();
    if (!device_id.empty() && ticket.device_id != device_id) return make_error(Errc::not_found, "no ticket " + number);
    return ticket;
}

std::string live_session(Connection& c, std::int64_t ticket) {
    auto& stmt =
        c.cached("SELECT id FROM sessions WHERE ticket_id = ? AND state = ? ORDER BY requested_at DESC LIMIT 1");
    stmt.bind(1, ticket).bind(2, static_cast<std::int64_t>(v1::Session::ACTIVE));
    std::string id = stmt.step() ? stmt.column_text(0) : "";
    stmt.reset();
    return id;
}

}  // namespace

core::Result<v1::ChatMessage> SqliteTicketStore::add_chat_message(const NewChatMessage& message, core::SystemTime now) {
    return db_.write([&](Connection& c) -> core::Result<v1::ChatMessage> {
        auto ticket = chat_ticket(c, message.ticket_number, message.device_id);
        if (!ticket) return ticket.error();
        if (ticket->status == v1::Ticket::CLOSED) {
            return make_error(Errc::conflict, message.ticket_number + " is closed: open a new ticket");
        }
        const std::int64_t at = core::to_unix_ms(now);
        const std::string session = live_session(c, ticket->id);
        c.cached(
             "INSERT INTO chat_messages (ticket_id, author, from_user, text, session_id, sent_at) "
             "VALUES (?, ?, ?, ?, ?, ?)")
            .bind(1, ticket->id)
            .bind(2, message.author)
            .bind(3, message.from_user ? 1 : 0)
            .bind(4, message.text)
            .bind(5, session)
            .bind(6, at)
            .run();
        v1::ChatMessage stored;
        stored.set_id(c.last_insert_rowid());
        stored.set_ticket_number(helpdesk::format_ticket_number(ticket->id));
        stored.set_author(message.author);
        stored.set_from_user(message.from_user);
        stored.set_text(message.text);
        *stored.mutable_sent_at() = TimeUtil::MillisecondsToTimestamp(at);
        stored.set_session_id(session);
        // The text stays in the chat table; its digest in the chain proves later that nobody edited it.
        const std::string id = std::to_string(stored.id());
        const std::string bytes = std::to_string(message.text.size());
        const std::string digest = core::sha256_hex(message.text);
        append_audit(
            c, message.actor,
            {"chat.message", stored.ticket_number(), session, ticket->device_id,
             details_json(
                 {{"id", id}, {"from", message.from_user ? "user" : "staff"}, {"bytes", bytes}, {"sha256", digest}})},
            at);
        return stored;
    });
}

core::Result<std::vector<v1::ChatMessage>> SqliteTicketStore::list_chat(const std::string& number,
                                                                        const std::string& device_id, int limit) {
    return db_.read([&](Connection& c) -> core::Result<std::vector<v1::ChatMessage>> {
        auto ticket = chat_ticket(c, number, device_id);
        if (!ticket) return ticket.error();
        auto& stmt = c.cached(
            "SELECT id, author, from_user, text, session_id, sent_at FROM chat_messages WHERE ticket_id = ? "
            "ORDER BY id DESC LIMIT ?");
        stmt.bind(1, ticket->id).bind(2, static_cast<std::int64_t>(limit));
        std::vector<v1::ChatMessage> messages;
        while (stmt.step()) {
            auto& m = messages.emplace_back();
            m.set_id(stmt.column_int(0));
            m.set_ticket_number(helpdesk::format_ticket_number(ticket->id));
            m.set_author(stmt.column_text(1));
            m.set_from_user(stmt.column_int(2) != 0);
            m.set_text(stmt.column_text(3));
            m.set_session_id(stmt.column_text(4));
            *m.mutable_sent_at() = TimeUtil::MillisecondsToTimestamp(stmt.column_int(5));
        }
        std::reverse(messages.begin(), messages.end());
        return messages;
    });
}

}  // namespace lifeline::relay::store::sqlite
