// `lifeline-relay enroll-token create|list|revoke`: the tokens that let machines enroll as agents.
#include "relay/app/commands.hpp"
#include "relay/store/sqlite/database.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"
#include "shared/core/ids.hpp"
#include "shared/net/pki.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace lifeline::relay::app {

namespace {

// "90s", "30m", "12h", "7d" -> seconds; nullopt for anything else or more than a year.
std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
    if (text.size() < 2) return std::nullopt;
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, value);
    if (ec != std::errc() || end != text.data() + text.size() - 1 || value <= 0) return std::nullopt;
    long long unit = 0;
    switch (text.back()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
    }
    if (value > 366LL * 86400 / unit) return std::nullopt;
    return std::chrono::seconds(value * unit);
}

bool is_data_dir(const std::string& data_dir) {
    if (std::filesystem::exists(database_path(data_dir))) return true;
    std::cerr << "lifeline-relay enroll-token: " << data_dir << " is not a relay data dir (no lifeline.db)\n";
    return false;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

int run_enroll_token_create(const EnrollTokenOptions& options) {
    if (!is_data_dir(options.data_dir)) return 2;
    auto lifetime = parse_duration(options.expires);
    if (!lifetime) {
        std::cerr
            << "lifeline-relay enroll-token create: --expires takes N followed by s, m, h or d (at most a year)\n";
        return 2;
    }
    if (options.uses < 1 || options.uses > 100'000) {
        std::cerr << "lifeline-relay enroll-token create: --uses must be from 1 to 100000\n";
        return 2;
    }
    std::string fingerprint =
        net::certificate_fingerprint(read_file((std::filesystem::path(options.data_dir) / "ca.pem").string()));
    std::string token = core::random_token();
    auto now = std::chrono::system_clock::now();
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteDeviceStore devices(db);
    auto created = devices.create_enrollment_token(
        {core::sha256_hex(token), options.group, now + *lifetime, options.uses, "cli"}, now);
    using google::protobuf::util::TimeUtil;
    if (options.json) {
        std::cout << R"({"token":")" << token << R"(","caFingerprint":")" << fingerprint << R"(","id":)" << created.id()
                  << R"(,"expiresAt":")" << TimeUtil::ToString(created.expires_at()) << R"(","uses":)"
                  << created.uses_allowed() << R"(,"group":")" << created.group() << "\"}\n";
    } else {
        std::cout << "token:           " << token << "\n"
                  << "CA fingerprint:  " << fingerprint << "\n"
                  << "id:              " << created.id() << "\n"
                  << "expires:         " << TimeUtil::ToString(created.expires_at()) << "\n"
                  << "uses:            " << created.uses_allowed() << "\n"
                  << "group:           " << (created.group().empty() ? "(none)" : created.group()) << "\n"
                  << "The token is shown only this once. On the user's machine:\n"
                  << "  lifeline-agent enroll --relay https://RELAY:PORT --token " << token << " --ca-fingerprint "
                  << fingerprint << "\n";
    }
    return 0;
}

int run_enroll_token_list(const EnrollTokenOptions& options) {
    if (!is_data_dir(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteDeviceStore devices(db);
    auto now =
        google::protobuf::util::TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(std::chrono::system_clock::now()));
    for (const auto& t : devices.list_enrollment_tokens()) {
        if (options.json) {
            std::string line;
            (void)google::protobuf::util::MessageToJsonString(t, &line);
            std::cout << line << "\n";
            continue;
        }
        std::string state = t.revoked()                    ? "revoked"
                            : t.uses() >= t.uses_allowed() ? "used up"
                            : t.expires_at() <= now        ? "expired"
                                                           : "valid";
        std::cout << t.id() << "\t" << state << "\t" << t.uses() << "/" << t.uses_allowed() << " uses\texpires "
                  << google::protobuf::util::TimeUtil::ToString(t.expires_at()) << "\tgroup "
                  << (t.group().empty() ? "-" : t.group()) << "\n";
    }
    return 0;
}

int run_enroll_token_revoke(const EnrollTokenOptions& options) {
    if (!is_data_dir(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteDeviceStore devices(db);
    auto revoked = devices.revoke_enrollment_token(options.id, store::Actor::cli());
    if (!revoked) {
        std::cerr << "lifeline-relay enroll-token revoke: " << revoked.error().message << "\n";
        return 1;
    }
    std::cout << "enrollment token " << options.id << " revoked\n";
    return 0;
}

}  // namespace lifeline::relay::app
