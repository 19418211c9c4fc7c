// lifeline-relay: the command line over the relay's libraries.
#include "relay/app/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace lifeline::relay::app;
    CLI::App app{"lifeline-relay: Lifeline's ticket server, session broker and recorder"};
    app.require_subcommand(1);

    InitOptions init;
    auto* init_cmd = app.add_subcommand("init", "create a data dir: CA, server certificate, database, first admin");
    init_cmd->add_option("--data", init.data_dir, "data directory to create")->required();
    init_cmd->add_option("--hostname", init.hostnames, "extra name or IP the server certificate is valid for");

    ServeOptions serve;
    auto* serve_cmd = app.add_subcommand("serve", "serve the HTTPS API");
    serve_cmd->add_option("--data", serve.data_dir, "data directory made by init")->required();
    serve_cmd->add_option("--config", serve.config_file, "TOML config (default: DATA/relay.toml when present)");
    serve_cmd->add_option("--listen", serve.listen, "ADDRESS:PORT to listen on (port 0 picks a free one)");
    serve_cmd->add_option("--io-threads", serve.io_threads, "network I/O threads");
    serve_cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error or off");
    serve_cmd->add_option("--port-file", serve.port_file, "write the bound port here once listening");

    UserOptions user;
    bool password_stdin = false;
    auto* user_cmd = app.add_subcommand("user", "manage staff accounts");
    user_cmd->require_subcommand(1);
    auto* add_cmd = user_cmd->add_subcommand("add", "add an account");
    add_cmd->add_option("--data", user.data_dir)->required();
    add_cmd->add_option("--username", user.username)->required();
    add_cmd->add_option("--role", user.role, "admin, lead or technician")->required();
    add_cmd->add_option("--tier", user.tier, "technician tier 1-3 (default 1)");
    add_cmd->add_option("--display-name", user.display_name, "full name shown to end users");
    add_cmd->add_flag("--password-stdin", password_stdin, "read the password from standard input")->required();
    auto* list_cmd = user_cmd->add_subcommand("list", "list accounts");
    list_cmd->add_option("--data", user.data_dir)->required();
    list_cmd->add_flag("--json", user.json, "one JSON object per line");
    auto* disable_cmd = user_cmd->add_subcommand("disable", "disable an account and revoke its sign-ins");
    disable_cmd->add_option("--data", user.data_dir)->required();
    disable_cmd->add_option("--username", user.username)->required();
    auto* enable_cmd = user_cmd->add_subcommand("enable", "enable a disabled account");
    enable_cmd->add_option("--data", user.data_dir)->required();
    enable_cmd->add_option("--username", user.username)->required();
    auto* passwd_cmd = user_cmd->add_subcommand("passwd", "set an account's password and revoke its sign-ins");
    passwd_cmd->add_option("--data", user.data_dir)->required();
    passwd_cmd->add_option("--username", user.username)->required();
    passwd_cmd->add_flag("--password-stdin", password_stdin, "read the password from standard input")->required();

    EnrollTokenOptions token;
    auto* token_cmd = app.add_subcommand("enroll-token", "manage the tokens that let machines enroll as agents");
    token_cmd->require_subcommand(1);
    auto* token_create = token_cmd->add_subcommand("create", "create a token; prints it and the CA fingerprint");
    token_create->add_option("--data", token.data_dir)->required();
    token_create->add_option("--group", token.group, "device group the enrolled machines join");
    token_create->add_option("--expires", token.expires, "lifetime: N followed by s, m, h or d (default 7d)");
    token_create->add_option("--uses", token.uses, "how many machines may enroll with it (default 1)");
    token_create->add_flag("--json", token.json, "print {\"token\":...,\"caFingerprint\":...}");
    auto* token_list = token_cmd->add_subcommand("list", "list tokens (never the secrets)");
    token_list->add_option("--data", token.data_dir)->required();
    token_list->add_flag("--json", token.json, "one JSON object per line");
    auto* token_revoke = token_cmd->add_subcommand("revoke", "revoke a token by id");
    token_revoke->add_option("--data", token.data_dir)->required();
    token_revoke->add_option("--id", token.id, "the id shown by create and list")->required();

    AuditOptions audit;
    auto* audit_cmd = app.add_subcommand("audit", "check the audit log's hash chain");
    audit_cmd->require_subcommand(1);
    auto* audit_verify = audit_cmd->add_subcommand("verify", "walk the chain; exit 1 and name the first broken row");
    audit_verify->add_option("--data", audit.data_dir)->required();
    audit_verify->add_flag("--json", audit.json, "print the verdict as JSON");
    auto* audit_head = audit_cmd->add_subcommand("head", "print the newest row's sequence number and hash");
    audit_head->add_option("--data", audit.data_dir)->required();
    audit_head->add_flag("--json", audit.json, "print {\"seq\":...,\"at\":...,\"hash\":...}");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    try {
        if (*init_cmd) return run_init(init);
        if (*serve_cmd) return run_serve(serve);
        if (*add_cmd) return run_user_add(user, std::cin);
        if (*list_cmd) return run_user_list(user);
        if (*disable_cmd) return run_user_set_disabled(user, true);
        if (*enable_cmd) return run_user_set_disabled(user, false);
        if (*passwd_cmd) return run_user_passwd(user, std::cin);
        if (*token_create) return run_enroll_token_create(token);
        if (*token_list) return run_enroll_token_list(token);
        if (*token_revoke) return run_enroll_token_revoke(token);
        if (*audit_verify) return run_audit_verify(audit);
        if (*audit_head) return run_audit_head(audit);
    } catch (const std::exception& e) {
        std::cerr << "lifeline-relay: " << e.what() << "\n";
        return 1;
    }
    return 2;
}
