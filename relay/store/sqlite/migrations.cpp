// Schema history. Append new migrations at the end; never edit one that has shipped.
#include "relay/store/sqlite/migrations.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <string>
#include <string_view>

namespace lifeline::relay::store::sqlite {

namespace {

constexpr std::array<std::string_view, 10> kMigrations = {
    // 1: users, bearer tokens, tickets with their history and comments.
    R"sql(
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          INTEGER NOT NULL,
    tier          INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_tokens_user ON auth_tokens(user_id);

-- id is the ticket's sequence number: tickets are never deleted, so max(id)+1 is gap-free.
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    subject           TEXT NOT NULL,
    description       TEXT NOT NULL,
    status            INTEGER NOT NULL,
    priority          INTEGER NOT NULL,
    urgency           INTEGER NOT NULL,
    impact            INTEGER NOT NULL,
    category          TEXT NOT NULL DEFAULT '',
    grp               TEXT NOT NULL DEFAULT '',
    tier              INTEGER NOT NULL DEFAULT 1,
    requester_name    TEXT NOT NULL DEFAULT '',
    requester_contact TEXT NOT NULL DEFAULT '',
    assignee          TEXT,
    channel           TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    resolved_at       INTEGER,
    device_id         TEXT,
    system_info       BLOB
);
-- The queue's order is priority, then age.
CREATE INDEX tickets_queue ON tickets(priority, created_at, id);
CREATE INDEX tickets_status_queue ON tickets(status, priority, created_at, id);
CREATE INDEX tickets_assignee ON tickets(assignee, priority, created_at, id);

CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    internal   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_id, id);
)sql",
    // 2: enrollment tokens and enrolled devices (agents).
    R"sql(
CREATE TABLE enrollment_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    grp          TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    uses_allowed INTEGER NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 0,
    revoked      INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    machine_id   TEXT NOT NULL UNIQUE,
    hostname     TEXT NOT NULL,
    grp          TEXT NOT NULL DEFAULT '',
    secret_hash  TEXT NOT NULL,
    enrolled_at  INTEGER NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0,
    last_seen    INTEGER,
    enrolled_with INTEGER REFERENCES enrollment_tokens(id),
    system_info  BLOB
) WITHOUT ROWID;
CREATE INDEX tickets_device ON tickets(device_id, status);
)sql",
    // 3: idempotent ticket creation from agents, and the inventory's change history.
    R"sql(
ALTER TABLE tickets ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX tickets_idempotency ON tickets(device_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE device_inventory_changes (
    id         INTEGER PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices(id),
    at         INTEGER NOT NULL,
    field      TEXT NOT NULL,
    from_value TEXT NOT NULL,
    to_value   TEXT NOT NULL
);
CREATE INDEX device_inventory_changes_device ON device_inventory_changes(device_id, id);
)sql",
    // 4: files attached to tickets (screenshots from Get help).
    R"sql(
CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments(ticket_id, id);
)sql",
    // 5: remote sessions. The full record is a protobuf blob; the columns are what we look up by.
    R"sql(
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    device_id    TEXT NOT NULL REFERENCES devices(id),
    technician   TEXT NOT NULL,
    state        INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    record       BLOB NOT NULL
);
CREATE INDEX sessions_device_state ON sessions(device_id, state);
CREATE INDEX sessions_ticket ON sessions(ticket_id, requested_at);
-- An admin's yes to sessions nobody at the machine answers; the agent's own policy must agree too.
ALTER TABLE devices ADD COLUMN unattended INTEGER NOT NULL DEFAULT 0;
)sql",
    // 6: the audit log, append-only and hash-chained (relay/audit/audit_chain.hpp).
    R"sql(
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    ticket    TEXT NOT NULL DEFAULT '',
    session   TEXT NOT NULL DEFAULT '',
    device    TEXT NOT NULL DEFAULT '',
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log(actor, seq);
CREATE INDEX audit_action ON audit_log(action, seq);
CREATE INDEX audit_ticket ON audit_log(ticket, seq) WHERE ticket != '';
CREATE INDEX audit_device ON audit_log(device, seq) WHERE device != '';
CREATE INDEX audit_at ON audit_log(at);
-- The relay only appends; the hash chain catches whoever edits the file by other means.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 7: chat between a ticket's staff and the user of its machine.
    R"sql(
CREATE TABLE chat_messages (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    author     TEXT NOT NULL,
    from_user  INTEGER NOT NULL,
    text       TEXT NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    sent_at    INTEGER NOT NULL
);
CREATE INDEX chat_ticket ON chat_messages(ticket_id, id);
)sql",
    // 8: the knowledge base: articles, their full-text index, and the tickets they solved.
    R"sql(
-- tags: the article's tags joined by newlines, for the full-text index; kb_article_tags is their lookup.
CREATE TABLE kb_articles (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    author        TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    published_at  INTEGER,
    views         INTEGER NOT NULL DEFAULT 0,
    helped        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX kb_articles_category ON kb_articles(category, id);
CREATE INDEX kb_articles_state ON kb_articles(state, id);

CREATE TABLE kb_article_tags (
    article_id INTEGER NOT NULL REFERENCES kb_articles(id),
    tag        TEXT NOT NULL,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX kb_article_tags_article ON kb_article_tags(article_id);

-- External content: the text lives once, in kb_articles; the triggers keep the index in step.
-- Porter stemming lets "printing" find "print"; diacritics fold so "cafe" finds "café".
CREATE VIRTUAL TABLE kb_articles_fts USING fts5(
    title, body_markdown, tags, category,
    content = 'kb_articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_articles_fts (rowid, title, body_markdown, tags, category)
        VALUES (new.id, new.title, new.body_markdown, new.tags, new.category);
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_articles_fts (kb_articles_fts, rowid, title, body_markdown, tags, category)
        VALUES ('delete', old.id, old.title, old.body_markdown, old.tags, old.category);
END;
-- Only text changes re-index: counting a view must not rewrite the index.
CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, body_markdown, tags, category ON kb_articles BEGIN
    INSERT INTO kb_articles_fts (kb_articles_fts, rowid, title, body_markdown, tags, category)
        VALUES ('delete', old.id, old.title, old.body_markdown, old.tags, old.category);
    INSERT INTO kb_articles_fts (rowid, title, body_markdown, tags, category)
        VALUES (new.id, new.title, new.body_markdown, new.tags, new.category);
END;

-- "Solved by": the ticket was solved with the article.
CREATE TABLE kb_ticket_links (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    article_id INTEGER NOT NULL REFERENCES kb_articles(id),
    linked_by  TEXT NOT NULL,
    linked_at  INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, article_id)
) WITHOUT ROWID;
CREATE INDEX kb_ticket_links_article ON kb_ticket_links(article_id);
)sql",
    // 9: the helpdesk's workflow: groups and tiers, the SLA clock and escalation state on each ticket,
    // the user's satisfaction rating, session times for reports, e-mail addresses and the mail outbox.
    R"sql(
CREATE TABLE groups (
    name          TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    lead          TEXT NOT NULL DEFAULT '',
    assignment    INTEGER NOT NULL DEFAULT 1,
    -- round robin: the member assigned last, so fairness survives a restart
    last_assigned TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE group_members (
    grp      TEXT NOT NULL REFERENCES groups(name),
    username TEXT NOT NULL,
    tier     INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    PRIMARY KEY (grp, username)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members(username);

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- sla: the TicketSla message. attention_at: the next instant something happens to the ticket
-- without anyone touching it (automatic escalation, SLA at risk, SLA breached), so the sweep reads
-- only the tickets that are due.
ALTER TABLE tickets ADD COLUMN sla BLOB;
ALTER TABLE tickets ADD COLUMN sla_state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN response_due INTEGER;
ALTER TABLE tickets ADD COLUMN resolution_due INTEGER;
ALTER TABLE tickets ADD COLUMN response_breached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolution_breached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN attention_at INTEGER;
ALTER TABLE tickets ADD COLUMN first_response_at INTEGER;
ALTER TABLE tickets ADD COLUMN routed_at INTEGER;
ALTER TABLE tickets ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN satisfaction_rating INTEGER CHECK (satisfaction_rating BETWEEN 1 AND 5);
ALTER TABLE tickets ADD COLUMN satisfaction_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN satisfaction_at INTEGER;
UPDATE tickets SET routed_at = created_at;
CREATE INDEX tickets_attention ON tickets(attention_at) WHERE attention_at IS NOT NULL;
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_group_queue ON tickets(grp, status, priority, created_at, id);

-- Report figures without decoding each session's record.
ALTER TABLE sessions ADD COLUMN started_at INTEGER;
ALTER TABLE sessions ADD COLUMN ended_at INTEGER;
CREATE INDEX sessions_requested ON sessions(requested_at);

-- Mail waits here until the SMTP server took it: a relay restart or a mail server outage loses nothing.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    ticket      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try_at INTEGER NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    sent_at     INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_try_at) WHERE sent_at IS NULL;
)sql",
    // 10: the leads' reports (store/sqlite/report_store.cpp). Covering indexes: a report reads index
    // entries only, never the ticket rows, which system info, descriptions and the SLA blob make
    // wide (a large snapshot pushes migration 9's columns into overflow pages). Each holds the
    // report filters (group, assignee, category) too.
    R"sql(
CREATE INDEX tickets_report_created ON tickets(created_at, priority, status, first_response_at, resolved_at,
                                               reopens, grp, assignee, category, device_id);
CREATE INDEX tickets_report_resolved ON tickets(resolved_at, priority, created_at, sla_state, response_breached,
                                                resolution_breached, grp, assignee, category)
    WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_report_rated ON tickets(satisfaction_at, satisfaction_rating, grp, assignee, category)
    WHERE satisfaction_at IS NOT NULL;
-- The tickets not resolved now: the backlog's starting point and the open breaches.
CREATE INDEX tickets_report_open ON tickets(grp, assignee, category, response_breached, resolution_breached)
    WHERE status < 4;
-- A history entry's or a session's ticket, for the filters: an index entry, not the wide row.
CREATE INDEX tickets_report_owner ON tickets(id, grp, assignee, category);
CREATE INDEX ticket_events_escalated ON ticket_events(at, ticket_id, from_value, to_value, note)
    WHERE action = 'escalated';
CREATE INDEX sessions_report ON sessions(requested_at, technician, ticket_id, started_at, ended_at);
)sql",
};

int current_version(Connection& connection) {
    auto stmt = connection.prepare("PRAGMA user_version");
    stmt.step();
    return static_cast<int>(stmt.column_int(0));
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

void apply_migrations(Connection& connection) {
    int version = current_version(connection);
    if (version > latest_schema_version()) {
        throw SqliteError(0, "database schema version " + std::to_string(version) +
                                 " is newer than this relay understands (" + std::to_string(latest_schema_version()) +
                                 "); upgrade the relay");
    }
    for (int next = version + 1; next <= latest_schema_version(); ++next) {
        connection.exec("BEGIN IMMEDIATE");
        try {
            connection.exec(kMigrations[static_cast<std::size_t>(next - 1)]);
            connection.exec("PRAGMA user_version = " + std::to_string(next));
            connection.exec("COMMIT");
        } catch (...) {
            connection.exec("ROLLBACK");
            throw;
        }
        spdlog::info("store: applied migration {}", next);
    }
}

}  // namespace lifeline::relay::store::sqlite
