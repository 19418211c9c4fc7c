// Tickets, their history and comments in SQLite.
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include "relay/helpdesk/sla_tracking.hpp"
#include "relay/helpdesk/ticket_rules.hpp"

#include <google/protobuf/util/time_util.h>

#include <charconv>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kTicketColumns =
    "id, subject, description, status, priority, urgency, impact, category, grp, tier, requester_name, "
    "requester_contact, assignee, channel, created_by, created_at, updated_at, resolved_at, device_id, sla, "
    "first_response_at, routed_at, escalations, reopens, satisfaction_rating, satisfaction_comment, satisfaction_at, "
    "attention_at";
constexpr int kSystemInfoColumn = 28;  // selected after kTicketColumns

google::protobuf::Timestamp ms_timestamp(std::int64_t ms) { return TimeUtil::MillisecondsToTimestamp(ms); }

v1::Ticket read_ticket(const Statement& row) {
    v1::Ticket t;
    t.set_number(helpdesk::format_ticket_number(row.column_int(0)));
    t.set_subject(row.column_text(1));
    t.set_description(row.column_text(2));
    t.set_status(static_cast<v1::Ticket::Status>(row.column_int(3)));
    t.set_priority(static_cast<v1::Priority>(row.column_int(4)));
    t.set_urgency(static_cast<v1::Level>(row.column_int(5)));
    t.set_impact(static_cast<v1::Level>(row.column_int(6)));
    t.set_category(row.column_text(7));
    t.set_group(row.column_text(8));
    t.set_tier(static_cast<int>(row.column_int(9)));
    t.mutable_requester()->set_name(row.column_text(10));
    t.mutable_requester()->set_contact(row.column_text(11));
    t.set_assignee(row.column_text(12));
    t.set_channel(row.column_text(13));
    t.set_created_by(row.column_text(14));
    *t.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(15));
    *t.mutable_updated_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(16));
    if (!row.column_is_null(17)) *t.mutable_resolved_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(17));
    t.set_device_id(row.column_text(18));
    if (!row.column_is_null(19)) t.mutable_sla()->ParseFromString(row.column_text(19));
    if (!row.column_is_null(20)) *t.mutable_first_response_at() = ms_timestamp(row.column_int(20));
    if (!row.column_is_null(21)) *t.mutable_routed_at() = ms_timestamp(row.column_int(21));
    t.set_escalations(static_cast<int>(row.column_int(22)));
    t.set_reopens(static_cast<int>(row.column_int(23)));
    if (!row.column_is_null(24)) {
        t.mutable_satisfaction()->set_rating(static_cast<int>(row.column_int(24)));
        t.mutable_satisfaction()->set_comment(row.column_text(25));
        *t.mutable_satisfaction()->mutable_rated_at() = ms_timestamp(row.column_int(26));
    }
    if (!row.column_is_null(27)) *t.mutable_attention_at() = ms_timestamp(row.column_int(27));
    return t;
}

core::Result<std::int64_t> ticket_id(const std::string& number) {
    auto id = helpdesk::parse_ticket_number(number);
    if (!id) return make_error(Errc::not_found, "no ticket " + number);
    return *id;
}

std::optional<v1::Ticket> select_ticket(Connection& c, std::int64_t id, bool with_system_info) {
    auto& stmt = c.cached("SELECT " + std::string(kTicketColumns) + ", system_info FROM tickets WHERE id = ?");
    stmt.bind(1, id);
    if (!stmt.step()) return std::nullopt;
    v1::Ticket ticket = read_ticket(stmt);
    if (with_system_info && !stmt.column_is_null(kSystemInfoColumn)) {
        ticket.mutable_system_info()->ParseFromString(stmt.column_text(kSystemInfoColumn));
    }
    stmt.reset();
    return ticket;
}

void insert_event(Connection& c, std::int64_t ticket, std::int64_t at, const std::string& actor,
                  const TicketEventDraft& e) {
    c.cached(
         "INSERT INTO ticket_events (ticket_id, at, actor, action, from_value, to_value, note) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, ticket)
        .bind(2, at)
        .bind(3, actor)
        .bind(4, e.action)
        .bind(5, e.from)
        .bind(6, e.to)
        .bind(7, e.note)
        .run();
    // Every history entry is also an audit row: the history is editable by no one, the audit log provably so.
    std::string device;
    if (auto& owner = c.cached("SELECT device_id FROM tickets WHERE id = ?"); owner.bind(1, ticket).step()) {
        device = owner.column_is_null(0) ? "" : owner.column_text(0);
        owner.reset();
    }
    append_audit(c, actor_named(actor),
                 {"ticket." + e.action,
                  helpdesk::format_ticket_number(ticket),
                  {},
                  device,
                  details_json({{"from", e.from}, {"to", e.to}, {"note", e.note}})},
                 at);
}

std::optional<std::int64_t> timestamp_ms(const google::protobuf::Timestamp& t, bool present) {
    if (!present) return std::nullopt;
    return TimeUtil::TimestampToMilliseconds(t);
}

// The workflow's columns, derived from the ticket: the SLA record with the figures the queue sorts
// and reports count by, the sweep's next look, and the escalation counters.
constexpr std::string_view kWorkflowAssignments =
    "sla = ?, sla_state = ?, response_due = ?, resolution_due = ?, response_breached = ?, resolution_breached = ?, "
    "attention_at = ?, first_response_at = ?, routed_at = ?, escalations = ?, reopens = ?";
constexpr int kWorkflowValues = 11;

void bind_workflow(Statement& stmt, int first, const v1::Ticket& t) {
    if (t.has_sla())
        stmt.bind_blob(first, t.sla().SerializeAsString());
    else
        stmt.bind_null(first);
    const auto& sla = t.sla();
    stmt.bind(first + 1, static_cast<int>(helpdesk::overall_sla_state(sla)));
    stmt.bind(first + 2, timestamp_ms(sla.response().due(), sla.response().has_due()));
    stmt.bind(first + 3, timestamp_ms(sla.resolution().due(), sla.resolution().has_due()));
    stmt.bind(first + 4, sla.response().state() == v1::SLA_BREACHED ? 1 : 0);
    stmt.bind(first + 5, sla.resolution().state() == v1::SLA_BREACHED ? 1 : 0);
    stmt.bind(first + 6, timestamp_ms(t.attention_at(), t.has_attention_at()));
    stmt.bind(first + 7, timestamp_ms(t.first_response_at(), t.has_first_response_at()));
    stmt.bind(first + 8, timestamp_ms(t.routed_at(), t.has_routed_at()));
    stmt.bind(first + 9, t.escalations());
    stmt.bind(first + 10, t.reopens());
}

std::optional<std::string> assignee_value(const v1::Ticket& t) {
    if (t.assignee().empty()) return std::nullopt;
    return t.assignee();
}

// The queue's order: priority, then the resolution target's due time (none: last), then age.
constexpr std::string_view kQueueDue = "coalesce(resolution_due, 9223372036854775807)";

// Cursor: "priority.due_ms.created_ms.id" of the last row of the previous page.
struct Cursor {
    std::int64_t priority = 0, due = 0, created_at = 0, id = 0;
};

std::optional<Cursor> parse_cursor(std::string_view text) {
    Cursor cursor;
    std::int64_t* parts[] = {&cursor.priority, &cursor.due, &cursor.created_at, &cursor.id};
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 4; ++i) {
        auto [next, ec] = std::from_chars(p, end, *parts[i]);
        if (ec != std::errc()) return std::nullopt;
        p = next;
        if (i < 3) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
    }
    if (p != end) return std::nullopt;
    return cursor;
}

std::string escape_like(std::string_view text) {
    std::string out;
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
        out.push_back(ch);
    }
    return out;
}

}  // namespace

v1::Ticket SqliteTicketStore::create_ticket(const NewTicket& request, core::SystemTime now) {
    return db_.write([&](Connection& c) {
        const v1::Ticket& t = request.ticket;
        std::int64_t at = core::to_unix_ms(now);
        if (!request.idempotency_key.empty()) {
            auto& seen = c.cached("SELECT id FROM tickets WHERE device_id = ? AND idempotency_key = ?");
            seen.bind(1, t.device_id()).bind(2, request.idempotency_key);
            if (seen.step()) {
                std::int64_t existing = seen.column_int(0);
                seen.reset();
                return *select_ticket(c, existing, true);
            }
        }
        auto& insert = c.cached(
            "INSERT INTO tickets (subject, description, status, priority, urgency, impact, category, grp, tier, "
            "requester_name, requester_contact, assignee, channel, created_by, created_at, updated_at, device_id, "
            "system_info, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, t.subject())
            .bind(2, t.description())
            .bind(3, static_cast<int>(v1::Ticket::NEW))
            .bind(4, static_cast<int>(t.priority()))
            .bind(5, static_cast<int>(t.urgency()))
            .bind(6, static_cast<int>(t.impact()))
            .bind(7, t.category())
            .bind(8, t.group())
            .bind(9, t.tier() > 0 ? t.tier() : 1)
            .bind(10, t.requester().name())
            .bind(11, t.requester().contact())
            .bind(12, assignee_value(t))
            .bind(13, t.channel())
            .bind(14, request.created_by)
            .bind(15, at)
            .bind(16, at);
        if (t.device_id().empty())
            insert.bind_null(17);
        else
            insert.bind(17, t.device_id());
        if (t.has_system_info())
            insert.bind_blob(18, t.system_info().SerializeAsString());
        else
            insert.bind_null(18);
        if (request.idempotency_key.empty())
            insert.bind_null(19);
        else
            insert.bind(19, request.idempotency_key);
        insert.run();
        std::int64_t id = c.last_insert_rowid();
        v1::Ticket stored = t;
        if (!stored.has_routed_at()) *stored.mutable_routed_at() = ms_timestamp(at);
        auto& workflow = c.cached("UPDATE tickets SET " + std::string(kWorkflowAssignments) + " WHERE id = ?");
        bind_workflow(workflow, 1, stored);
        workflow.bind(kWorkflowValues + 1, id).run();
        insert_event(c, id, at, request.created_by,
                     {"created", "", std::string(helpdesk::status_name(v1::Ticket::NEW)), t.channel()});
        for (const auto& e : request.events)
            insert_event(c, id, at, request.created_by, e);
        return *select_ticket(c, id, true);
    });
}

core::Result<v1::Ticket> SqliteTicketStore::get_ticket(const std::string& number) {
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.read([&](Connection& c) -> core::Result<v1::Ticket> {
        auto ticket = select_ticket(c, *id, true);
        if (!ticket) return make_error(Errc::not_found, "no ticket " + number);
        return *ticket;
    });
}

core::Result<v1::TicketPage> SqliteTicketStore::list_tickets(const TicketQuery& query) {
    std::optional<Cursor> cursor;
    if (!query.cursor.empty()) {
        cursor = parse_cursor(query.cursor);
        if (!cursor) return make_error(Errc::invalid_argument, "the cursor is not one this server gave out");
    }
    std::string sql = "SELECT " + std::string(kTicketColumns) + ", " + std::string(kQueueDue) + " FROM tickets WHERE 1";
    if (!query.statuses.empty()) {
        sql += " AND status IN (";
        for (std::size_t i = 0; i < query.statuses.size(); ++i)
            sql += i ? ", ?" : "?";
        sql += ")";
    }
    if (query.priority) sql += " AND priority = ?";
    if (query.category) sql += " AND category = ?";
    if (query.group) sql += " AND grp = ?";
    if (query.member_of) sql += " AND grp IN (SELECT grp FROM group_members WHERE username = ?)";
    if (!query.sla_states.empty()) {
        sql += " AND sla_state IN (";
        for (std::size_t i = 0; i < query.sla_states.size(); ++i)
            sql += i ? ", ?" : "?";
        sql += ")";
    }
    if (query.assignee) sql += query.assignee->empty() ? " AND assignee IS NULL" : " AND assignee = ?";
    if (query.text) sql += " AND (subject LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')";
    if (cursor) sql += " AND (priority, " + std::string(kQueueDue) + ", created_at, id) > (?, ?, ?, ?)";
    sql += " ORDER BY priority, " + std::string(kQueueDue) + ", created_at, id LIMIT ?";

    return db_.read([&](Connection& c) -> core::Result<v1::TicketPage> {
        auto& stmt = c.cached(sql);
        int index = 1;
        for (auto status : query.statuses)
            stmt.bind(index++, static_cast<int>(status));
        if (query.priority) stmt.bind(index++, static_cast<int>(*query.priority));
        if (query.category) stmt.bind(index++, *query.category);
        if (query.group) stmt.bind(index++, *query.group);
        if (query.member_of) stmt.bind(index++, *query.member_of);
        for (auto state : query.sla_states)
            stmt.bind(index++, static_cast<int>(state));
        if (query.assignee && !query.assignee->empty()) stmt.bind(index++, *query.assignee);
        if (query.text) {
            std::string pattern = "%" + escape_like(*query.text) + "%";
            stmt.bind(index++, pattern);
            stmt.bind(index++, pattern);
        }
        if (cursor) {
            stmt.bind(index++, cursor->priority);
            stmt.bind(index++, cursor->due);
            stmt.bind(index++, cursor->created_at);
            stmt.bind(index++, cursor->id);
        }
        // One row more than asked tells whether another page exists.
        stmt.bind(index++, query.limit + 1);
        v1::TicketPage page;
        std::int64_t last_priority = 0, last_due = 0, last_created = 0, last_id = 0;
        bool more = false;
        while (stmt.step()) {
            if (page.tickets_size() == query.limit) {
                more = true;
                break;
            }
            *page.add_tickets() = read_ticket(stmt);
            last_priority = stmt.column_int(4);
            last_due = stmt.column_int(kSystemInfoColumn);  // the due column takes system_info's place here
            last_created = stmt.column_int(15);
            last_id = stmt.column_int(0);
        }
        stmt.reset();
        if (more) {
            page.set_next_cursor(std::to_string(last_priority) + "." + std::to_string(last_due) + "." +
                                 std::to_string(last_created) + "." + std::to_string(last_id));
        }
        return page;
    });
}

core::Result<v1::Ticket> SqliteTicketStore::modify_ticket(const std::string& number, const std::string& actor,
                                                          core::SystemTime now, const TicketMutation& mutation) {
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.write([&](Connection& c) -> core::Result<v1::Ticket> {
        auto ticket = select_ticket(c, *id, false);
        if (!ticket) return make_error(Errc::not_found, "no ticket " + number);
        std::vector<TicketEventDraft> events;
        const std::string before = ticket->SerializeAsString();
        if (auto decided = mutation(*ticket, events); !decided) return decided.error();
        // Nothing changed: no write, no history. A change without history (the SLA clock moved on) is
        // written without touching updated_at, which is the last change anyone made.
        const bool changed = ticket->SerializeAsString() != before;
        if (events.empty() && !changed) return *select_ticket(c, *id, true);

        std::int64_t at = core::to_unix_ms(now);
        auto resolved_at = timestamp_ms(ticket->resolved_at(), ticket->has_resolved_at());
        std::int64_t updated_at = events.empty() ? TimeUtil::TimestampToMilliseconds(ticket->updated_at()) : at;
        auto& update = c.cached(
            "UPDATE tickets SET subject = ?, status = ?, priority = ?, urgency = ?, impact = ?, category = ?, "
            "grp = ?, tier = ?, assignee = ?, updated_at = ?, resolved_at = ?, " +
            std::string(kWorkflowAssignments) + " WHERE id = ?");
        bind_workflow(update, 12, *ticket);
        update.bind(1, ticket->subject())
            .bind(2, static_cast<int>(ticket->status()))
            .bind(3, static_cast<int>(ticket->priority()))
            .bind(4, static_cast<int>(ticket->urgency()))
            .bind(5, static_cast<int>(ticket->impact()))
            .bind(6, ticket->category())
            .bind(7, ticket->group())
            .bind(8, ticket->tier())
            .bind(9, assignee_value(*ticket))
            .bind(10, updated_at)
            .bind(11, resolved_at)
            .bind(12 + kWorkflowValues, *id)
            .run();
        for (const auto& e : events)
            insert_event(c, *id, at, actor, e);
        return *select_ticket(c, *id, true);
    });
}

core::Result<v1::Comment> SqliteTicketStore::add_comment(const std::string& number, const std::string& author,
                                                         const std::string& body, bool internal, core::SystemTime now) {
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.write([&](Connection& c) -> core::Result<v1::Comment> {
        if (!select_ticket(c, *id, false)) return make_error(Errc::not_found, "no ticket " + number);
        std::int64_t at = core::to_unix_ms(now);
        c.cached("INSERT INTO comments (ticket_id, author, body, internal, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(1, *id)
            .bind(2, author)
            .bind(3, body)
            .bind(4, internal ? 1 : 0)
            .bind(5, at)
            .run();
        v1::Comment comment;
        comment.set_id(c.last_insert_rowid());
        comment.set_author(author);
        comment.set_body(body);
        comment.set_internal(internal);
        *comment.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(at);
        insert_event(c, *id, at, author, {internal ? "internal_note" : "public_reply", "", "", ""});
        c.cached("UPDATE tickets SET updated_at = ? WHERE id = ?").bind(1, at).bind(2, *id).run();
        return comment;
    });
}

core::Result<v1::CommentList> SqliteTicketStore::list_comments(const std::string& number, bool include_internal) {
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.read([&](Connection& c) -> core::Result<v1::CommentList> {
        if (!select_ticket(c, *id, false)) return make_error(Errc::not_found, "no ticket " + number);
        auto& stmt = c.cached(
            "SELECT id, author, body, internal, created_at FROM comments WHERE ticket_id = ? AND (internal = 0 OR ?) "
            "ORDER BY id");
        stmt.bind(1, *id).bind(2, include_internal ? 1 : 0);
        v1::CommentList list;
        while (stmt.step()) {
            auto* comment = list.add_comments();
            comment->set_id(stmt.column_int(0));
            comment->set_author(stmt.column_text(1));
            comment->set_body(stmt.column_text(2));
            comment->set_internal(stmt.column_int(3) != 0);
            *comment->mutable_created_at() = TimeUtil::MillisecondsToTimestamp(stmt.column_int(4));
        }
        return list;
    });
}

core::Result<v1::TicketHistory> SqliteTicketStore::ticket_history(const std::string& number) {
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.read([&](Connection& c) -> core::Result<v1::TicketHistory> {
        if (!select_ticket(c, *id, false)) return make_error(Errc::not_found, "no ticket " + number);
        auto& stmt = c.cached(
            "SELECT id, at, actor, action, from_value, to_value, note FROM ticket_events WHERE ticket_id = ? "
            "ORDER BY id");
        stmt.bind(1, *id);
        v1::TicketHistory history;
        while (stmt.step()) {
            auto* e = history.add_events();
            e->set_id(stmt.column_int(0));
            *e->mutable_at() = TimeUtil::MillisecondsToTimestamp(stmt.column_int(1));
            e->set_actor(stmt.column_text(2));
            e->set_action(stmt.column_text(3));
            e->set_from(stmt.column_text(4));
            e->set_to(stmt.column_text(5));
            e->set_note(stmt.column_text(6));
        }
        return history;
    });
}

std::vector<v1::Ticket> SqliteTicketStore::device_tickets(const std::string& device_id, int limit) {
    return db_.read([&](Connection& c) {
        std::vector<v1::Ticket> tickets;
        auto& stmt = c.cached("SELECT " + std::string(kTicketColumns) +
                              " FROM tickets WHERE device_id = ? ORDER BY id DESC LIMIT ?");
        stmt.bind(1, device_id).bind(2, limit);
        while (stmt.step())
            tickets.push_back(read_ticket(stmt));
        return tickets;
    });
}

core::Result<v1::Ticket> SqliteTicketStore::rate_ticket(const std::string& number, const v1::Satisfaction& rating,
                                                        const std::string& device_id, const std::string& actor,
                                                        core::SystemTime now) {
    if (rating.rating() < 1 || rating.rating() > 5) {
        return make_error(Errc::invalid_argument, "a rating is 1 (bad) to 5 (good)");
    }
    auto id = ticket_id(number);
    if (!id) return id.error();
    return db_.write([&](Connection& c) -> core::Result<v1::Ticket> {
        auto ticket = select_ticket(c, *id, false);
        if (!ticket || (!device_id.empty() && ticket->device_id() != device_id)) {
            return make_error(Errc::not_found, "no ticket " + number);
        }
        if (ticket->status() != v1::Ticket::RESOLVED && ticket->status() != v1::Ticket::CLOSED) {
            return make_error(Errc::conflict, "ticket " + number + " can be rated once it is resolved");
        }
        std::int64_t at = core::to_unix_ms(now);
        c.cached(
             "UPDATE tickets SET satisfaction_rating = ?, satisfaction_comment = ?, satisfaction_at = ? WHERE id = ?")
            .bind(1, rating.rating())
            .bind(2, rating.comment())
            .bind(3, at)
            .bind(4, *id)
            .run();
        std::string previous = ticket->has_satisfaction() ? std::to_string(ticket->satisfaction().rating()) : "";
        insert_event(c, *id, at, actor, {"satisfaction", previous, std::to_string(rating.rating()), rating.comment()});
        return *select_ticket(c, *id, true);
    });
}

}  // namespace lifeline::relay::store::sqlite
