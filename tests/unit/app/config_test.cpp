// Relay configuration: defaults, overrides, and errors that name the bad key.
#include "relay/app/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lifeline::relay::app {
namespace {

class ConfigFile {
public:
    explicit ConfigFile(const std::string& text) {
        path_ = std::filesystem::temp_directory_path() / ("lifeline-config-" + std::to_string(::getpid()) + ".toml");
        std::ofstream(path_) << text;
    }
    ~ConfigFile() { std::filesystem::remove(path_); }
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

std::string load_error(const std::string& text) {
    ConfigFile file(text);
    auto config = load_config(file.path());
    return config ? "" : config.error().message;
}

TEST(Config, the_default_file_written_by_init_loads_to_the_defaults) {
    ConfigFile file(default_config_text());
    auto config = load_config(file.path());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->listen, RelayConfig{}.listen);
    EXPECT_EQ(config->token_ttl_seconds, RelayConfig{}.token_ttl_seconds);
}

TEST(Config, values_override_the_defaults) {
    ConfigFile file(
        "listen = \"[::1]:9443\"\nio_threads = 4\n[auth]\nlogin_max_failures = 3\n[log]\nformat = \"json\"\n");
    auto config = load_config(file.path());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->listen, "[::1]:9443");
    EXPECT_EQ(config->io_threads, 4);
    EXPECT_EQ(config->login_max_failures, 3);
    EXPECT_EQ(config->log_format, "json");
}

TEST(Config, recording_keys_are_read_and_checked) {
    ConfigFile file("[recording]\nenabled = false\nkeys = \"keep\"\nretention_days = 0\nmax_total_mb = 500\n");
    auto config = load_config(file.path());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_FALSE(config->recording_enabled);
    EXPECT_EQ(config->recording_keys, "keep");
    EXPECT_EQ(config->recording_retention_days, 0);
    EXPECT_EQ(config->recording_max_total_mb, 500);
    const RelayConfig defaults;
    EXPECT_TRUE(defaults.recording_enabled);
    EXPECT_EQ(defaults.recording_keys, "redact");
    EXPECT_EQ(defaults.recording_retention_days, 90);
    EXPECT_EQ(defaults.recording_max_total_mb, 0);
    EXPECT_NE(load_error("[recording]\nkeys = \"some\"\n").find("'recording.keys': must be \"redact\" or \"keep\""),
              std::string::npos);
    EXPECT_NE(load_error("[recording]\nenabled = 1\n").find("'recording.enabled': must be true or false"),
              std::string::npos);
    EXPECT_NE(load_error("[recording]\nretention_days = -1\n").find("'recording.retention_days': must be from 0"),
              std::string::npos);
}

TEST(Config, an_unknown_key_is_named) {
    auto error = load_error("[http]\nmax_body = 10\n");
    EXPECT_NE(error.find("'http.max_body'"), std::string::npos) << error;
    EXPECT_NE(error.find("unknown key"), std::string::npos) << error;
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST(Config, a_wrong_type_or_range_is_named) {
    EXPECT_NE(load_error("io_threads = \"two\"\n").find("'io_threads': must be an integer"), std::string::npos);
    EXPECT_NE(load_error("io_threads = 0\n").find("'io_threads': must be from 1"), std::string::npos);
    EXPECT_NE(load_error("listen = \"localhost:80\"\n").find("'listen'"), std::string::npos);
    EXPECT_NE(load_error("[log]\nlevel = \"loud\"\n").find("'log.level'"), std::string::npos);
    EXPECT_NE(load_error("[nope]\n").find("'nope': unknown section"), std::string::npos);
}

TEST(Config, a_syntax_error_gives_the_line) {
    auto error = load_error("io_threads = 2\nlisten = \n");
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST(Config, mail_settings_are_read) {
    ConfigFile file(
        "public_url = \"https://helpdesk.example.org\"\n[mail]\nenabled = true\nsmtp_host = \"mail.example.org\"\n"
        "smtp_port = 2525\nsecurity = \"tls\"\nca_file = \"smtp-ca.pem\"\nusername = \"relay\"\n"
        "password_file = \"smtp.password\"\nfrom = \"helpdesk@example.org\"\nfrom_name = \"IT\"\n"
        "language = \"de\"\ntemplates_dir = \"/etc/lifeline/mail\"\ntimeout = 10\nretry_after = 5\n");
    auto config = load_config(file.path());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_TRUE(config->mail_enabled);
    EXPECT_EQ(config->mail_smtp_host, "mail.example.org");
    EXPECT_EQ(config->mail_smtp_port, 2525);
    EXPECT_EQ(config->mail_security, "tls");
    EXPECT_EQ(config->mail_ca_file, "smtp-ca.pem");
    EXPECT_EQ(config->mail_username, "relay");
    EXPECT_EQ(config->mail_password_file, "smtp.password");
    EXPECT_EQ(config->mail_from, "helpdesk@example.org");
    EXPECT_EQ(config->mail_from_name, "IT");
    EXPECT_EQ(config->mail_language, "de");
    EXPECT_EQ(config->mail_templates_dir, "/etc/lifeline/mail");
    EXPECT_EQ(config->mail_timeout_seconds, 10);
    EXPECT_EQ(config->mail_retry_after_seconds, 5);
    EXPECT_EQ(config->public_url, "https://helpdesk.example.org");
    const RelayConfig defaults;
    EXPECT_FALSE(defaults.mail_enabled);
    EXPECT_EQ(defaults.mail_language, "en");
    EXPECT_EQ(defaults.mail_security, "starttls");
}

TEST(Config, mail_settings_are_checked) {
    EXPECT_NE(load_error("[mail]\nenabled = true\n").find("'mail.from': is required"), std::string::npos);
    EXPECT_NE(load_error("[mail]\nfrom = \"helpdesk\"\n").find("'mail.from': must be a mail address"),
              std::string::npos);
    EXPECT_NE(load_error("[mail]\nfrom = \"a@b.org>\\r\\nRCPT TO:<c@d.org\"\n").find("'mail.from'"), std::string::npos);
    EXPECT_NE(load_error("[mail]\nsecurity = \"ssl\"\n").find("'mail.security'"), std::string::npos);
    EXPECT_NE(load_error("[mail]\nlanguage = \"../../etc\"\n").find("'mail.language'"), std::string::npos);
    EXPECT_NE(load_error("[mail]\nusername = \"relay\"\n").find("'mail.password_file': is required"),
              std::string::npos);
    EXPECT_NE(load_error("[mail]\nusername = \"relay\"\npassword_file = \"p\"\nsecurity = \"none\"\n")
                  .find("'mail.username': needs mail.security"),
              std::string::npos);
    EXPECT_NE(load_error("[mail]\nsmtp_port = 70000\n").find("'mail.smtp_port'"), std::string::npos);
    EXPECT_NE(load_error("public_url = \"ftp://x\"\n").find("'public_url'"), std::string::npos);
    EXPECT_NE(load_error("[mail]\nsmtp_hots = \"x\"\n").find("'mail.smtp_hots': unknown key"), std::string::npos);
}

TEST(Config, listen_addresses_parse_for_both_families) {
    EXPECT_EQ(parse_listen("127.0.0.1:8443")->port, 8443);
    EXPECT_EQ(parse_listen("[::1]:0")->host, "::1");
    EXPECT_FALSE(parse_listen("127.0.0.1"));
    EXPECT_FALSE(parse_listen("127.0.0.1:70000"));
    EXPECT_FALSE(parse_listen("[::1:80"));
}

}  // namespace
}  // namespace lifeline::relay::app
