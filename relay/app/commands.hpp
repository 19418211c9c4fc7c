// The relay's command-line verbs. Each returns the process exit code: 0 ok, 1 failure, 2 bad usage.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace lifeline::relay::app {

struct InitOptions {
    std::string data_dir;
    std::vector<std::string> hostnames;
};
int run_init(const InitOptions& options);

struct ServeOptions {
    std::string data_dir;
    std::string config_file;  // empty: DATA/relay.toml when present
    std::optional<std::string> listen;
    std::optional<int> io_threads;
    std::optional<std::string> log_level;
    std::string port_file;  // written with the bound port once listening
};
int run_serve(const ServeOptions& options);

struct UserOptions {
    std::string data_dir;
    std::string username;
    std::string role;
    std::optional<int> tier;
    std::string display_name;
    bool json = false;
};
int run_user_add(const UserOptions& options, std::istream& password_in);
int run_user_list(const UserOptions& options);
int run_user_set_disabled(const UserOptions& options, bool disabled);
int run_user_passwd(const UserOptions& options, std::istream& password_in);

struct EnrollTokenOptions {
    std::string data_dir;
    std::string group;
    std::string expires = "7d";  // N followed by s, m, h or d
    int uses = 1;
    std::int64_t id = 0;  // for revoke
    bool json = false;
};
int run_enroll_token_create(const EnrollTokenOptions& options);
int run_enroll_token_list(const EnrollTokenOptions& options);
int run_enroll_token_revoke(const EnrollTokenOptions& options);

struct AuditOptions {
    std::string data_dir;
    bool json = false;
};
// Exit 0 when the chain is intact, 1 when broken (the first bad row is named).
int run_audit_verify(const AuditOptions& options);
int run_audit_head(const AuditOptions& options);

// Paths inside a data dir.
std::string database_path(const std::string& data_dir);

}  // namespace lifeline::relay::app
