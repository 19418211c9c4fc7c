// The agent's config file: round trip, mode 0600, clear errors, and relay URL parsing.
#include "agent/core/config.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace lifeline::agent {
namespace {

namespace fs = std::filesystem;

class AgentConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("lifeline-agent-config-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path() const { return (dir_ / "nested" / "agent.toml").string(); }
    void write(const std::string& text) {
        fs::create_directories(dir_ / "nested");
        std::ofstream(path()) << text;
    }
    fs::path dir_;
};

TEST_F(AgentConfigTest, a_saved_config_loads_back_and_only_its_owner_can_read_it) {
    AgentConfig config{
        "https://127.0.0.1:8443", "sha256:" + std::string(64, 'a'), "d-0123456789", "s3cret", "/tmp/x/agent.sock",
        "/tmp/x/state",           ConsentPolicy::unattended};
    ASSERT_TRUE(save_config(path(), config));
    struct stat st {};
    ASSERT_EQ(::stat(path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto loaded = load_config(path());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->relay_url, config.relay_url);
    EXPECT_EQ(loaded->ca_fingerprint, config.ca_fingerprint);
    EXPECT_EQ(loaded->device_id, config.device_id);
    EXPECT_EQ(loaded->device_secret, config.device_secret);
    EXPECT_EQ(loaded->socket_path, config.socket_path);
    EXPECT_EQ(loaded->state_dir, config.state_dir);
    EXPECT_EQ(loaded->consent, ConsentPolicy::unattended);
}

TEST_F(AgentConfigTest, missing_paths_fall_back_to_the_defaults) {
    write(
        "relay = \"https://relay.example:8443\"\nca_fingerprint = \"sha256:ab\"\ndevice_id = \"d-1\"\n"
        "device_secret = \"x\"\n");
    auto loaded = load_config(path());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->socket_path, default_paths().socket);
    EXPECT_EQ(loaded->state_dir, default_paths().state_dir);
    EXPECT_EQ(loaded->consent, ConsentPolicy::ask) << "asking the user is the default";
}

TEST_F(AgentConfigTest, problems_are_named) {
    EXPECT_NE(load_config(path()).error().message.find("enroll first"), std::string::npos);
    write("relay = \"https://h:1\"\nca_fingerprint = \"sha256:ab\"\ndevice_id = \"d\"\n");
    EXPECT_NE(load_config(path()).error().message.find("\"device_secret\" is missing"), std::string::npos);
    write("relay = \"https://h:1\"\ncolour = \"blue\"\n");
    EXPECT_NE(load_config(path()).error().message.find("unknown key \"colour\""), std::string::npos);
    write("relay = 5\n");
    EXPECT_NE(load_config(path()).error().message.find("must be a string"), std::string::npos);
    write("relay = \"unterminated\n");
    EXPECT_NE(load_config(path()).error().message.find("line 1"), std::string::npos);
    write("relay = \"http://h:1\"\nca_fingerprint = \"sha256:ab\"\ndevice_id = \"d\"\ndevice_secret = \"x\"\n");
    EXPECT_NE(load_config(path()).error().message.find("https://HOST:PORT"), std::string::npos);
    write(
        "relay = \"https://h:1\"\nca_fingerprint = \"sha256:ab\"\ndevice_id = \"d\"\ndevice_secret = \"x\"\n"
        "consent = \"always\"\n");
    EXPECT_NE(load_config(path()).error().message.find("consent must be \"ask\", \"deny\" or \"unattended\""),
              std::string::npos);
}

TEST(RelayUrl, host_and_port_come_out_of_the_usual_forms) {
    auto v4 = parse_relay_url("https://127.0.0.1:8443");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->host, "127.0.0.1");
    EXPECT_EQ(v4->port, 8443);
    auto v6 = parse_relay_url("https://[::1]:9000/");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 9000);
    auto name = parse_relay_url("https://relay.example.org");
    ASSERT_TRUE(name);
    EXPECT_EQ(name->host, "relay.example.org");
    EXPECT_EQ(name->port, 443);
}

TEST(RelayUrl, anything_else_is_refused) {
    for (const char* bad : {"http://127.0.0.1:8443", "127.0.0.1:8443", "https://", "https://h:0", "https://h:70000",
                            "https://user:pw@h:1", "https://h:1/api", "https://h:1?x=1", "https://h:port"}) {
        EXPECT_FALSE(parse_relay_url(bad)) << bad;
    }
}

}  // namespace
}  // namespace lifeline::agent
