// Repository interfaces: everything the relay keeps. Calls block; the HTTP layer runs them off its
// I/O threads. Implementations: store/sqlite (embedded default).
#pragma once

#include "lifeline.pb.h"
#include "shared/core/clock.hpp"
#include "shared/core/error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::store {

// ---------------------------------------------------------------- audit

// Who did something, as the audit log names them, and from where (a remote address, when known).
struct Actor {
    std::string id;  // "user:NAME", "device:ID", "system", "cli"
    std::string address;

    static Actor user(const std::string& username, std::string address = {}) {
        return {"user:" + username, std::move(address)};
    }
    static Actor device(const std::string& device_id, std::string address = {}) {
        return {"device:" + device_id, std::move(address)};
    }
    static Actor system() { return {"system", {}}; }
    static Actor cli() { return {"cli", {}}; }
};

// One audit row to append. `details` is a JSON object's text ("{}" when empty); the actor's address
// is added to it.
struct AuditEvent {
    std::string action;
    std::string ticket;
    std::string session;
    std::string device;
    std::string details = "{}";
};

struct AuditQuery {
    std::optional<std::string> actor;
    std::optional<std::string> action;  // exact, or a prefix when it ends with '.' ("session.")
    std::optional<std::string> ticket;
    std::optional<std::string> session;
    std::optional<std::string> device;
    std::optional<std::int64_t> from_ms, to_ms;  // [from, to)
    int limit = 100;
    std::int64_t before_seq = 0;  // paging: rows older than this (0: from the newest)
};

class AuditStore {
public:
    virtual ~AuditStore() = default;
    // Appends a row on its own, for events that change nothing else (a failed sign-in). Changes
    // made through the other stores write their rows in their own transaction.
    virtual void record(const Actor& actor, const AuditEvent& event, core::SystemTime now) = 0;
    // Newest first.
    virtual v1::AuditPage list(const AuditQuery& query) = 0;
    // Walks the whole chain from the first row.
    virtual v1::AuditVerification verify() = 0;
};

// ---------------------------------------------------------------- users and tokens

struct NewUser {
    std::string username;
    std::string display_name;
    v1::Role role = v1::ROLE_UNSPECIFIED;
    int tier = 0;
    std::string password_hash;
    std::string email{};
};

struct UserRecord {
    std::int64_t id = 0;
    v1::User user;
    std::string password_hash;
};

// Who a valid bearer token belongs to.
struct Principal {
    std::int64_t user_id = 0;
    std::string username;  // "device:<id>" for an agent
    std::string display_name;
    v1::Role role = v1::ROLE_UNSPECIFIED;
    int tier = 0;
    std::string device_id;  // set for role AGENT
};

class UserStore {
public:
    virtual ~UserStore() = default;
    virtual core::Result<v1::User> create_user(const NewUser& user, core::SystemTime now, const Actor& actor) = 0;
    virtual std::optional<UserRecord> find_user(const std::string& username) = 0;
    virtual std::vector<v1::User> list_users() = 0;
    // Applies the fields present; disabling revokes every token of the user in the same transaction.
    virtual core::Result<v1::User> update_user(const std::string& username, const v1::UpdateUserRequest& change,
                                               const Actor& actor) = 0;
    // Replaces the password and revokes every token of the user.
    virtual core::Result<void> set_password_hash(const std::string& username, const std::string& hash,
                                                 const Actor& actor) = 0;

    // A sign-in: stores the new token and audits the login.
    virtual void store_token(const std::string& token_hash, std::int64_t user_id, core::SystemTime now,
                             core::SystemTime expires_at, const Actor& actor) = 0;
    // The principal for an unexpired token of an enabled user, else nullopt.
    virtual std::optional<Principal> find_token(const std::string& token_hash, core::SystemTime now) = 0;
    // A sign-out.
    virtual void revoke_token(const std::string& token_hash, const Actor& actor) = 0;
};

// ---------------------------------------------------------------- tickets

// A change to record in a ticket's history.
struct TicketEventDraft {
    std::string action;
    std::string from;
    std::string to;
    std::string note;
};

struct NewTicket {
    v1::Ticket ticket;  // subject, description, priority, urgency, impact, category, group, requester, channel, device
    std::string created_by;
    std::string idempotency_key;             // with ticket.device_id: a repeat answers the ticket made the first time
    std::vector<TicketEventDraft> events{};  // history after "created" (routing, assignment), same transaction
};

// Decides a change from the ticket's current state, inside the write transaction. It edits the
// ticket in place and lists the history entries; an error leaves the ticket untouched.
using TicketMutation = std::function<core::Result<void>(v1::Ticket& ticket, std::vector<TicketEventDraft>& events)>;

// A chat line to store. With `device_id` set, the ticket must have been opened from that device.
struct NewChatMessage {
    std::string ticket_number;
    std::string author;  // as shown
    bool from_user = false;
    std::string text;
    std::string device_id;
    Actor actor;
};

struct TicketQuery {
    std::vector<v1::Ticket::Status> statuses;  // empty: any
    std::optional<v1::Priority> priority;
    std::optional<std::string> category;
    std::optional<std::string> group;
    std::optional<std::string> member_of;  // tickets of the groups this username belongs to
    std::vector<v1::SlaState> sla_states;  // empty: any
    std::optional<std::string> assignee;   // "" = unassigned
    std::optional<std::string> text;       // substring of subject or description
    int limit = 50;
    std::string cursor;  // from a previous page's next_cursor
};

class TicketStore {
public:
    virtual ~TicketStore() = default;
    // Commits the ticket and its "created" history entry; answers with the assigned number.
    virtual v1::Ticket create_ticket(const NewTicket& ticket, core::SystemTime now) = 0;
    virtual core::Result<v1::Ticket> get_ticket(const std::string& number) = 0;
    virtual core::Result<v1::TicketPage> list_tickets(const TicketQuery& query) = 0;
    virtual core::Result<v1::Ticket> modify_ticket(const std::string& number, const std::string& actor,
                                                   core::SystemTime now, const TicketMutation& mutation) = 0;
    virtual core::Result<v1::Comment> add_comment(const std::string& number, const std::string& author,
                                                  const std::string& body, bool internal, core::SystemTime now) = 0;
    virtual core::Result<v1::CommentList> list_comments(const std::string& number, bool include_internal) = 0;
    virtual core::Result<v1::TicketHistory> ticket_history(const std::string& number) = 0;
    // The tickets opened from a device, newest first.
    virtual std::vector<v1::Ticket> device_tickets(const std::string& device_id, int limit) = 0;

    virtual core::Result<v1::Attachment> add_attachment(const std::string& number, const v1::Attachment& meta,
                                                        const std::string& data, core::SystemTime now) = 0;
    virtual core::Result<v1::AttachmentList> list_attachments(const std::string& number) = 0;

    // Stores the message with the ticket's live session (if any) and its "chat.message" audit row.
    // not_found for an unknown ticket (or another device's); conflict once it is closed.
    virtual core::Result<v1::ChatMessage> add_chat_message(const NewChatMessage& message, core::SystemTime now) = 0;
    // The ticket's latest `limit` messages, oldest first; with `device_id`, only that device's ticket.
    virtual core::Result<std::vector<v1::ChatMessage>> list_chat(const std::string& number,
                                                                 const std::string& device_id, int limit) = 0;
    // The attachment's description and bytes; not_found unless it belongs to that ticket.
    virtual core::Result<std::pair<v1::Attachment, std::string>> get_attachment(const std::string& number,
                                                                                std::int64_t id) = 0;

    // The requester's 1-5 rating of a resolved or closed ticket (a later one replaces it), with a
    // "satisfaction" history entry. With `device_id` set, only that device's ticket. conflict while
    // the ticket is not resolved yet; invalid_argument for a rating outside 1-5.
    virtual core::Result<v1::Ticket> rate_ticket(const std::string& number, const v1::Satisfaction& rating,
                                                 const std::string& device_id, const std::string& actor,
                                                 core::SystemTime now) = 0;
};

// ---------------------------------------------------------------- devices (agents)

struct NewEnrollmentToken {
    std::string token_hash;
    std::string group;
    core::SystemTime expires_at;
    int uses_allowed = 1;
    std::string created_by;
};

// One field of a device's inventory that changed between two snapshots.
struct InventoryChange {
    std::string field;
    std::string from;
    std::string to;
};

struct EnrollmentClaim {
    std::string token_hash;
    std::string hostname;
    std::string machine_id;
    std::string new_device_id;  // used only when the machine is new
    std::string secret_hash;
};

class DeviceStore {
public:
    virtual ~DeviceStore() = default;
    virtual v1::EnrollmentToken create_enrollment_token(const NewEnrollmentToken& token, core::SystemTime now) = 0;
    virtual std::vector<v1::EnrollmentToken> list_enrollment_tokens() = 0;
    virtual core::Result<v1::EnrollmentToken> revoke_enrollment_token(std::int64_t id, const Actor& actor) = 0;
    // Spends one use of a valid token and creates the device, or gives a known machine (same
    // machine id) a new credential, in one transaction: a single-use token enrolls one machine
    // however many race for it. Errc::unauthenticated names why a token is refused.
    virtual core::Result<v1::Device> enroll_device(const EnrollmentClaim& claim, core::SystemTime now,
                                                   const std::string& address) = 0;
    virtual std::vector<v1::Device> list_devices() = 0;
    virtual core::Result<v1::Device> get_device(const std::string& id) = 0;
    virtual core::Result<v1::Device> revoke_device(const std::string& id, const Actor& actor) = 0;
    // Whether sessions may start without someone at the machine answering (the agent must allow it too).
    virtual core::Result<v1::Device> set_unattended(const std::string& id, bool allowed, const Actor& actor) = 0;

    // The enrolled, unrevoked device whose secret hashes to `secret_hash`, else nullopt.
    virtual std::optional<v1::Device> authenticate_device(const std::string& id, const std::string& secret_hash) = 0;
    // Stores a fresh snapshot from the device (and the changes `diff` finds against the previous one).
    virtual void record_snapshot(
        const std::string& id, const v1::SystemInfo& info, core::SystemTime now,
        const std::function<std::vector<InventoryChange>(const v1::SystemInfo& before, const v1::SystemInfo& after)>&
            diff) = 0;
    virtual void record_last_seen(const std::string& id, core::SystemTime at) = 0;
    virtual std::vector<std::pair<core::SystemTime, InventoryChange>> inventory_changes(const std::string& id) = 0;
};

// ---------------------------------------------------------------- remote sessions

using SessionChange = std::function<core::Result<void>(v1::Session& session)>;

// GET /api/v1/sessions: every filter optional, combined with AND; newest first.
struct SessionQuery {
    std::string technician;  // username
    std::string device_id;
    std::string ticket;  // LL-000042
    std::optional<v1::Session::State> state;
    std::optional<std::int64_t> from_ms;  // requested at or after
    std::optional<std::int64_t> to_ms;    // requested before
    int limit = 100;
    std::string cursor;  // a page's next_cursor
};

class SessionStore {
public:
    virtual ~SessionStore() = default;
    // Commits a new session (state REQUESTED) and a "session" entry in its ticket's history.
    // Errc::conflict when the device already has a requested or active session.
    virtual core::Result<v1::Session> create_session(const v1::Session& session) = 0;
    virtual core::Result<v1::Session> get_session(const std::string& id) = 0;
    // Runs `change` on the stored session inside the write transaction and stores the result; a
    // state change is also written to the ticket's history (with the end reason as its note).
    virtual core::Result<v1::Session> update_session(const std::string& id, const SessionChange& change) = 0;
    // Sessions still requested or active, e.g. to close them after a relay restart.
    virtual std::vector<v1::Session> open_sessions() = 0;
    virtual core::Result<v1::SessionList> ticket_sessions(const std::string& number) = 0;
    // Errc::invalid_argument for a cursor this store did not give out.
    virtual core::Result<v1::SessionList> list_sessions(const SessionQuery& query) = 0;
};

}  // namespace lifeline::relay::store
