// `lifeline-relay user add|list|disable|enable|passwd`: account administration on the data dir,
// usable while the relay runs (SQLite serialises the writers).
#include "relay/app/commands.hpp"
#include "relay/auth/password.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <iostream>

namespace lifeline::relay::app {

namespace {

std::optional<std::string> read_password(std::istream& in) {
    std::string password;
    if (!std::getline(in, password)) return std::nullopt;
    if (!password.empty() && password.back() == '\r') password.pop_back();
    std::string why;
    if (!auth::password_acceptable(password, why)) {
        std::cerr << "lifeline-relay user: " << why << "\n";
        return std::nullopt;
    }
    return password;
}

bool open_check(const std::string& data_dir) {
    if (std::filesystem::exists(database_path(data_dir))) return true;
    std::cerr << "lifeline-relay user: " << data_dir << " is not a relay data dir (no lifeline.db)\n";
    return false;
}

std::optional<v1::Role> parse_role(const std::string& role) {
    if (role == "admin") return v1::ADMIN;
    if (role == "lead") return v1::LEAD;
    if (role == "technician") return v1::TECHNICIAN;
    return std::nullopt;
}

}  // namespace

int run_user_add(const UserOptions& options, std::istream& password_in) {
    if (!open_check(options.data_dir)) return 2;
    auto role = parse_role(options.role);
    if (!role) {
        std::cerr << "lifeline-relay user add: --role must be admin, lead or technician\n";
        return 2;
    }
    int tier = options.tier.value_or(*role == v1::TECHNICIAN ? 1 : 0);
    if (*role == v1::TECHNICIAN ? (tier < 1 || tier > 3) : tier != 0) {
        std::cerr << "lifeline-relay user add: --tier is 1, 2 or 3, and only for technicians\n";
        return 2;
    }
    for (char c : options.username) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
            std::cerr << "lifeline-relay user add: a username may contain only a-z, 0-9, '.', '_' and '-'\n";
            return 2;
        }
    }
    if (options.username.empty() || options.username.size() > 64) {
        std::cerr << "lifeline-relay user add: --username must be 1 to 64 characters\n";
        return 2;
    }
    auto password = read_password(password_in);
    if (!password) {
        std::cerr << "lifeline-relay user add: give the password on standard input (--password-stdin)\n";
        return 2;
    }
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteUserStore users(db);
    store::NewUser user{options.username, options.display_name.empty() ? options.username : options.display_name, *role,
                        tier, auth::hash_password(*password)};
    auto created = users.create_user(user, std::chrono::system_clock::now(), store::Actor::cli());
    if (!created) {
        std::cerr << "lifeline-relay user add: " << created.error().message << "\n";
        return 1;
    }
    std::cout << "created " << options.role << " " << options.username << "\n";
    return 0;
}

int run_user_list(const UserOptions& options) {
    if (!open_check(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteUserStore users(db);
    for (const auto& user : users.list_users()) {
        if (options.json) {
            std::string line;
            (void)google::protobuf::util::MessageToJsonString(user, &line);
            std::cout << line << "\n";
        } else {
            std::cout << user.username() << "\t" << v1::Role_Name(user.role()) << "\ttier " << user.tier() << "\t"
                      << (user.disabled() ? "disabled" : "active") << "\t" << user.display_name() << "\n";
        }
    }
    return 0;
}

int run_user_set_disabled(const UserOptions& options, bool disabled) {
    if (!open_check(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteUserStore users(db);
    v1::UpdateUserRequest change;
    change.set_disabled(disabled);
    auto updated = users.update_user(options.username, change, store::Actor::cli());
    if (!updated) {
        std::cerr << "lifeline-relay user: " << updated.error().message << "\n";
        return 1;
    }
    std::cout << options.username << (disabled ? " disabled; its sign-ins are revoked\n" : " enabled\n");
    return 0;
}

int run_user_passwd(const UserOptions& options, std::istream& password_in) {
    if (!open_check(options.data_dir)) return 2;
    auto password = read_password(password_in);
    if (!password) {
        std::cerr << "lifeline-relay user passwd: give the new password on standard input (--password-stdin)\n";
        return 2;
    }
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteUserStore users(db);
    auto done = users.set_password_hash(options.username, auth::hash_password(*password), store::Actor::cli());
    if (!done) {
        std::cerr << "lifeline-relay user passwd: " << done.error().message << "\n";
        return 1;
    }
    std::cout << "password of " << options.username << " changed; its sign-ins are revoked\n";
    return 0;
}

}  // namespace lifeline::relay::app
