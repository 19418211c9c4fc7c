// The relay's configuration: embedded defaults, a TOML file on top, command-line flags on top of that.
#pragma once

#include "shared/core/error.hpp"

#include <cstdint>
#include <string>

namespace lifeline::relay::app {

struct RelayConfig {
    std::string listen = "0.0.0.0:8443";
    int io_threads = 2;
    int worker_threads = 16;  // blocking work: database calls and password hashing
    std::string log_level = "info";
    std::string log_format = "text";  // text | json
    std::int64_t max_body_bytes = 1 << 20;
    int request_timeout_seconds = 30;
    int idle_timeout_seconds = 75;
    int token_ttl_seconds = 12 * 3600;
    int login_max_failures = 5;
    int login_lockout_seconds = 300;
    int session_idle_timeout_seconds = 600;      // a remote session with no byte either way ends
    int session_consent_timeout_seconds = 45;    // a request the machine never answers fails
    int escalation_sweep_seconds = 30;           // how often due tickets (escalation, SLA) are looked at
    std::string tls_certificate = "server.pem";  // relative paths are inside the data dir
    std::string tls_private_key = "server.key";
    bool recording_enabled = true;            // every session is recorded into DATA/recordings
    std::string recording_keys = "redact";    // redact | keep: the technician's keysyms and clipboard text
    int recording_retention_days = 90;        // recordings older than this are deleted; 0 keeps them
    std::int64_t recording_max_total_mb = 0;  // the oldest are deleted beyond this total; 0 = no cap
    std::string public_url;                   // how people reach the relay, for links in mail; empty: https://HOST:PORT
    // [mail]: notifications over SMTP (relay/notify).
    bool mail_enabled = false;
    std::string mail_smtp_host = "localhost";
    int mail_smtp_port = 0;                  // 0: 25, 587 or 465 by mail_security
    std::string mail_security = "starttls";  // none | starttls | tls
    std::string mail_ca_file;                // empty: the system's trust store
    std::string mail_username;               // empty: no AUTH
    std::string mail_password_file;          // the password, alone in a file (relative: in the data dir)
    std::string mail_from;                   // required when enabled
    std::string mail_from_name = "Lifeline helpdesk";
    std::string mail_language = "en";
    std::string mail_templates_dir = "templates/mail";  // relative: in the data dir
    int mail_timeout_seconds = 30;                      // per SMTP step
    int mail_retry_after_seconds = 60;                  // the first retry's wait; later ones 5x, 30x, 120x as long
};

// Reads a TOML file over the defaults. Unknown keys, wrong types and out-of-range values are
// errors that name the key (and the line, for syntax errors).
core::Result<RelayConfig> load_config(const std::string& path, RelayConfig base = {});

// Checks values that flags may also set.
core::Result<void> validate(const RelayConfig& config);

struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
};
// "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0".
core::Result<ListenAddress> parse_listen(const std::string& text);

// The commented default file that `init` writes into the data dir.
std::string default_config_text();

}  // namespace lifeline::relay::app
