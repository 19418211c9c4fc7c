// The real agent against the real relay: enroll, run, "Get help" with system info and a
// screenshot, status, chat with the technician, wrong pins, relay crashes with a queued request,
// and revocation.
#include "agent/local/local_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/xvfb_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

class AgentDaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
    }

    void enroll_and_start(AgentProcess& agent, const std::string& machine_id,
                          const std::vector<std::string>& env = {}) {
        auto enrolled = agent.enroll(relay_, machine_id);
        ASSERT_EQ(enrolled.exit_code, 0) << enrolled.err;
        agent.start(env);
        agent.wait_connected(true);
    }

    // Tickets whose subject contains `text`, through the technicians' REST API.
    v1::TicketPage tickets_matching(const std::string& text) {
        v1::TicketPage page;
        from_json(admin_->call("GET", "/api/v1/tickets?q=" + text).body, page);
        return page;
    }

    RelayProcess relay_;
    std::optional<ApiClient> admin_;
};

TEST_F(AgentDaemonTest, get_help_opens_a_ticket_with_the_machines_system_info) {
    AgentProcess agent;
    enroll_and_start(agent, "machine-help");
    auto help = agent.command({"help", "--subject", "Printer jams on every page", "--description",
                               "Since this morning.\nThe office printer.", "--category", "printer"});
    ASSERT_EQ(help.exit_code, 0) << help.err << agent.log();
    std::smatch number;
    ASSERT_TRUE(std::regex_search(help.out, number, std::regex("LL-\\d{6}"))) << help.out;

    auto response = admin_->call("GET", "/api/v1/tickets/" + number.str());
    ASSERT_EQ(response.status, 200u) << response.body;
    v1::Ticket ticket;
    from_json(response.body, ticket);
    EXPECT_EQ(ticket.subject(), "Printer jams on every page");
    EXPECT_EQ(ticket.description(), "Since this morning.\nThe office printer.");
    EXPECT_EQ(ticket.category(), "printer");
    EXPECT_EQ(ticket.channel(), "agent");
    EXPECT_EQ(ticket.device_id(), agent.device_id());
    const auto& info = ticket.system_info();
    EXPECT_FALSE(info.hostname().empty());
    EXPECT_FALSE(info.kernel().empty());
    EXPECT_GT(info.memory_total(), 0);
    EXPECT_GE(info.cpu_cores(), 1);
    EXPECT_GT(info.disks_size(), 0);
    EXPECT_GT(info.collection_micros(), 0);

    // The inventory has the machine too, online, with its latest snapshot.
    v1::Device device;
    from_json(admin_->call("GET", "/api/v1/agents/" + agent.device_id()).body, device);
    EXPECT_TRUE(device.online());
    EXPECT_EQ(device.system_info().kernel(), info.kernel());
    EXPECT_EQ(device.open_tickets(), 1);

    auto status = agent.command({"status"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("connected"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find(number.str() + "  new  Printer jams on every page"), std::string::npos) << status.out;
}

TEST_F(AgentDaemonTest, the_user_chats_with_the_technician_through_the_daemon) {
    AgentProcess agent;
    enroll_and_start(agent, "machine-chat");
    auto help = agent.command({"help", "--subject", "VPN drops every hour"});
    ASSERT_EQ(help.exit_code, 0) << help.err << agent.log();
    std::smatch found;
    ASSERT_TRUE(std::regex_search(help.out, found, std::regex("LL-\\d{6}"))) << help.out;
    const std::string number = found.str();

    // The tray's way of hearing the technician: a Watch connection on the local socket.
    auto watcher = agent::LocalClient::connect(agent.socket_path());
    ASSERT_TRUE(watcher) << watcher.error().message;
    v1::LocalRequest watch;
    watch.mutable_watch();
    ASSERT_TRUE(watcher->send(watch, std::chrono::seconds(5)));
    auto greeting = watcher->receive(std::chrono::seconds(5));
    ASSERT_TRUE(greeting && *greeting);
    EXPECT_TRUE((*greeting)->event().has_status()) << "a watcher hears the status first";

    auto written =
        admin_->call("POST", "/api/v1/tickets/" + number + "/chat", R"({"text":"Which VPN client do you use?"})");
    ASSERT_EQ(written.status, 201u) << written.body;
    auto event = watcher->receive(std::chrono::seconds(10));
    for (int i = 0; i < 10 && event && *event && (*event)->event().has_status(); ++i)
        event = watcher->receive(std::chrono::seconds(10));  // the new ticket in the list
    ASSERT_TRUE(event && *event) << agent.log();
    ASSERT_TRUE((*event)->event().has_chat()) << (*event)->DebugString();
    EXPECT_EQ((*event)->event().chat().text(), "Which VPN client do you use?");
    EXPECT_EQ((*event)->event().chat().ticket_number(), number);

    auto sent = agent.command({"chat", "--ticket", number, "--send", "The built-in one, since Monday"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err << agent.log();
    v1::ChatList list;
    from_json(admin_->call("GET", "/api/v1/tickets/" + number + "/chat").body, list);
    ASSERT_EQ(list.messages_size(), 2);
    EXPECT_TRUE(list.messages(1).from_user());
    EXPECT_EQ(list.messages(1).text(), "The built-in one, since Monday");

    auto shown = agent.command({"chat", "--ticket", number});
    ASSERT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("Which VPN client do you use?"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("(you): The built-in one, since Monday"), std::string::npos) << shown.out;

    auto unknown = agent.command({"chat", "--ticket", "LL-999999", "--send", "hello"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("no ticket LL-999999"), std::string::npos) << unknown.err;
    auto blank = agent.command({"chat", "--ticket", number, "--send", "   "});
    EXPECT_EQ(blank.exit_code, 2) << blank.err;

    // Chat is live: with the relay gone nothing is sent, and the user is told so.
    relay_.kill();
    agent.wait_connected(false);
    auto offline = agent.command({"chat", "--ticket", number, "--send", "are you there?"});
    EXPECT_EQ(offline.exit_code, 1);
    EXPECT_NE(offline.err.find("not connected"), std::string::npos) << offline.err;
}

TEST_F(AgentDaemonTest, a_screenshot_of_the_display_is_attached_to_the_ticket) {
    XvfbProcess x(800, 600);
    AgentProcess agent;
    enroll_and_start(agent, "machine-shot", {"DISPLAY=" + x.display()});
    auto help = agent.command({"help", "--subject", "Strange dialog", "--screenshot", "--json"});
    ASSERT_EQ(help.exit_code, 0) << help.err << agent.log();
    std::smatch number;
    ASSERT_TRUE(std::regex_search(help.out, number, std::regex("LL-\\d{6}"))) << help.out;

    v1::AttachmentList list;
    for (int i = 0; i < 100 && list.attachments_size() == 0; ++i) {  // the upload follows the ticket
        from_json(admin_->call("GET", "/api/v1/tickets/" + number.str() + "/attachments").body, list);
        if (list.attachments_size() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(list.attachments_size(), 1) << agent.log();
    EXPECT_EQ(list.attachments(0).name(), "screenshot.png");
    EXPECT_EQ(list.attachments(0).content_type(), "image/png");
    auto png = admin_->call(
        "GET", "/api/v1/tickets/" + number.str() + "/attachments/" + std::to_string(list.attachments(0).id()));
    ASSERT_EQ(png.status, 200u);
    EXPECT_TRUE(png.body.starts_with("\x89PNG\r\n\x1a\n"));
    EXPECT_EQ(std::filesystem::is_empty(agent.state_dir() + "/queue"), true) << "the request left the queue";

    // Without an X display the request is refused clearly, and nothing is queued.
    AgentProcess headless;
    enroll_and_start(headless, "machine-headless");
    auto refused = headless.command({"help", "--subject", "x", "--screenshot"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("could not take a screenshot"), std::string::npos) << refused.err;
}

TEST_F(AgentDaemonTest, enrollment_refuses_a_wrong_fingerprint_and_a_used_token_and_writes_nothing) {
    auto [token, fingerprint] = create_enrollment_token(relay_);
    AgentProcess wrong_pin;
    auto refused = wrong_pin.enroll(relay_, "machine-pin", token, "sha256:" + std::string(64, 'a'));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("does not match"), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(wrong_pin.config_file()));

    AgentProcess first, second;
    ASSERT_EQ(first.enroll(relay_, "machine-a", token, fingerprint).exit_code, 0) << "the token was not spent";
    auto used = second.enroll(relay_, "machine-b", token, fingerprint);
    EXPECT_EQ(used.exit_code, 1);
    EXPECT_NE(used.err.find("used up"), std::string::npos) << used.err;
    EXPECT_FALSE(std::filesystem::exists(second.config_file()));
    auto mode = std::filesystem::status(first.config_file()).permissions();
    EXPECT_EQ(mode, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(AgentDaemonTest, a_relay_with_another_certificate_gets_nothing) {
    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay_, "machine-mitm").exit_code, 0);
    // Pin another CA, as if someone else answered at the relay's address.
    std::ifstream in(agent.config_file());
    std::stringstream text;
    text << in.rdbuf();
    std::string config =
        std::regex_replace(text.str(), std::regex("sha256:[0-9a-f]{64}"), "sha256:" + std::string(64, 'b'));
    in.close();
    std::ofstream(agent.config_file()) << config;

    agent.start();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto status = agent.status_json();
    EXPECT_EQ(status.find("\"connected\": true"), std::string::npos) << status;
    EXPECT_NE(status.find("does not match the pinned CA"), std::string::npos) << status;
    EXPECT_EQ(relay_.log().find("agents: device=" + agent.device_id()), std::string::npos)
        << "the relay saw the device: " << relay_.log();
}

TEST_F(AgentDaemonTest, a_request_queued_while_the_relay_is_down_becomes_exactly_one_ticket) {
    AgentProcess agent;
    enroll_and_start(agent, "machine-queue");
    relay_.kill();
    agent.wait_connected(false);
    auto queued = agent.command({"help", "--subject", "VPN drops every hour"});
    ASSERT_EQ(queued.exit_code, 0) << queued.err;
    EXPECT_NE(queued.out.find("saved"), std::string::npos) << queued.out;

    // The agent restarts while the request waits: it is on disk, not in memory.
    ASSERT_EQ(agent.stop(), 0) << agent.log();
    agent.start();
    EXPECT_NE(agent.status_json().find("\"queuedRequests\": 1"), std::string::npos) << agent.status_json();

    relay_.start();
    agent.wait_connected(true, std::chrono::seconds(30));
    v1::TicketPage page;
    for (int i = 0; i < 50; ++i) {
        ApiClient fresh(relay_.client());
        fresh.login("admin", relay_.admin_password());
        from_json(fresh.call("GET", "/api/v1/tickets?q=VPN").body, page);
        if (page.tickets_size() > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(page.tickets_size(), 1) << agent.log();
    EXPECT_EQ(page.tickets(0).subject(), "VPN drops every hour");

    // Another reconnect resends nothing.
    relay_.stop();
    relay_.start();
    agent.wait_connected(true, std::chrono::seconds(30));
    ApiClient fresh(relay_.client());
    fresh.login("admin", relay_.admin_password());
    from_json(fresh.call("GET", "/api/v1/tickets?q=VPN").body, page);
    EXPECT_EQ(page.tickets_size(), 1);
    EXPECT_EQ(agent.status_json().find("queuedRequests"), std::string::npos) << "nothing is left to send";
}

TEST_F(AgentDaemonTest, a_revoked_device_is_dropped_and_stays_out) {
    AgentProcess agent;
    enroll_and_start(agent, "machine-revoked");
    auto revoked = admin_->call("POST", "/api/v1/agents/" + agent.device_id() + "/revoke", "{}");
    ASSERT_EQ(revoked.status, 200u) << revoked.body;
    agent.wait_connected(false);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // backoff retries happen meanwhile
    auto status = agent.status_json();
    EXPECT_EQ(status.find("\"connected\": true"), std::string::npos) << status;
    EXPECT_NE(status.find("refused this machine's device credential"), std::string::npos) << status;
    v1::Device device;
    from_json(admin_->call("GET", "/api/v1/agents/" + agent.device_id()).body, device);
    EXPECT_FALSE(device.online());
    EXPECT_TRUE(device.revoked());
}

TEST_F(AgentDaemonTest, bad_requests_and_a_stopped_daemon_get_clear_answers) {
    AgentProcess agent;
    ASSERT_EQ(agent.enroll(relay_, "machine-cli").exit_code, 0);
    auto not_running = agent.command({"status"});
    EXPECT_EQ(not_running.exit_code, 3);
    EXPECT_NE(not_running.out.find("not running"), std::string::npos) << not_running.out;
    EXPECT_EQ(agent.command({"help", "--subject", "x"}).exit_code, 3);

    agent.start();
    auto blank = agent.command({"help", "--subject", "   "});
    EXPECT_EQ(blank.exit_code, 2);
    EXPECT_NE(blank.err.find("subject"), std::string::npos) << blank.err;
    auto control = agent.command({"help", "--subject", std::string("bell\x07")});
    EXPECT_EQ(control.exit_code, 2);
    EXPECT_NE(control.err.find("control character"), std::string::npos) << control.err;
    EXPECT_EQ(agent.command({"frobnicate"}).exit_code, 2);

    // A second daemon on the same config is refused; the first keeps running.
    auto second = run_program({LIFELINE_AGENT_BIN, "run", "--config", agent.config_file()});
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;
    EXPECT_EQ(agent.command({"status"}).exit_code, 0);
    EXPECT_EQ(agent.stop(), 0) << agent.log();
    EXPECT_FALSE(std::filesystem::exists(agent.state_dir() + "/../run/agent.sock")) << "the socket was removed";
}

}  // namespace
}  // namespace lifeline::testing
