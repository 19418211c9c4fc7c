// The agent's configuration file: where the relay is, the CA pin, the device credential and the
// local paths. Written by `lifeline-agent enroll` (mode 0600: it holds the device secret).
#pragma once

#include "shared/core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::agent {

// Who agrees to a remote session on this machine (see agent/session/consent.hpp).
enum class ConsentPolicy { ask, deny, unattended };

// "ask", "deny", "unattended"; anything else is invalid_argument naming the choices.
core::Result<ConsentPolicy> parse_consent_policy(std::string_view text);
std::string_view consent_policy_name(ConsentPolicy policy);

struct AgentConfig {
    std::string relay_url;       // https://HOST:PORT
    std::string ca_fingerprint;  // sha256:HEX of the relay's CA, pinned at enrollment
    std::string device_id;
    std::string device_secret;
    std::string socket_path;  // the daemon's local socket (help, status, the tray)
    std::string state_dir;    // the on-disk request queue
    ConsentPolicy consent = ConsentPolicy::ask;
};

struct RelayAddress {
    std::string host;  // a DNS name or an IP literal without brackets
    std::uint16_t port = 443;
};

// "https://relay.example:8443", "https://[::1]:8443", "https://10.0.0.5" -> host and port.
// Anything but https with a host, an optional port and an optional "/" is refused.
core::Result<RelayAddress> parse_relay_url(std::string_view url);

// Where things live when no --config is given: per user under the XDG directories, or system-wide
// (/etc, /run, /var/lib) when running as root.
struct DefaultPaths {
    std::string config;
    std::string socket;
    std::string state_dir;
};
DefaultPaths default_paths();

core::Result<AgentConfig> load_config(const std::string& path);
// Atomic replace, mode 0600.
core::Result<void> save_config(const std::string& path, const AgentConfig& config);

}  // namespace lifeline::agent
