// Remote sessions: one row per session with its record as a protobuf blob, and their state
// changes in the ticket's history.
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <google/protobuf/util/time_util.h>

#include <charconv>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

std::string state_name(v1::Session::State state) {
    std::string name = v1::Session::State_Name(state);
    for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

core::Result<v1::Session> load(Connection& c, const std::string& id) {
    auto& stmt = c.cached("SELECT record FROM sessions WHERE id = ?");
    stmt.bind(1, id);
    if (!stmt.step()) {
        stmt.reset();
        return make_error(Errc::not_found, "no session " + id);
    }
    v1::Session session;
    bool ok = session.ParseFromString(stmt.column_text(0));
    stmt.reset();
    if (!ok) throw std::runtime_error("session " + id + " has an unreadable record");
    return session;
}

void store_record(Connection& c, const v1::Session& session) {
    auto ms = [](const google::protobuf::Timestamp& t, bool present) -> std::optional<std::int64_t> {
        if (!present) return std::nullopt;
        return google::protobuf::util::TimeUtil::TimestampToMilliseconds(t);
    };
    c.cached("UPDATE sessions SET state = ?, record = ?, started_at = ?, ended_at = ? WHERE id = ?")
        .bind(1, static_cast<std::int64_t>(session.state()))
        .bind_blob(2, session.SerializeAsString())
        .bind(3, ms(session.started_at(), session.has_started_at()))
        .bind(4, ms(session.ended_at(), session.has_ended_at()))
        .bind(5, session.id())
        .run();
}

void add_history(Connection& c, const v1::Session& session, std::int64_t at, const std::string& actor) {
    auto ticket = helpdesk::parse_ticket_number(session.ticket_number());
    if (!ticket) return;
    c.cached(
         "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) "
         "VALUES (?, ?, ?, 'session', ?, ?, ?)")
        .bind(1, *ticket)
        .bind(2, at)
        .bind(3, actor)
        .bind(4, session.id() + " " + (session.mode() == v1::CONTROL ? "control" : "view"))
        .bind(5, state_name(session.state()))
        .bind(6, session.end_reason())
        .run();
}

// ended_by as the session broker writes it -> the audit actor.
Actor session_actor(const v1::Session& s, const std::string& by) {
    if (by == "user" || by == "agent") return Actor::device(s.device_id());
    if (by.starts_with("technician:")) return Actor::user(by.substr(11));
    if (by.starts_with("lead:")) return Actor::user(by.substr(5));
    return Actor::system();
}

std::int64_t ms(const google::protobuf::Timestamp& t) { return TimeUtil::TimestampToMilliseconds(t); }

void audit_session(Connection& c, const Actor& actor, const char* action, const v1::Session& s,
                   boost::json::object details, std::int64_t at) {
    details["mode"] = s.mode() == v1::CONTROL ? "control" : "view";
    append_audit(c, actor, {action, s.ticket_number(), s.id(), s.device_id(), boost::json::serialize(details)}, at);
}

// The audit rows for what `change` did to a session: consent, start, upgrades, the end, the recording.
void audit_session_change(Connection& c, const v1::Session& before, const v1::Session& after) {
    const auto now = core::to_unix_ms(std::chrono::system_clock::now());
    const Actor machine = Actor::device(after.device_id());
    if (before.state() != after.state()) {
        switch (after.state()) {
            case v1::Session::ACTIVE:
                audit_session(c, machine, "session.consented", after, {}, ms(after.answered_at()));
                break;
            case v1::Session::DENIED:
                audit_session(c, machine, "session.denied", after, {{"reason", after.end_reason()}},
                              ms(after.answered_at()));
                break;
            case v1::Session::ENDED:
            case v1::Session::FAILED: {
                boost::json::object details{{"reason", after.end_reason()},
                                            {"endedBy", after.ended_by()},
                                            {"bytesToViewer", after.bytes_to_viewer()},
                                            {"bytesToAgent", after.bytes_to_agent()}};
                if (after.has_started_at() && after.has_ended_at()) {
                    details["durationMs"] = ms(after.ended_at()) - ms(after.started_at());
                }
                audit_session(c, session_actor(after, after.ended_by()),
                              after.state() == v1::Session::ENDED ? "session.ended" : "session.failed", after,
                              std::move(details), after.has_ended_at() ? ms(after.ended_at()) : now);
                break;
            }
            default: break;
        }
    }
    if (!before.has_started_at() && after.has_started_at()) {
        audit_session(c, Actor::system(), "session.started", after, {}, ms(after.started_at()));
    }
    if (!before.upgrade_pending() && after.upgrade_pending()) {
        audit_session(c, Actor::user(after.technician()), "session.upgrade_requested", after, {}, now);
    } else if (before.upgrade_pending() && !after.upgrade_pending() && after.state() == v1::Session::ACTIVE) {
        const bool granted = after.mode() != before.mode();
        audit_session(c, machine, granted ? "session.upgraded" : "session.upgrade_denied", after, {},
                      granted ? ms(after.upgraded_at()) : now);
    }
    if (before.recording_sha256().empty() && !after.recording_sha256().empty()) {
        audit_session(
            c, Actor::system(), "recording.finished", after,
            {{"file", after.recording()}, {"bytes", after.recording_bytes()}, {"sha256", after.recording_sha256()}},
            now);
    }
}

}  // namespace

core::Result<v1::Session> SqliteSessionStore::create_session(const v1::Session& session) {
    return db_.write([&](Connection& c) -> core::Result<v1::Session> {
        auto ticket = helpdesk::parse_ticket_number(session.ticket_number());
        if (!ticket) return make_error(Errc::not_found, "no ticket " + session.ticket_number());
        auto& open = c.cached("SELECT id FROM sessions WHERE device_id = ? AND state IN (?, ?) LIMIT 1");
        open.bind(1, session.device_id())
            .bind(2, static_cast<std::int64_t>(v1::Session::REQUESTED))
            .bind(3, static_cast<std::int64_t>(v1::Session::ACTIVE));
        bool busy = open.step();
        std::string other = busy ? open.column_text(0) : "";
        open.reset();
        if (busy) return make_error(Errc::conflict, "the machine already has a session (" + other + ")");
        std::int64_t at = TimeUtil::TimestampToMilliseconds(session.requested_at());
        c.cached(
             "INSERT INTO sessions (id, ticket_id, device_id, technician, state, requested_at, record) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(1, session.id())
            .bind(2, *ticket)
            .bind(3, session.device_id())
            .bind(4, session.technician())
            .bind(5, static_cast<std::int64_t>(session.state()))
            .bind(6, at)
            .bind_blob(7, session.SerializeAsString())
            .run();
        add_history(c, session, at, session.technician());
        audit_session(c, Actor::user(session.technician()), "session.requested", session,
                      {{"technicianName", session.technician_name()}}, at);
        return session;
    });
}

core::Result<v1::Session> SqliteSessionStore::get_session(const std::string& id) {
    return db_.read([&](Connection& c) { return load(c, id); });
}

core::Result<v1::Session> SqliteSessionStore::update_session(const std::string& id, const SessionChange& change) {
    return db_.write([&](Connection& c) -> core::Result<v1::Session> {
        auto session = load(c, id);
        if (!session) return session;
        const v1::Session original = *session;
        const auto before = session->state();
        const auto mode_before = session->mode();
        if (auto ok = change(*session); !ok) return ok.error();
        store_record(c, *session);
        audit_session_change(c, original, *session);
        if (session->mode() != mode_before) {
            add_history(c, *session, TimeUtil::TimestampToMilliseconds(session->upgraded_at()), "user");
        } else if (session->state() != before) {
            const auto& when = session->has_ended_at() ? session->ended_at() : session->answered_at();
            add_history(c, *session, TimeUtil::TimestampToMilliseconds(when),
                        session->ended_by().empty() ? "agent" : session->ended_by());
        }
        return session;
    });
}

std::vector<v1::Session> SqliteSessionStore::open_sessions() {
    return db_.read([&](Connection& c) {
        std::vector<v1::Session> out;
        auto& stmt = c.cached("SELECT record FROM sessions WHERE state IN (?, ?)");
        stmt.bind(1, static_cast<std::int64_t>(v1::Session::REQUESTED))
            .bind(2, static_cast<std::int64_t>(v1::Session::ACTIVE));
        while (stmt.step()) {
            v1::Session session;
            if (session.ParseFromString(stmt.column_text(0))) out.push_back(std::move(session));
        }
        stmt.reset();
        return out;
    });
}

core::Result<v1::SessionList> SqliteSessionStore::ticket_sessions(const std::string& number) {
    return db_.read([&](Connection& c) -> core::Result<v1::SessionList> {
        auto ticket = helpdesk::parse_ticket_number(number);
        if (!ticket) return make_error(Errc::not_found, "no ticket " + number);
        v1::SessionList list;
        auto& stmt = c.cached("SELECT record FROM sessions WHERE ticket_id = ? ORDER BY requested_at DESC");
        stmt.bind(1, *ticket);
        while (stmt.step()) {
            if (!list.add_sessions()->ParseFromString(stmt.column_text(0))) list.mutable_sessions()->RemoveLast();
        }
        stmt.reset();
        return list;
    });
}

// The cursor is "<requested_at ms>.<id>" of the page's last row: (requested_at, id) orders the rows totally.
core::Result<v1::SessionList> SqliteSessionStore::list_sessions(const SessionQuery& query) {
    std::optional<std::int64_t> cursor_at;
    std::string cursor_id;
    if (!query.cursor.empty()) {
        const auto dot = query.cursor.find('.');
        std::int64_t at = 0;
        const char* end = query.cursor.data() + (dot == std::string::npos ? 0 : dot);
        auto [parsed, ec] = std::from_chars(query.cursor.data(), end, at);
        if (dot == std::string::npos || ec != std::errc() || parsed != end || dot + 1 == query.cursor.size()) {
            return make_error(Errc::invalid_argument, "cursor is not one this API gave out");
        }
        cursor_at = at;
        cursor_id = query.cursor.substr(dot + 1);
    }
    std::optional<std::int64_t> ticket_id;
    if (!query.ticket.empty()) {
        auto parsed = helpdesk::parse_ticket_number(query.ticket);
        if (!parsed) return v1::SessionList{};  // no such ticket, so no sessions
        ticket_id = *parsed;
    }
    return db_.read([&](Connection& c) -> core::Result<v1::SessionList> {
        // One statement for every combination of filters: a NULL parameter matches everything.
        auto& stmt = c.cached(
            "SELECT s.requested_at, s.id, s.record, d.hostname FROM sessions s"
            " LEFT JOIN devices d ON d.id = s.device_id"
            " WHERE (?1 IS NULL OR s.technician = ?1) AND (?2 IS NULL OR s.device_id = ?2)"
            " AND (?3 IS NULL OR s.ticket_id = ?3) AND (?4 IS NULL OR s.state = ?4)"
            " AND (?5 IS NULL OR s.requested_at >= ?5) AND (?6 IS NULL OR s.requested_at < ?6)"
            " AND (?7 IS NULL OR s.requested_at < ?7 OR (s.requested_at = ?7 AND s.id < ?8))"
            " ORDER BY s.requested_at DESC, s.id DESC LIMIT ?9");
        auto text_or_null = [](const std::string& text) {
            return text.empty() ? std::optional<std::string>() : std::optional<std::string>(text);
        };
        stmt.bind(1, text_or_null(query.technician));
        stmt.bind(2, text_or_null(query.device_id));
        stmt.bind(3, ticket_id);
        stmt.bind(4, query.state ? std::optional<std::int64_t>(*query.state) : std::nullopt);
        stmt.bind(5, query.from_ms);
        stmt.bind(6, query.to_ms);
        stmt.bind(7, cursor_at);
        stmt.bind(8, cursor_id);
        stmt.bind(9, query.limit + 1);  // one more than asked tells whether a next page exists
        v1::SessionList list;
        std::string last_cursor;
        while (stmt.step()) {
            if (list.sessions_size() == query.limit) {
                list.set_next_cursor(last_cursor);
                break;
            }
            v1::Session* session = list.add_sessions();
            if (!session->ParseFromString(stmt.column_text(2))) {
                list.mutable_sessions()->RemoveLast();
                continue;
            }
            session->set_device_hostname(stmt.column_text(3));
            last_cursor = std::to_string(stmt.column_int(0)) + "." + stmt.column_text(1);
        }
        stmt.reset();
        return list;
    });
}

}  // namespace lifeline::relay::store::sqlite
