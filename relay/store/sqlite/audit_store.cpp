// The audit log: one append-only table (triggers refuse UPDATE and DELETE) whose rows are chained by
// SHA-256. Rows are appended on the writer thread, so the chain's order is the commit order.
#include "relay/audit/audit_chain.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace lifeline::relay::store::sqlite {

using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kColumns = "seq, at, actor, action, ticket, session, device, details, prev_hash, hash";

audit::AuditRow read_row(const Statement& row) {
    audit::AuditRow r;
    r.seq = row.column_int(0);
    r.at_ms = row.column_int(1);
    r.actor = row.column_text(2);
    r.action = row.column_text(3);
    r.ticket = row.column_text(4);
    r.session = row.column_text(5);
    r.device = row.column_text(6);
    r.details = row.column_text(7);
    r.prev_hash = row.column_text(8);
    r.hash = row.column_text(9);
    return r;
}

v1::AuditEntry to_entry(const audit::AuditRow& row) {
    v1::AuditEntry entry;
    entry.set_seq(row.seq);
    *entry.mutable_at() = TimeUtil::MillisecondsToTimestamp(row.at_ms);
    entry.set_actor(row.actor);
    entry.set_action(row.action);
    entry.set_ticket_number(row.ticket);
    entry.set_session_id(row.session);
    entry.set_device_id(row.device);
    // Rows are written from JSON we serialised; one that does not parse still shows, with its details empty.
    (void)google::protobuf::util::JsonStringToMessage(row.details, entry.mutable_details());
    entry.set_prev_hash(row.prev_hash);
    entry.set_hash(row.hash);
    return entry;
}

}  // namespace

Actor actor_named(const std::string& name) {
    if (name.starts_with("device:") || name == "system" || name == "cli") return {name, {}};
    return Actor::user(name);
}

std::string details_json(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    boost::json::object object;
    for (const auto& [key, value] : fields)
        object[key] = value;
    return boost::json::serialize(object);
}

void append_audit(Connection& c, const Actor& actor, const AuditEvent& event, std::int64_t at_ms) {
    audit::AuditRow row;
    auto& last = c.cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
        row.seq = last.column_int(0) + 1;
        row.prev_hash = last.column_text(1);
    } else {
        row.seq = 1;
        row.prev_hash = std::string(audit::kGenesisHash);
    }
    last.reset();
    row.at_ms = at_ms;
    row.actor = actor.id;
    row.action = event.action;
    row.ticket = event.ticket;
    row.session = event.session;
    row.device = event.device;
    boost::json::value details = boost::json::parse(event.details.empty() ? "{}" : event.details);
    if (!details.is_object()) throw std::logic_error("audit details must be a JSON object: " + event.action);
    if (!actor.address.empty()) details.as_object()["address"] = actor.address;
    row.details = boost::json::serialize(details);
    row.hash = audit::row_hash(row);
    c.cached("INSERT INTO audit_log (" + std::string(kColumns) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, row.seq)
        .bind(2, row.at_ms)
        .bind(3, row.actor)
        .bind(4, row.action)
        .bind(5, row.ticket)
        .bind(6, row.session)
        .bind(7, row.device)
        .bind(8, row.details)
        .bind(9, row.prev_hash)
        .bind(10, row.hash)
        .run();
}

void SqliteAuditStore::record(const Actor& actor, const AuditEvent& event, core::SystemTime now) {
    db_.write([&](Connection& c) { append_audit(c, actor, event, core::to_unix_ms(now)); });
}

v1::AuditPage SqliteAuditStore::list(const AuditQuery& query) {
    return db_.read([&](Connection& c) {
        std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log WHERE 1";
        std::vector<std::string> texts;
        std::vector<std::int64_t> numbers;
        auto text_filter = [&](const std::optional<std::string>& value, std::string_view column) {
            if (!value) return;
            sql += " AND " + std::string(column) + " = ?";
            texts.push_back(*value);
        };
        text_filter(query.actor, "actor");
        text_filter(query.ticket, "ticket");
        text_filter(query.session, "session");
        text_filter(query.device, "device");
        if (query.action && query.action->ends_with('.')) {
            sql += " AND substr(action, 1, ?) = ?";
        } else {
            text_filter(query.action, "action");
        }
        if (query.from_ms) sql += " AND at >= ?";
        if (query.to_ms) sql += " AND at < ?";
        if (query.before_seq > 0) sql += " AND seq < ?";
        sql += " ORDER BY seq DESC LIMIT ?";

        auto stmt = c.prepare(sql);
        int index = 1;
        for (const auto& text : texts)
            stmt.bind(index++, text);
        if (query.action && query.action->ends_with('.')) {
            stmt.bind(index++, static_cast<std::int64_t>(query.action->size()));
            stmt.bind(index++, *query.action);
        }
        if (query.from_ms) stmt.bind(index++, *query.from_ms);
        if (query.to_ms) stmt.bind(index++, *query.to_ms);
        if (query.before_seq > 0) stmt.bind(index++, query.before_seq);
        stmt.bind(index, static_cast<std::int64_t>(query.limit) + 1);

        v1::AuditPage page;
        while (stmt.step()) {
            if (page.entries_size() == query.limit) {
                page.set_next_cursor(std::to_string(page.entries(page.entries_size() - 1).seq()));
                break;
            }
            *page.add_entries() = to_entry(read_row(stmt));
        }
        return page;
    });
}

v1::AuditVerification SqliteAuditStore::verify() {
    return db_.read([&](Connection& c) {
        audit::ChainVerifier verifier;
        auto stmt = c.prepare("SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY seq");
        while (stmt.step()) {
            if (!verifier.add(read_row(stmt))) break;
        }
        v1::AuditVerification result;
        result.set_intact(verifier.intact());
        result.set_rows(verifier.rows_checked());
        result.set_broken_at(verifier.broken_at());
        result.set_problem(verifier.problem());
        result.set_head_seq(verifier.head_seq());
        result.set_head_hash(verifier.head_hash());
        return result;
    });
}

}  // namespace lifeline::relay::store::sqlite
