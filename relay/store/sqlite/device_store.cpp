// Enrollment tokens and enrolled devices in SQLite.
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include "shared/core/ids.hpp"

#include <google/protobuf/util/time_util.h>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kTokenColumns = "id, grp, created_at, expires_at, uses_allowed, uses, revoked, created_by";

v1::EnrollmentToken read_token(const Statement& row) {
    v1::EnrollmentToken t;
    t.set_id(row.column_int(0));
    t.set_group(row.column_text(1));
    *t.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(2));
    *t.mutable_expires_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(3));
    t.set_uses_allowed(static_cast<int>(row.column_int(4)));
    t.set_uses(static_cast<int>(row.column_int(5)));
    t.set_revoked(row.column_int(6) != 0);
    t.set_created_by(row.column_text(7));
    return t;
}

// Open tickets count what is still being worked on: new, open, pending.
constexpr std::string_view kDeviceSelect =
    "SELECT d.id, d.hostname, d.machine_id, d.grp, d.revoked, d.enrolled_at, d.last_seen, d.system_info, "
    "(SELECT count(*) FROM tickets t WHERE t.device_id = d.id AND t.status IN (1, 2, 3)), d.unattended FROM devices d";

// The select with a clause after it. Appended rather than `std::string(kDeviceSelect) + "..."`, which GCC 12 at -O2
// takes for an out-of-bounds copy (a false -Warray-bounds that the ci preset turns into an error).
std::string device_query(std::string_view clause) {
    std::string sql;
    sql.reserve(kDeviceSelect.size() + clause.size());
    sql.append(kDeviceSelect).append(clause);
    return sql;
}

v1::Device read_device(const Statement& row, bool with_system_info) {
    v1::Device d;
    d.set_id(row.column_text(0));
    d.set_hostname(row.column_text(1));
    d.set_machine_id(row.column_text(2));
    d.set_group(row.column_text(3));
    d.set_revoked(row.column_int(4) != 0);
    *d.mutable_enrolled_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(5));
    if (!row.column_is_null(6)) *d.mutable_last_seen() = TimeUtil::MillisecondsToTimestamp(row.column_int(6));
    if (!row.column_is_null(7)) {
        v1::SystemInfo info;
        if (info.ParseFromString(row.column_text(7))) {
            d.set_os_name(info.os_name());
            d.set_user(info.user());
            if (with_system_info) *d.mutable_system_info() = std::move(info);
        }
    }
    d.set_open_tickets(static_cast<int>(row.column_int(8)));
    d.set_unattended_allowed(row.column_int(9) != 0);
    return d;
}

std::optional<v1::Device> select_device(Connection& c, const std::string& id, bool with_system_info) {
    auto& stmt = c.cached(device_query(" WHERE d.id = ?"));
    stmt.bind(1, id);
    if (!stmt.step()) return std::nullopt;
    auto device = read_device(stmt, with_system_info);
    stmt.reset();
    return device;
}

}  // namespace

v1::EnrollmentToken SqliteDeviceStore::create_enrollment_token(const NewEnrollmentToken& token, core::SystemTime now) {
    return db_.write([&](Connection& c) {
        c.cached(
             "INSERT INTO enrollment_tokens (token_hash, grp, created_at, expires_at, uses_allowed, created_by) "
             "VALUES (?, ?, ?, ?, ?, ?)")
            .bind(1, token.token_hash)
            .bind(2, token.group)
            .bind(3, core::to_unix_ms(now))
            .bind(4, core::to_unix_ms(token.expires_at))
            .bind(5, token.uses_allowed)
            .bind(6, token.created_by)
            .run();
        auto& stmt = c.cached("SELECT " + std::string(kTokenColumns) + " FROM enrollment_tokens WHERE id = ?");
        stmt.bind(1, c.last_insert_rowid());
        stmt.step();
        auto created = read_token(stmt);
        stmt.reset();
        append_audit(c, actor_named(token.created_by),
                     {"enroll_token.created",
                      {},
                      {},
                      {},
                      details_json({{"tokenId", std::to_string(created.id())},
                                    {"group", token.group},
                                    {"usesAllowed", std::to_string(token.uses_allowed)}})},
                     core::to_unix_ms(now));
        return created;
    });
}

std::vector<v1::EnrollmentToken> SqliteDeviceStore::list_enrollment_tokens() {
    return db_.read([&](Connection& c) {
        std::vector<v1::EnrollmentToken> tokens;
        auto& stmt = c.cached("SELECT " + std::string(kTokenColumns) + " FROM enrollment_tokens ORDER BY id");
        while (stmt.step())
            tokens.push_back(read_token(stmt));
        return tokens;
    });
}

core::Result<v1::EnrollmentToken> SqliteDeviceStore::revoke_enrollment_token(std::int64_t id, const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::EnrollmentToken> {
        c.cached("UPDATE enrollment_tokens SET revoked = 1 WHERE id = ?").bind(1, id).run();
        if (c.changes() == 0) return make_error(Errc::not_found, "no enrollment token " + std::to_string(id));
        auto& stmt = c.cached("SELECT " + std::string(kTokenColumns) + " FROM enrollment_tokens WHERE id = ?");
        stmt.bind(1, id);
        stmt.step();
        auto token = read_token(stmt);
        stmt.reset();
        append_audit(c, actor, {"enroll_token.revoked", {}, {}, {}, details_json({{"tokenId", std::to_string(id)}})},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return token;
    });
}

core::Result<v1::Device> SqliteDeviceStore::enroll_device(const EnrollmentClaim& claim, core::SystemTime now,
                                                          const std::string& address) {
    return db_.write([&](Connection& c) -> core::Result<v1::Device> {
        std::int64_t at = core::to_unix_ms(now);
        auto& token = c.cached(
            "SELECT id, grp, expires_at, uses_allowed, uses, revoked FROM enrollment_tokens "
            "WHERE token_hash = ?");
        token.bind(1, claim.token_hash);
        if (!token.step()) return make_error(Errc::unauthenticated, "the enrollment token is not valid");
        std::int64_t token_id = token.column_int(0);
        std::string group = token.column_text(1);
        bool expired = token.column_int(2) <= at;
        bool used_up = token.column_int(4) >= token.column_int(3);
        bool revoked = token.column_int(5) != 0;
        token.reset();
        if (revoked) return make_error(Errc::unauthenticated, "the enrollment token was revoked");
        if (expired) return make_error(Errc::unauthenticated, "the enrollment token has expired");
        if (used_up) return make_error(Errc::unauthenticated, "the enrollment token has been used up");

        c.cached("UPDATE enrollment_tokens SET uses = uses + 1 WHERE id = ?").bind(1, token_id).run();
        auto& existing = c.cached("SELECT id FROM devices WHERE machine_id = ?");
        existing.bind(1, claim.machine_id);
        std::string device_id = claim.new_device_id;
        const bool known = existing.step();
        if (known) {
            // The same machine again: keep its id (and so its tickets), replace its credential.
            device_id = existing.column_text(0);
            existing.reset();
            c.cached(
                 "UPDATE devices SET hostname = ?, grp = ?, secret_hash = ?, enrolled_at = ?, revoked = 0, "
                 "enrolled_with = ? WHERE id = ?")
                .bind(1, claim.hostname)
                .bind(2, group)
                .bind(3, claim.secret_hash)
                .bind(4, at)
                .bind(5, token_id)
                .bind(6, device_id)
                .run();
        } else {
            existing.reset();
            c.cached(
                 "INSERT INTO devices (id, machine_id, hostname, grp, secret_hash, enrolled_at, enrolled_with) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(1, device_id)
                .bind(2, claim.machine_id)
                .bind(3, claim.hostname)
                .bind(4, group)
                .bind(5, claim.secret_hash)
                .bind(6, at)
                .bind(7, token_id)
                .run();
        }
        append_audit(c, Actor::device(device_id, address),
                     {known ? "device.reenrolled" : "device.enrolled",
                      {},
                      {},
                      device_id,
                      details_json({{"hostname", claim.hostname},
                                    {"machineId", claim.machine_id},
                                    {"tokenId", std::to_string(token_id)},
                                    {"group", group}})},
                     at);
        return *select_device(c, device_id, false);
    });
}

std::vector<v1::Device> SqliteDeviceStore::list_devices() {
    return db_.read([&](Connection& c) {
        std::vector<v1::Device> devices;
        auto& stmt = c.cached(device_query(" ORDER BY d.hostname, d.id"));
        while (stmt.step())
            devices.push_back(read_device(stmt, false));
        return devices;
    });
}

core::Result<v1::Device> SqliteDeviceStore::get_device(const std::string& id) {
    return db_.read([&](Connection& c) -> core::Result<v1::Device> {
        auto device = select_device(c, id, true);
        if (!device) return make_error(Errc::not_found, "no device " + id);
        return *device;
    });
}

core::Result<v1::Device> SqliteDeviceStore::revoke_device(const std::string& id, const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::Device> {
        c.cached("UPDATE devices SET revoked = 1 WHERE id = ?").bind(1, id).run();
        if (c.changes() == 0) return make_error(Errc::not_found, "no device " + id);
        append_audit(c, actor, {"device.revoked", {}, {}, id, "{}"},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return *select_device(c, id, true);
    });
}

core::Result<v1::Device> SqliteDeviceStore::set_unattended(const std::string& id, bool allowed, const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::Device> {
        c.cached("UPDATE devices SET unattended = ? WHERE id = ?").bind(1, allowed ? 1 : 0).bind(2, id).run();
        if (c.changes() == 0) return make_error(Errc::not_found, "no device " + id);
        append_audit(c, actor,
                     {"device.unattended", {}, {}, id, details_json({{"allowed", allowed ? "true" : "false"}})},
                     core::to_unix_ms(std::chrono::system_clock::now()));
        return *select_device(c, id, false);
    });
}

std::optional<v1::Device> SqliteDeviceStore::authenticate_device(const std::string& id,
                                                                 const std::string& secret_hash) {
    return db_.read([&](Connection& c) -> std::optional<v1::Device> {
        auto& stmt = c.cached("SELECT secret_hash FROM devices WHERE id = ? AND revoked = 0");
        stmt.bind(1, id);
        if (!stmt.step()) return std::nullopt;
        bool match = core::constant_time_equal(stmt.column_text(0), secret_hash);
        stmt.reset();
        if (!match) return std::nullopt;
        return select_device(c, id, false);
    });
}

void SqliteDeviceStore::record_snapshot(
    const std::string& id, const v1::SystemInfo& info, core::SystemTime now,
    const std::function<std::vector<InventoryChange>(const v1::SystemInfo&, const v1::SystemInfo&)>& diff) {
    db_.write([&](Connection& c) {
        std::int64_t at = core::to_unix_ms(now);
        auto& previous = c.cached("SELECT system_info FROM devices WHERE id = ?");
        previous.bind(1, id);
        std::optional<v1::SystemInfo> before;
        if (previous.step() && !previous.column_is_null(0)) {
            before.emplace();
            if (!before->ParseFromString(previous.column_text(0))) before.reset();
        }
        previous.reset();
        // The first snapshot is the baseline, not a change.
        if (before) {
            for (const auto& change : diff(*before, info)) {
                c.cached(
                     "INSERT INTO device_inventory_changes (device_id, at, field, from_value, to_value) "
                     "VALUES (?, ?, ?, ?, ?)")
                    .bind(1, id)
                    .bind(2, at)
                    .bind(3, change.field)
                    .bind(4, change.from)
                    .bind(5, change.to)
                    .run();
            }
        }
        c.cached(
             "UPDATE devices SET system_info = ?, last_seen = ?, hostname = CASE WHEN ? = '' THEN hostname "
             "ELSE ? END WHERE id = ?")
            .bind_blob(1, info.SerializeAsString())
            .bind(2, at)
            .bind(3, info.hostname())
            .bind(4, info.hostname())
            .bind(5, id)
            .run();
    });
}

void SqliteDeviceStore::record_last_seen(const std::string& id, core::SystemTime at) {
    db_.write([&](Connection& c) {
        c.cached("UPDATE devices SET last_seen = ? WHERE id = ?").bind(1, core::to_unix_ms(at)).bind(2, id).run();
    });
}

std::vector<std::pair<core::SystemTime, InventoryChange>> SqliteDeviceStore::inventory_changes(const std::string& id) {
    return db_.read([&](Connection& c) {
        std::vector<std::pair<core::SystemTime, InventoryChange>> changes;
        auto& stmt = c.cached(
            "SELECT at, field, from_value, to_value FROM device_inventory_changes WHERE device_id = ? ORDER BY id");
        stmt.bind(1, id);
        while (stmt.step()) {
            changes.emplace_back(core::from_unix_ms(stmt.column_int(0)),
                                 InventoryChange{stmt.column_text(1), stmt.column_text(2), stmt.column_text(3)});
        }
        return changes;
    });
}

}  // namespace lifeline::relay::store::sqlite
