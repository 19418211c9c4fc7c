// TOML configuration loading with errors that name the offending key.
#include "relay/app/config.hpp"

#include "relay/notify/mail_templates.hpp"
#include "shared/core/text.hpp"

#include <toml++/toml.h>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <sstream>

namespace lifeline::relay::app {

using core::Errc;
using core::make_error;

namespace {

core::Error bad(const std::string& key, const std::string& why) {
    return make_error(Errc::invalid_argument, "config key '" + key + "': " + why);
}

std::string where(const toml::node& node) {
    const auto& source = node.source();
    return source.begin ? " (line " + std::to_string(source.begin.line) + ")" : "";
}

struct IntKey {
    std::int64_t min, max;
    std::function<void(RelayConfig&, std::int64_t)> set;
};
struct StringKey {
    std::function<core::Result<void>(const std::string&)> check;
    std::function<void(RelayConfig&, std::string)> set;
};
using BoolKey = std::function<void(RelayConfig&, bool)>;

core::Result<void> any_string(const std::string&) { return {}; }

core::Result<void> check_public_url(const std::string& url) {
    if (url.empty()) return {};
    const bool scheme = url.starts_with("https://") || url.starts_with("http://");
    const bool clean = std::none_of(url.begin(), url.end(), [](char ch) {
        const auto byte = static_cast<unsigned char>(ch);
        return byte <= ' ' || byte >= 0x7f;
    });
    if (!scheme || !clean || url.size() > 512) {
        return make_error(Errc::invalid_argument, "must be an http:// or https:// URL without blanks");
    }
    return {};
}

core::Result<void> validate_mail(const RelayConfig& c) {
    if (c.mail_security != "none" && c.mail_security != "starttls" && c.mail_security != "tls") {
        return bad("mail.security", "must be \"none\", \"starttls\" or \"tls\"");
    }
    if (c.mail_smtp_port < 0 || c.mail_smtp_port > 65535) return bad("mail.smtp_port", "must be from 0 to 65535");
    if (!c.mail_from.empty() && !core::is_mail_address(c.mail_from)) {
        return bad("mail.from", "must be a mail address (name@example.org)");
    }
    if (!notify::is_language_code(c.mail_language)) {
        return bad("mail.language", "must be a language code such as \"en\", \"de\" or \"pt-BR\"");
    }
    if (!c.mail_username.empty()) {
        if (c.mail_password_file.empty()) return bad("mail.password_file", "is required with mail.username");
        // A password in plain text over the network would be anyone's.
        if (c.mail_security == "none") return bad("mail.username", "needs mail.security \"starttls\" or \"tls\"");
    }
    if (c.mail_enabled) {
        if (c.mail_from.empty()) return bad("mail.from", "is required when mail is enabled");
        if (c.mail_smtp_host.empty()) return bad("mail.smtp_host", "is required when mail is enabled");
    }
    return {};
}

}  // namespace

core::Result<ListenAddress> parse_listen(const std::string& text) {
    std::string host;
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return make_error(Errc::invalid_argument, "listen address '" + text + "' is not [IPV6]:PORT");
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos) {
            return make_error(Errc::invalid_argument, "listen address '" + text + "' is not ADDRESS:PORT");
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) return make_error(Errc::invalid_argument, "listen address '" + host + "' is not an IP address");
    unsigned port = 0;
    auto [end, perr] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (perr != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return make_error(Errc::invalid_argument, "listen port '" + port_text + "' is not a number from 0 to 65535");
    }
    return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

core::Result<void> validate(const RelayConfig& c) {
    if (auto l = parse_listen(c.listen); !l) return bad("listen", l.error().message);
    if (c.io_threads < 1 || c.io_threads > 256) return bad("io_threads", "must be from 1 to 256");
    if (c.worker_threads < 1 || c.worker_threads > 1024) return bad("worker_threads", "must be from 1 to 1024");
    if (c.log_format != "text" && c.log_format != "json") return bad("log.format", "must be \"text\" or \"json\"");
    static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels)) {
        return bad("log.level", "must be trace, debug, info, warn, error or off");
    }
    if (c.recording_keys != "redact" && c.recording_keys != "keep") {
        return bad("recording.keys", "must be \"redact\" or \"keep\"");
    }
    if (auto ok = check_public_url(c.public_url); !ok) return bad("public_url", ok.error().message);
    if (auto ok = validate_mail(c); !ok) return ok;
    return {};
}

core::Result<RelayConfig> load_config(const std::string& path, RelayConfig config) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream message;
        message << path << " line " << e.source().begin.line << ": " << e.description();
        return make_error(Errc::invalid_argument, message.str());
    }

    const std::map<std::string, IntKey> ints = {
        {"io_threads", {1, 256, [](RelayConfig& c, std::int64_t v) { c.io_threads = static_cast<int>(v); }}},
        {"worker_threads", {1, 1024, [](RelayConfig& c, std::int64_t v) { c.worker_threads = static_cast<int>(v); }}},
        {"http.max_body_bytes", {1024, 1LL << 30, [](RelayConfig& c, std::int64_t v) { c.max_body_bytes = v; }}},
        {"http.request_timeout",
         {1, 3600, [](RelayConfig& c, std::int64_t v) { c.request_timeout_seconds = static_cast<int>(v); }}},
        {"http.idle_timeout",
         {1, 3600, [](RelayConfig& c, std::int64_t v) { c.idle_timeout_seconds = static_cast<int>(v); }}},
        {"session.idle_timeout",
         {5, 86400, [](RelayConfig& c, std::int64_t v) { c.session_idle_timeout_seconds = static_cast<int>(v); }}},
        {"session.consent_timeout",
         {5, 600, [](RelayConfig& c, std::int64_t v) { c.session_consent_timeout_seconds = static_cast<int>(v); }}},
        {"helpdesk.sweep_interval",
         {1, 3600, [](RelayConfig& c, std::int64_t v) { c.escalation_sweep_seconds = static_cast<int>(v); }}},
        {"auth.token_ttl",
         {1, 90 * 86400, [](RelayConfig& c, std::int64_t v) { c.token_ttl_seconds = static_cast<int>(v); }}},
        {"auth.login_max_failures",
         {1, 1000, [](RelayConfig& c, std::int64_t v) { c.login_max_failures = static_cast<int>(v); }}},
        {"auth.login_lockout",
         {1, 86400, [](RelayConfig& c, std::int64_t v) { c.login_lockout_seconds = static_cast<int>(v); }}},
        {"recording.retention_days",
         {0, 36500, [](RelayConfig& c, std::int64_t v) { c.recording_retention_days = static_cast<int>(v); }}},
        {"recording.max_total_mb",
         {0, 1LL << 30, [](RelayConfig& c, std::int64_t v) { c.recording_max_total_mb = v; }}},
        {"mail.smtp_port", {0, 65535, [](RelayConfig& c, std::int64_t v) { c.mail_smtp_port = static_cast<int>(v); }}},
        {"mail.timeout",
         {1, 600, [](RelayConfig& c, std::int64_t v) { c.mail_timeout_seconds = static_cast<int>(v); }}},
        {"mail.retry_after",
         {1, 86400, [](RelayConfig& c, std::int64_t v) { c.mail_retry_after_seconds = static_cast<int>(v); }}},
    };
    const std::map<std::string, StringKey> strings = {
        {"listen",
         {[](const std::string& v) -> core::Result<void> {
              if (auto l = parse_listen(v); !l) return l.error();
              return {};
          },
          [](RelayConfig& c, std::string v) { c.listen = std::move(v); }}},
        {"log.level", {any_string, [](RelayConfig& c, std::string v) { c.log_level = std::move(v); }}},
        {"log.format", {any_string, [](RelayConfig& c, std::string v) { c.log_format = std::move(v); }}},
        {"tls.certificate", {any_string, [](RelayConfig& c, std::string v) { c.tls_certificate = std::move(v); }}},
        {"tls.private_key", {any_string, [](RelayConfig& c, std::string v) { c.tls_private_key = std::move(v); }}},
        {"recording.keys",
         {[](const std::string& v) -> core::Result<void> {
              if (v == "redact" || v == "keep") return {};
              return make_error(Errc::invalid_argument, "must be \"redact\" or \"keep\"");
          },
          [](RelayConfig& c, std::string v) { c.recording_keys = std::move(v); }}},
        {"public_url", {check_public_url, [](RelayConfig& c, std::string v) { c.public_url = std::move(v); }}},
        {"mail.smtp_host", {any_string, [](RelayConfig& c, std::string v) { c.mail_smtp_host = std::move(v); }}},
        {"mail.security", {any_string, [](RelayConfig& c, std::string v) { c.mail_security = std::move(v); }}},
        {"mail.ca_file", {any_string, [](RelayConfig& c, std::string v) { c.mail_ca_file = std::move(v); }}},
        {"mail.username", {any_string, [](RelayConfig& c, std::string v) { c.mail_username = std::move(v); }}},
        {"mail.password_file",
         {any_string, [](RelayConfig& c, std::string v) { c.mail_password_file = std::move(v); }}},
        {"mail.from",
         {[](const std::string& v) -> core::Result<void> {
              if (v.empty() || core::is_mail_address(v)) return {};
              return make_error(Errc::invalid_argument, "must be a mail address (name@example.org)");
          },
          [](RelayConfig& c, std::string v) { c.mail_from = std::move(v); }}},
        {"mail.from_name",
         {[](const std::string& v) { return core::check_text("value", v, 200, false); },
          [](RelayConfig& c, std::string v) { c.mail_from_name = std::move(v); }}},
        {"mail.language", {any_string, [](RelayConfig& c, std::string v) { c.mail_language = std::move(v); }}},
        {"mail.templates_dir",
         {any_string, [](RelayConfig& c, std::string v) { c.mail_templates_dir = std::move(v); }}},
    };
    const std::map<std::string, BoolKey> bools = {
        {"recording.enabled", [](RelayConfig& c, bool v) { c.recording_enabled = v; }},
        {"mail.enabled", [](RelayConfig& c, bool v) { c.mail_enabled = v; }},
    };
    static const char* kTables[] = {"http", "auth", "log", "tls", "session", "recording", "helpdesk", "mail"};

    std::optional<core::Error> failure;
    std::function<void(const toml::table&, const std::string&)> walk = [&](const toml::table& table,
                                                                           const std::string& prefix) {
        for (const auto& [name, node] : table) {
            if (failure) return;
            std::string key = prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
            if (const auto* sub = node.as_table()) {
                if (!prefix.empty() || std::find(std::begin(kTables), std::end(kTables), key) == std::end(kTables)) {
                    failure = bad(key, "unknown section" + where(node));
                    return;
                }
                walk(*sub, key);
            } else if (auto i = ints.find(key); i != ints.end()) {
                auto value = node.value_exact<std::int64_t>();
                if (!value) {
                    failure = bad(key, "must be an integer" + where(node));
                } else if (*value < i->second.min || *value > i->second.max) {
                    failure = bad(key, "must be from " + std::to_string(i->second.min) + " to " +
                                           std::to_string(i->second.max) + where(node));
                } else {
                    i->second.set(config, *value);
                }
            } else if (auto b = bools.find(key); b != bools.end()) {
                auto value = node.value_exact<bool>();
                if (!value) {
                    failure = bad(key, "must be true or false" + where(node));
                } else {
                    b->second(config, *value);
                }
            } else if (auto s = strings.find(key); s != strings.end()) {
                auto value = node.value_exact<std::string>();
                if (!value) {
                    failure = bad(key, "must be a string" + where(node));
                } else if (auto ok = s->second.check(*value); !ok) {
                    failure = bad(key, ok.error().message + where(node));
                } else {
                    s->second.set(config, std::move(*value));
                }
            } else {
                failure = bad(key, "unknown key" + where(node));
            }
        }
    };
    walk(root, "");
    if (failure) return make_error(Errc::invalid_argument, path + ": " + failure->message);
    if (auto ok = validate(config); !ok) return make_error(Errc::invalid_argument, path + ": " + ok.error().message);
    return config;
}

std::string default_config_text() {
    return R"toml(# lifeline-relay configuration. Every key is optional; the values shown are the defaults.
# Flags given to `lifeline-relay serve` override this file.

# listen = "0.0.0.0:8443"
# io_threads = 2          # threads serving network I/O
# worker_threads = 16     # threads for database calls and password hashing
# public_url = ""         # how people reach the relay, for links in mail; empty: https://HOSTNAME:PORT

[log]
# level = "info"          # trace, debug, info, warn, error, off
# format = "text"         # text or json

[http]
# max_body_bytes = 1048576
# request_timeout = 30    # seconds for a handshake, one request's read, one response's write
# idle_timeout = 75       # seconds a kept-alive connection may stay silent

[auth]
# token_ttl = 43200             # seconds a sign-in lasts
# login_max_failures = 5        # failed sign-ins per (account, address) before a lockout
# login_lockout = 300           # seconds of the first lockout; each further one doubles

[session]
# idle_timeout = 600            # seconds a remote session may carry no byte before it ends
# consent_timeout = 45          # seconds to wait for the machine's answer (its user has 30)

[helpdesk]
# sweep_interval = 30           # seconds between looks at due tickets (escalation, SLA warnings);
                                # the rules themselves are in helpdesk.toml

[tls]
# certificate = "server.pem"    # chain, relative to the data dir
# private_key = "server.key"

[recording]
# enabled = true                # record every remote session into recordings/ in the data dir
# keys = "redact"               # "keep" records the technician's keys and clipboard text too
# retention_days = 90           # delete recordings older than this; 0 keeps them
# max_total_mb = 0              # delete the oldest beyond this total; 0 = no cap

[mail]
# Notifications by e-mail: to the requester when a ticket is opened, gets a public reply or is
# resolved; to the assignee when an SLA target is at risk; to the group's lead when it is breached.
# enabled = false
# smtp_host = "localhost"
# smtp_port = 0                 # 0: 25 for "none", 587 for "starttls", 465 for "tls"
# security = "starttls"         # none, starttls or tls (implicit TLS); the certificate is verified
# ca_file = ""                  # PEM file of the CA to trust; empty: the system's trust store
# username = ""                 # AUTH PLAIN (over TLS only); empty: no authentication
# password_file = ""            # a file holding only the password (relative: in the data dir)
# from = "helpdesk@example.org" # required when enabled
# from_name = "Lifeline helpdesk"
# language = "en"               # templates/mail/<language>/ (built in: en, de; others fall back to en)
# templates_dir = "templates/mail"
# timeout = 30                  # seconds per SMTP step
# retry_after = 60              # seconds before the first retry; then 5x, 30x, 120x as long, 8 attempts in all
)toml";
}

}  // namespace lifeline::relay::app
