// TOML config for the agent, and the per-user / system-wide default paths.
#include "agent/core/config.hpp"

#include "agent/core/files.hpp"

#include <toml++/toml.h>
#include <boost/url/parse.hpp>

#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <sstream>

namespace lifeline::agent {

namespace {

constexpr std::size_t kMaxConfigBytes = 64 << 10;

core::Error bad_config(const std::string& path, const std::string& message) {
    return core::make_error(core::Errc::invalid_argument, path + ": " + message);
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && value[0] == '/' ? std::string(value) : fallback;
}

}  // namespace

core::Result<RelayAddress> parse_relay_url(std::string_view url) {
    auto invalid = [&] {
        return core::make_error(core::Errc::invalid_argument,
                                "the relay URL must look like https://HOST:PORT, got \"" + std::string(url) + "\"");
    };
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "https" || !parsed->has_authority() || parsed->encoded_host().empty() ||
        parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment() ||
        (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")) {
        return invalid();
    }
    RelayAddress address;
    address.host = std::string(parsed->encoded_host_address());
    if (parsed->has_port()) {
        std::string_view port = parsed->port();
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return invalid();
        address.port = static_cast<std::uint16_t>(value);
    }
    return address;
}

DefaultPaths default_paths() {
    if (::geteuid() == 0) return {"/etc/lifeline/agent.toml", "/run/lifeline/agent.sock", "/var/lib/lifeline-agent"};
    std::string home = env_or("HOME", "/tmp");
    DefaultPaths paths;
    paths.config = env_or("XDG_CONFIG_HOME", home + "/.config") + "/lifeline/agent.toml";
    paths.state_dir = env_or("XDG_STATE_HOME", home + "/.local/state") + "/lifeline";
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    paths.socket = (runtime != nullptr && runtime[0] == '/' ? std::string(runtime) + "/lifeline" : paths.state_dir) +
                   "/agent.sock";
    return paths;
}

core::Result<ConsentPolicy> parse_consent_policy(std::string_view text) {
    if (text == "ask") return ConsentPolicy::ask;
    if (text == "deny") return ConsentPolicy::deny;
    if (text == "unattended") return ConsentPolicy::unattended;
    return core::make_error(core::Errc::invalid_argument,
                            "consent must be \"ask\", \"deny\" or \"unattended\", not \"" + std::string(text) + "\"");
}

std::string_view consent_policy_name(ConsentPolicy policy) {
    switch (policy) {
        case ConsentPolicy::ask: return "ask";
        case ConsentPolicy::deny: return "deny";
        case ConsentPolicy::unattended: return "unattended";
    }
    return "ask";
}

core::Result<AgentConfig> load_config(const std::string& path) {
    auto text = read_small_file(path, kMaxConfigBytes);
    if (!text) {
        if (text.error().code == core::Errc::not_found) {
            return core::make_error(core::Errc::not_found,
                                    path + " does not exist: enroll first with `lifeline-agent enroll`");
        }
        return text.error();
    }
    toml::table table;
    try {
        table = toml::parse(*text, path);
    } catch (const toml::parse_error& e) {
        std::ostringstream where;
        where << "line " << e.source().begin.line << ": " << e.description();
        return bad_config(path, where.str());
    }
    AgentConfig config;
    DefaultPaths defaults = default_paths();
    struct Key {
        const char* name;
        std::string* value;
        bool required;
    };
    std::string consent = "ask";
    const Key keys[] = {
        {"relay", &config.relay_url, true},     {"ca_fingerprint", &config.ca_fingerprint, true},
        {"device_id", &config.device_id, true}, {"device_secret", &config.device_secret, true},
        {"socket", &config.socket_path, false}, {"state_dir", &config.state_dir, false},
        {"consent", &consent, false},
    };
    for (const auto& [name, node] : table) {
        bool known = false;
        for (const auto& key : keys)
            known = known || name.str() == key.name;
        if (!known) return bad_config(path, "unknown key \"" + std::string(name.str()) + "\"");
        if (!node.is_string()) return bad_config(path, "\"" + std::string(name.str()) + "\" must be a string");
    }
    for (const auto& key : keys) {
        if (auto value = table[key.name].value<std::string>()) *key.value = *value;
        if (key.required && key.value->empty()) return bad_config(path, std::string("\"") + key.name + "\" is missing");
    }
    if (config.socket_path.empty()) config.socket_path = defaults.socket;
    if (config.state_dir.empty()) config.state_dir = defaults.state_dir;
    if (auto url = parse_relay_url(config.relay_url); !url) return bad_config(path, url.error().message);
    auto policy = parse_consent_policy(consent);
    if (!policy) return bad_config(path, policy.error().message);
    config.consent = *policy;
    if (config.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        return bad_config(path, "socket path is longer than a Unix socket allows (107 bytes)");
    }
    return config;
}

core::Result<void> save_config(const std::string& path, const AgentConfig& config) {
    toml::table table{
        {"relay", config.relay_url},
        {"ca_fingerprint", config.ca_fingerprint},
        {"device_id", config.device_id},
        {"device_secret", config.device_secret},
        {"socket", config.socket_path},
        {"state_dir", config.state_dir},
        {"consent", std::string(consent_policy_name(config.consent))},
    };
    std::ostringstream out;
    out << "# Written by `lifeline-agent enroll`. Holds this machine's device secret: keep it private.\n"
        << table << "\n";
    return write_file_atomically(path, out.str(), 0600);
}

}  // namespace lifeline::agent
