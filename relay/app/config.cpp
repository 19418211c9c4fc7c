// TOML configuration loading with errors that name the offending key.
#include "relay/app/config.hpp"

#include <toml++/toml.h>

#include <boost/asio/ip/address.hpp>

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
    };
    const std::map<std::string, BoolKey> bools = {
        {"recording.enabled", [](RelayConfig& c, bool v) { c.recording_enabled = v; }},
    };
    static const char* kTables[] = {"http", "auth", "log", "tls", "session", "recording"};

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

[tls]
# certificate = "server.pem"    # chain, relative to the data dir
# private_key = "server.key"

[recording]
# enabled = true                # record every remote session into recordings/ in the data dir
# keys = "redact"               # "keep" records the technician's keys and clipboard text too
# retention_days = 90           # delete recordings older than this; 0 keeps them
# max_total_mb = 0              # delete the oldest beyond this total; 0 = no cap
)toml";
}

}  // namespace lifeline::relay::app
