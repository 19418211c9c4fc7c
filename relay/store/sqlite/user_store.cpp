// Users and bearer tokens in SQLite.
#include "relay/store/sqlite/audit_log.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <google/protobuf/util/time_util.h>

namespace lifeline::relay::store::sqlite {

using core::Errc;
using core::make_error;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::string_view kUserColumns =
    "id, username, display_name, role, tier, disabled, created_at, password_hash, email";

UserRecord read_user(const Statement& row) {
    UserRecord record;
    record.id = row.column_int(0);
    record.user.set_username(row.column_text(1));
    record.user.set_display_name(row.column_text(2));
    record.user.set_role(static_cast<v1::Role>(row.column_int(3)));
    record.user.set_tier(static_cast<int>(row.column_int(4)));
    record.user.set_disabled(row.column_int(5) != 0);
    *record.user.mutable_created_at() = TimeUtil::MillisecondsToTimestamp(row.column_int(6));
    record.password_hash = row.column_text(7);
    record.user.set_email(row.column_text(8));
    return record;
}

std::optional<UserRecord> select_user(Connection& c, const std::string& username) {
    auto& stmt = c.cached("SELECT " + std::string(kUserColumns) + " FROM users WHERE username = ?");
    stmt.bind(1, username);
    if (!stmt.step()) return std::nullopt;
    auto record = read_user(stmt);
    stmt.reset();
    return record;
}

void revoke_user_tokens(Connection& c, std::int64_t user_id) {
    c.cached("DELETE FROM auth_tokens WHERE user_id = ?").bind(1, user_id).run();
}

std::int64_t now_ms() { return core::to_unix_ms(std::chrono::system_clock::now()); }

std::string lower_role(v1::Role role) {
    std::string name = v1::Role_Name(role);
    for (auto& ch : name)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return name;
}

}  // namespace

core::Result<v1::User> SqliteUserStore::create_user(const NewUser& user, core::SystemTime now, const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::User> {
        if (select_user(c, user.username)) {
            return make_error(Errc::already_exists, "a user named '" + user.username + "' already exists");
        }
        c.cached(
             "INSERT INTO users (username, display_name, role, tier, password_hash, disabled, created_at, email) "
             "VALUES (?, ?, ?, ?, ?, 0, ?, ?)")
            .bind(1, user.username)
            .bind(2, user.display_name)
            .bind(3, static_cast<int>(user.role))
            .bind(4, user.tier)
            .bind(5, user.password_hash)
            .bind(6, core::to_unix_ms(now))
            .bind(7, user.email)
            .run();
        boost::json::object details{{"username", user.username},
                                    {"displayName", user.display_name},
                                    {"role", lower_role(user.role)},
                                    {"tier", user.tier}};
        append_audit(c, actor, {"user.created", {}, {}, {}, boost::json::serialize(details)}, core::to_unix_ms(now));
        return select_user(c, user.username)->user;
    });
}

std::optional<UserRecord> SqliteUserStore::find_user(const std::string& username) {
    return db_.read([&](Connection& c) { return select_user(c, username); });
}

std::vector<v1::User> SqliteUserStore::list_users() {
    return db_.read([&](Connection& c) {
        std::vector<v1::User> users;
        auto& stmt = c.cached("SELECT " + std::string(kUserColumns) + " FROM users ORDER BY username");
        while (stmt.step())
            users.push_back(read_user(stmt).user);
        return users;
    });
}

core::Result<v1::User> SqliteUserStore::update_user(const std::string& username, const v1::UpdateUserRequest& change,
                                                    const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<v1::User> {
        auto record = select_user(c, username);
        if (!record) return make_error(Errc::not_found, "no user named '" + username + "'");
        v1::User& user = record->user;
        boost::json::object details{{"username", username}};
        const auto changed = [&](const char* field, auto from, auto to) {
            if (from != to) details[field] = boost::json::object{{"from", from}, {"to", to}};
        };
        if (change.has_role()) changed("role", lower_role(user.role()), lower_role(change.role()));
        if (change.has_tier()) changed("tier", user.tier(), change.tier());
        if (change.has_display_name()) changed("displayName", user.display_name(), change.display_name());
        if (change.has_disabled()) changed("disabled", user.disabled(), change.disabled());
        if (change.has_email()) changed("email", user.email(), change.email());
        if (change.has_email()) user.set_email(change.email());
        if (change.has_role()) user.set_role(change.role());
        if (change.has_tier()) user.set_tier(change.tier());
        if (change.has_display_name()) user.set_display_name(change.display_name());
        if (change.has_disabled()) user.set_disabled(change.disabled());
        c.cached("UPDATE users SET role = ?, tier = ?, display_name = ?, disabled = ?, email = ? WHERE id = ?")
            .bind(1, static_cast<int>(user.role()))
            .bind(2, user.tier())
            .bind(3, user.display_name())
            .bind(4, user.disabled() ? 1 : 0)
            .bind(5, user.email())
            .bind(6, record->id)
            .run();
        // A changed role must not keep the old role's sessions; a disabled user keeps none.
        if (user.disabled() || change.has_role()) revoke_user_tokens(c, record->id);
        if (details.size() > 1) {
            append_audit(c, actor, {"user.updated", {}, {}, {}, boost::json::serialize(details)}, now_ms());
        }
        return user;
    });
}

core::Result<void> SqliteUserStore::set_password_hash(const std::string& username, const std::string& hash,
                                                      const Actor& actor) {
    return db_.write([&](Connection& c) -> core::Result<void> {
        auto record = select_user(c, username);
        if (!record) return make_error(Errc::not_found, "no user named '" + username + "'");
        c.cached("UPDATE users SET password_hash = ? WHERE id = ?").bind(1, hash).bind(2, record->id).run();
        revoke_user_tokens(c, record->id);
        append_audit(c, actor, {"user.password_changed", {}, {}, {}, details_json({{"username", username}})}, now_ms());
        return {};
    });
}

void SqliteUserStore::store_token(const std::string& token_hash, std::int64_t user_id, core::SystemTime now,
                                  core::SystemTime expires_at, const Actor& actor) {
    db_.write([&](Connection& c) {
        // Expired tokens are swept here, on the write path that creates them, rather than by a timer.
        c.cached("DELETE FROM auth_tokens WHERE user_id = ? AND expires_at <= ?")
            .bind(1, user_id)
            .bind(2, core::to_unix_ms(now))
            .run();
        c.cached("INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(1, token_hash)
            .bind(2, user_id)
            .bind(3, core::to_unix_ms(now))
            .bind(4, core::to_unix_ms(expires_at))
            .run();
        // The token's hash prefix tells sign-ins apart without the log holding anything that signs in.
        append_audit(c, actor, {"auth.login", {}, {}, {}, details_json({{"token", token_hash.substr(0, 12)}})},
                     core::to_unix_ms(now));
    });
}

std::optional<Principal> SqliteUserStore::find_token(const std::string& token_hash, core::SystemTime now) {
    return db_.read([&](Connection& c) -> std::optional<Principal> {
        auto& stmt = c.cached(
            "SELECT u.id, u.username, u.display_name, u.role, u.tier FROM auth_tokens t JOIN users u ON u.id = "
            "t.user_id WHERE t.token_hash = ? AND t.expires_at > ? AND u.disabled = 0");
        stmt.bind(1, token_hash).bind(2, core::to_unix_ms(now));
        if (!stmt.step()) return std::nullopt;
        Principal p{stmt.column_int(0),
                    stmt.column_text(1),
                    stmt.column_text(2),
                    static_cast<v1::Role>(stmt.column_int(3)),
                    static_cast<int>(stmt.column_int(4)),
                    {}};
        stmt.reset();
        return p;
    });
}

void SqliteUserStore::revoke_token(const std::string& token_hash, const Actor& actor) {
    db_.write([&](Connection& c) {
        c.cached("DELETE FROM auth_tokens WHERE token_hash = ?").bind(1, token_hash).run();
        append_audit(c, actor, {"auth.logout", {}, {}, {}, details_json({{"token", token_hash.substr(0, 12)}})},
                     now_ms());
    });
}

}  // namespace lifeline::relay::store::sqlite
