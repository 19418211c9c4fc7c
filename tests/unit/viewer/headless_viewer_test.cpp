// `lifeline-viewer --headless` run as a subprocess against the real relay, the machine played in this process:
// consent, the picture in the PNG, input on the machine, the JSON line, exit codes; and its usage errors.
#include "shared/net/pki.hpp"
#include "tests/unit/viewer/session_test_support.hpp"
#include "viewer/core/session_client.hpp"

#include <gtest/gtest.h>
#include <rfb/keysym.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

namespace lifeline::testing {
namespace {

using namespace std::chrono_literals;
using viewer::Framebuffer;

constexpr const char* kPassword = "tech-password-1";

CommandResult run_viewer(std::vector<std::string> args, const std::vector<std::string>& env = {},
                         const std::string& input = {}) {
    args.insert(args.begin(), LIFELINE_VIEWER_BIN);
    return run_program(std::move(args), input, env);
}

class HeadlessViewerTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start({"--log-level", "info"});
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
        machine_ = machine_with_ticket(relay_, *tina_, "m-headless");
        dir_ =
            std::filesystem::temp_directory_path() / ("lifeline-viewer-test-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string relay_url() const { return "https://127.0.0.1:" + std::to_string(relay_.port()); }
    std::string file(const std::string& name, const std::string& content) const {
        const std::string path = (dir_ / name).string();
        std::ofstream(path) << content;
        return path;
    }

    // The machine says yes (or no) to the request the viewer makes, then joins with its screen server.
    std::unique_ptr<MachineSocket> answer_and_join(bool allow, TestRfbServer* server, const std::string& reason = {}) {
        const v1::SessionRequest request = machine_.answer_next_request(allow, reason);
        if (!allow) return nullptr;
        // The relay stores the consent before it lets the machine's socket in (the agent retries a 409 for that).
        for (int i = 0; i < 400; ++i) {
            v1::Session session;
            from_json(tina_->call("GET", "/api/v1/sessions/" + request.session_id()).body, session);
            if (session.state() != v1::Session::REQUESTED) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        auto socket = std::make_unique<MachineSocket>(relay_.port(), relay_.ca_file());
        EXPECT_EQ(socket->connect(request.session_id(), machine_.credential, server->take_client_fd()), "");
        return socket;
    }

    static boost::json::object last_json_line(const std::string& out) {
        const auto start = out.rfind('{');
        if (start == std::string::npos) throw std::runtime_error("no JSON on stdout: " + out);
        return boost::json::parse(out.substr(start)).as_object();
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_;
    TestMachine machine_;
    std::filesystem::path dir_;
};

TEST_F(HeadlessViewerTest, AsksWatchesActsAndWritesTheExactPicture) {
    const Framebuffer picture = busy_picture(240, 160);
    TestRfbServer server(picture);
    const std::string png = (dir_ / "screen.png").string();
    auto viewer = std::async(std::launch::async, [&] {
        return run_viewer({"--headless",     "--relay",
                           relay_url(),      "--ca",
                           relay_.ca_file(), "--username",
                           "tina",           "--password-stdin",
                           "--ticket",       machine_.ticket,
                           "--mode",         "control",
                           "--encoding",     "raw",
                           "--click",        "10,20",
                           "--type",         "h\xc3\xa9\xe2\x82\xac",
                           "--key",          "ctrl+Return",
                           "--clipboard",    "caf\xc3\xa9",
                           "--screenshot",   png},
                          {}, std::string(kPassword) + "\n");
    });
    auto machine = answer_and_join(true, &server);
    ASSERT_EQ(viewer.wait_for(60s), std::future_status::ready);
    const CommandResult result = viewer.get();
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;

    const auto json = last_json_line(result.out);
    EXPECT_EQ(json.at("state").as_string(), "ENDED");
    EXPECT_EQ(json.at("mode").as_string(), "CONTROL");
    EXPECT_EQ(json.at("width").to_number<int>(), 240);
    EXPECT_EQ(json.at("height").to_number<int>(), 160);
    EXPECT_GE(json.at("updates").to_number<int>(), 1);
    EXPECT_GT(json.at("bytesReceived").to_number<std::int64_t>(), 240 * 160 * 4);
    EXPECT_GT(json.at("seconds").to_number<double>(), 0.0);
    EXPECT_EQ(json.at("closeReason").as_string(), "closed by the viewer");
    EXPECT_EQ(json.at("endedBy").as_string(), "technician:tina");
    EXPECT_EQ(json.at("endReason").as_string(), "the technician closed the viewer");

    const Framebuffer written = read_png(png);
    EXPECT_EQ(picture_difference(written, picture), "") << "the PNG is the served picture, pixel for pixel";

    // The input arrived in order: click, the typed text, the chord, the clipboard.
    const auto pointers = server.pointers();
    ASSERT_EQ(pointers.size(), 2u);
    EXPECT_EQ(pointers[0].x, 10);
    EXPECT_EQ(pointers[0].y, 20);
    EXPECT_EQ(pointers[0].mask, 1);
    EXPECT_EQ(pointers[1].mask, 0);
    const auto keys = server.keys();
    const std::vector<std::pair<std::uint32_t, bool>> expected_keys{
        {'h', true},         {'h', false},         {0xe9, true},      {0xe9, false},      {0x010020AC, true},
        {0x010020AC, false}, {XK_Control_L, true}, {XK_Return, true}, {XK_Return, false}, {XK_Control_L, false}};
    ASSERT_EQ(keys.size(), expected_keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ(keys[i].keysym, expected_keys[i].first) << i;
        EXPECT_EQ(keys[i].down, expected_keys[i].second) << i;
    }
    EXPECT_EQ(server.clipboards(), std::vector<std::string>{"caf\xe9"});
}

TEST_F(HeadlessViewerTest, JoinsAConsentedSessionWithATokenAndEndsIt) {
    const Framebuffer picture = busy_picture(200, 100);
    TestRfbServer server(picture);
    auto requested = tina_->call("POST", "/api/v1/tickets/" + machine_.ticket + "/sessions", R"({"mode":"VIEW"})");
    ASSERT_EQ(requested.status, 201u) << requested.body;
    auto machine = answer_and_join(true, &server);
    v1::Session session;
    from_json(requested.body, session);
    std::ifstream ca(relay_.ca_file());
    std::stringstream ca_pem;
    ca_pem << ca.rdbuf();

    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = run_viewer(
        {"--headless", "--relay", relay_url(), "--ca-fingerprint", net::certificate_fingerprint(ca_pem.str()),
         "--token-file", file("token", tina_->token() + "\n"), "--session", session.id(), "--encoding", "tight",
         "--quality", "-1", "--duration", "1.5", "--screenshot", (dir_ / "s.png").string(), "--end"});
    ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1500ms) << "--duration keeps it connected";
    const auto json = last_json_line(result.out);
    EXPECT_EQ(json.at("session").as_string(), session.id());
    EXPECT_EQ(json.at("state").as_string(), "ENDED");
    EXPECT_EQ(json.at("mode").as_string(), "VIEW");
    EXPECT_EQ(json.at("endedBy").as_string(), "technician:tina");
    EXPECT_EQ(json.at("endReason").as_string(), "the technician ended the session");
    EXPECT_GE(json.at("seconds").to_number<double>(), 1.5);
    EXPECT_EQ(picture_difference(read_png((dir_ / "s.png").string()), picture), "") << "tight without JPEG is exact";
}

TEST_F(HeadlessViewerTest, ExitsWith3WhenTheUserDenies) {
    auto viewer = std::async(std::launch::async, [&] {
        return run_viewer({"--headless", "--relay", relay_url(), "--ca-file", relay_.ca_file(), "--user", "tina",
                           "--password-file", file("password", std::string(kPassword) + "\n"), "--ticket",
                           machine_.ticket});
    });
    answer_and_join(false, nullptr, "busy with a call");
    ASSERT_EQ(viewer.wait_for(30s), std::future_status::ready);
    const CommandResult result = viewer.get();
    EXPECT_EQ(result.exit_code, 3) << result.err << result.out;
    EXPECT_NE(result.err.find("DENIED"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("endedBy user"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("busy with a call"), std::string::npos) << result.err;
    const auto json = last_json_line(result.out);
    EXPECT_EQ(json.at("state").as_string(), "DENIED");
    EXPECT_EQ(json.at("endReason").as_string(), "busy with a call");
}

TEST_F(HeadlessViewerTest, WithdrawsTheRequestWhenTheUserDoesNotAnswerInTime) {
    const CommandResult result = run_viewer({"--headless", "--relay", relay_url(), "--ca-file", relay_.ca_file(),
                                             "--user", "tina", "--ticket", machine_.ticket, "--consent-timeout", "0.5"},
                                            {std::string("LIFELINE_PASSWORD=") + kPassword});
    EXPECT_EQ(result.exit_code, 3) << result.err << result.out;
    EXPECT_NE(result.err.find("did not answer"), std::string::npos) << result.err;
    const auto json = last_json_line(result.out);
    EXPECT_EQ(json.at("state").as_string(), "ENDED") << "withdrawn, so the machine stops asking";
}

TEST_F(HeadlessViewerTest, ARefusedSocketIsAFailureWithTheRelaysMessage) {
    // tina's session: a lead may read it, but its screen is tina's alone.
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    admin.create_user("lena", v1::LEAD, kPassword, 0);
    auto requested = tina_->call("POST", "/api/v1/tickets/" + machine_.ticket + "/sessions", R"({"mode":"VIEW"})");
    ASSERT_EQ(requested.status, 201u) << requested.body;
    machine_.answer_next_request(true);
    v1::Session session;
    from_json(requested.body, session);
    const CommandResult result = run_viewer({"--headless", "--relay", relay_url(), "--ca-file", relay_.ca_file(),
                                             "--user", "lena", "--session", session.id()},
                                            {std::string("LIFELINE_PASSWORD=") + kPassword});
    EXPECT_EQ(result.exit_code, 1) << result.err << result.out;
    EXPECT_NE(result.err.find("refused the viewer socket (403)"), std::string::npos) << result.err;
    EXPECT_EQ(last_json_line(result.out).at("state").as_string(), "ACTIVE") << "the session is still tina's to open";
}

// Usage errors need no relay.
TEST(HeadlessViewerUsageTest, ExplainsWhatIsMissingWithExitCode2) {
    const auto expect_usage = [](std::vector<std::string> args, const std::string& says,
                                 const std::vector<std::string>& env = {}) {
        const CommandResult result = run_viewer(std::move(args), env);
        EXPECT_EQ(result.exit_code, 2) << result.err;
        EXPECT_NE(result.err.find(says), std::string::npos) << result.err;
        EXPECT_EQ(result.out, "");
    };
    // Without --headless the desktop UI starts; with no display to show it on, that is a usage error.
    const std::vector<std::string> no_display{"DISPLAY=", "WAYLAND_DISPLAY=", "QT_QPA_PLATFORM="};
    expect_usage({}, "use --headless", no_display);
    expect_usage({"--relay", "https://127.0.0.1:1"}, "use --headless", no_display);
    expect_usage({"--headless"}, "--relay");
    expect_usage({"--headless", "--relay", "http://x:1"}, "https://HOST:PORT");
    const std::vector<std::string> base{"--headless", "--relay", "https://127.0.0.1:1"};
    auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> args = base;
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    expect_usage(with({"--user", "tina", "--ticket", "LL-000001"}), "--ca PEM");
    expect_usage(with({"--ca-file", "x", "--user", "tina", "--ticket", "LL-000001"}), "LIFELINE_PASSWORD");
    expect_usage(with({"--ca-file", "x", "--user", "tina", "--password", "secret", "--ticket", "LL-000001"}),
                 "--password");
    expect_usage(with({"--ca", "x", "--username", "tina", "--password-stdin", "--password-file", "p", "--ticket", "L"}),
                 "one way");
    expect_usage(with({"--ca", "x", "--token-file", "t", "--password-stdin", "--ticket", "LL-1"}), "--username");
    expect_usage(with({"--ca-file", "x", "--token-file", "t"}), "--ticket");
    expect_usage(with({"--ca-file", "x", "--token-file", "t", "--ticket", "LL-1", "--session", "s-1"}), "--ticket");
    expect_usage(with({"--ca-file", "x", "--token-file", "t", "--ticket", "LL-1", "--click", "5,5"}), "--mode control");
    expect_usage(with({"--ca-file", "x", "--token-file", "t", "--ticket", "LL-1", "--mode", "control", "--click", "5"}),
                 "X,Y");
    expect_usage(
        with({"--ca-file", "x", "--token-file", "t", "--ticket", "LL-1", "--mode", "control", "--key", "Hyper"}),
        "unknown key");
    expect_usage(with({"--ca-file", "x", "--token-file", "t", "--ticket", "LL-1", "--encoding", "hextile"}),
                 "--encoding");
    expect_usage(with({"--ca-file", "x", "--token-file", "t", "--session", "s-1", "--mode", "control"}), "--mode");
    const CommandResult help = run_viewer({"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--headless"), std::string::npos);
}

}  // namespace
}  // namespace lifeline::testing
