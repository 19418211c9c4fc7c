// The agents' control channel through the real relay: authentication at the upgrade, presence,
// idempotent tickets, inventory, bad frames and revocation.
#include "tests/support/agent_channel_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

class AgentChannelTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
    }

    v1::EnrollResponse enroll(const std::string& machine_id) { return enroll_device(relay_, machine_id); }

    v1::Device device(const std::string& id) {
        v1::Device d;
        from_json(admin_->call("GET", "/api/v1/agents/" + id).body, d);
        return d;
    }

    static v1::AgentToRelay hello(std::int64_t memory) {
        v1::AgentToRelay message;
        auto* info = message.mutable_hello()->mutable_system_info();
        info->set_hostname("pc-7");
        info->set_os_name("Debian GNU/Linux 12 (bookworm)");
        info->set_user("paula");
        info->set_memory_total(memory);
        return message;
    }

    static v1::AgentToRelay open_ticket(const std::string& key, const std::string& subject) {
        v1::AgentToRelay message;
        auto* open = message.mutable_open_ticket();
        open->set_idempotency_key(key);
        open->set_subject(subject);
        open->set_description("The screen went black after lunch.");
        return message;
    }

    // Waits until the relay's view of the device's presence is `online`.
    bool wait_online(const std::string& id, bool online) {
        for (int i = 0; i < 200; ++i) {
            if (device(id).online() == online) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        return false;
    }

    RelayProcess relay_;
    std::optional<ApiClient> admin_;
};

TEST_F(AgentChannelTest, a_device_goes_online_with_its_inventory_and_offline_when_it_leaves) {
    auto enrolled = enroll("m-online");
    AgentChannelClient channel(relay_.port(), relay_.ca_file());
    ASSERT_EQ(channel.connect(enrolled.device_id(), enrolled.device_secret()), 101u);
    channel.send(hello(8LL << 30));
    v1::AgentToRelay beat;
    beat.mutable_heartbeat();
    channel.send(beat);
    EXPECT_TRUE(channel.receive().has_heartbeat());  // hello is processed before the heartbeat's answer
    auto online = device(enrolled.device_id());
    EXPECT_TRUE(online.online());
    EXPECT_EQ(online.os_name(), "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(online.user(), "paula");
    EXPECT_EQ(online.system_info().memory_total(), 8LL << 30);
    channel.close();
    EXPECT_TRUE(wait_online(enrolled.device_id(), false));
    EXPECT_TRUE(device(enrolled.device_id()).has_last_seen());

    // The machine got more RAM: the inventory records the change on the next connect.
    AgentChannelClient again(relay_.port(), relay_.ca_file());
    ASSERT_EQ(again.connect(enrolled.device_id(), enrolled.device_secret()), 101u);
    again.send(hello(16LL << 30));
    again.send(beat);
    again.receive();
    v1::InventoryChangeList changes;
    from_json(admin_->call("GET", "/api/v1/agents/" + enrolled.device_id() + "/inventory-changes").body, changes);
    ASSERT_EQ(changes.changes_size(), 1);
    EXPECT_EQ(changes.changes(0).field(), "memory_total");
    EXPECT_EQ(changes.changes(0).to(), std::to_string(16LL << 30));
}

TEST_F(AgentChannelTest, get_help_opens_one_ticket_per_idempotency_key) {
    auto enrolled = enroll("m-help");
    AgentChannelClient channel(relay_.port(), relay_.ca_file());
    ASSERT_EQ(channel.connect(enrolled.device_id(), enrolled.device_secret()), 101u);
    channel.send(hello(8LL << 30));
    channel.send(open_ticket("key-1", "Screen went black"));
    auto first = channel.receive();
    ASSERT_TRUE(first.has_ticket_opened()) << first.DebugString();
    EXPECT_EQ(first.ticket_opened().idempotency_key(), "key-1");
    channel.send(open_ticket("key-1", "Screen went black"));  // a retry after a lost answer
    auto retry = channel.receive();
    EXPECT_EQ(retry.ticket_opened().number(), first.ticket_opened().number());

    v1::Ticket ticket;
    from_json(admin_->call("GET", "/api/v1/tickets/" + first.ticket_opened().number()).body, ticket);
    EXPECT_EQ(ticket.channel(), "agent");
    EXPECT_EQ(ticket.device_id(), enrolled.device_id());
    EXPECT_EQ(ticket.requester().name(), "paula");
    EXPECT_EQ(ticket.system_info().os_name(), "Debian GNU/Linux 12 (bookworm)");
    v1::TicketPage page;
    from_json(admin_->call("GET", "/api/v1/tickets").body, page);
    EXPECT_EQ(page.tickets_size(), 1);

    v1::AgentToRelay list;
    list.mutable_list_tickets()->set_request_id(7);
    channel.send(list);
    auto mine = channel.receive();
    ASSERT_TRUE(mine.has_my_tickets());
    EXPECT_EQ(mine.my_tickets().request_id(), 7);
    ASSERT_EQ(mine.my_tickets().tickets_size(), 1);
    EXPECT_EQ(mine.my_tickets().tickets(0).status(), v1::Ticket::NEW);

    channel.send(open_ticket("key-2", ""));
    auto refused = channel.receive();
    ASSERT_TRUE(refused.has_error());
    EXPECT_EQ(refused.error().code(), "invalid_argument");
    EXPECT_EQ(refused.error().idempotency_key(), "key-2");
}

TEST_F(AgentChannelTest, bad_credentials_and_foreign_origins_are_refused_before_the_handshake) {
    auto enrolled = enroll("m-auth");
    AgentChannelClient channel(relay_.port(), relay_.ca_file());
    EXPECT_EQ(channel.connect(enrolled.device_id(), "wrong-secret"), 401u);
    EXPECT_EQ(channel.connect("d-unknown", enrolled.device_secret()), 401u);
    EXPECT_EQ(channel.connect(enrolled.device_id(), enrolled.device_secret(), "https://evil.example"), 403u);
    EXPECT_EQ(channel.connect(enrolled.device_id(), enrolled.device_secret()), 101u);
}

TEST_F(AgentChannelTest, a_malformed_frame_closes_only_its_own_channel) {
    auto good = enroll("m-good");
    auto bad = enroll("m-bad");
    AgentChannelClient well_behaved(relay_.port(), relay_.ca_file());
    AgentChannelClient broken(relay_.port(), relay_.ca_file());
    ASSERT_EQ(well_behaved.connect(good.device_id(), good.device_secret()), 101u);
    ASSERT_EQ(broken.connect(bad.device_id(), bad.device_secret()), 101u);
    broken.send_raw(std::string("\xff\xff\xff\xff garbage", 13));
    auto error = broken.receive();
    ASSERT_TRUE(error.has_error());
    EXPECT_EQ(error.error().code(), "invalid_argument");
    EXPECT_TRUE(broken.closed_by_relay());

    AgentChannelClient text_sender(relay_.port(), relay_.ca_file());
    ASSERT_EQ(text_sender.connect(bad.device_id(), bad.device_secret()), 101u);
    text_sender.send_raw("{\"hello\":{}}", false);  // JSON in a text frame is not the protocol
    EXPECT_TRUE(text_sender.receive().has_error());

    AgentChannelClient oversized(relay_.port(), relay_.ca_file());
    ASSERT_EQ(oversized.connect(bad.device_id(), bad.device_secret()), 101u);
    oversized.send_raw(std::string((1 << 20) + 1, 'x'));
    EXPECT_TRUE(oversized.closed_by_relay());

    v1::AgentToRelay beat;
    beat.mutable_heartbeat();
    well_behaved.send(beat);
    EXPECT_TRUE(well_behaved.receive().has_heartbeat());

    // SIGTERM with a channel still open: the relay closes it and stops cleanly.
    EXPECT_EQ(relay_.stop(), 0) << relay_.log();
    EXPECT_TRUE(well_behaved.closed_by_relay(std::chrono::seconds(5)));
}

TEST_F(AgentChannelTest, a_revoked_device_is_disconnected_at_once_and_stays_out) {
    auto enrolled = enroll("m-revoked");
    AgentChannelClient channel(relay_.port(), relay_.ca_file());
    ASSERT_EQ(channel.connect(enrolled.device_id(), enrolled.device_secret()), 101u);
    ASSERT_TRUE(wait_online(enrolled.device_id(), true));
    ASSERT_EQ(admin_->call("POST", "/api/v1/agents/" + enrolled.device_id() + "/revoke").status, 200u);
    EXPECT_TRUE(channel.closed_by_relay(std::chrono::seconds(5)));
    AgentChannelClient again(relay_.port(), relay_.ca_file());
    EXPECT_EQ(again.connect(enrolled.device_id(), enrolled.device_secret()), 401u);
    EXPECT_FALSE(device(enrolled.device_id()).online());
}

TEST_F(AgentChannelTest, a_machine_attaches_a_screenshot_to_its_own_ticket_and_staff_download_it) {
    auto mine = enroll("m-shot");
    auto other = enroll("m-other");
    AgentChannelClient channel(relay_.port(), relay_.ca_file());
    ASSERT_EQ(channel.connect(mine.device_id(), mine.device_secret()), 101u);
    channel.send(open_ticket("shot-1", "Error dialog on start"));
    std::string number = channel.receive().ticket_opened().number();
    ASSERT_FALSE(number.empty());

    std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(5000, '\x42');
    const std::vector<std::pair<std::string, std::string>> as_png = {{"Content-Type", "image/png"}};
    auto device_client = relay_.client();
    std::string credential = mine.device_id() + "." + mine.device_secret();
    std::string target = "/api/v1/tickets/" + number + "/attachments?name=screen.png";
    auto uploaded = device_client.request("POST", target, png, credential, as_png);
    ASSERT_EQ(uploaded.status, 201u) << uploaded.body;
    v1::Attachment attachment;
    from_json(uploaded.body, attachment);
    EXPECT_EQ(attachment.size(), static_cast<std::int64_t>(png.size()));
    EXPECT_EQ(attachment.created_by(), "device:" + mine.device_id());

    // Not another machine's ticket, not a fake PNG, not too big, and no staff routes for machines.
    std::string other_credential = other.device_id() + "." + other.device_secret();
    EXPECT_EQ(device_client.request("POST", target, png, other_credential, as_png).status, 403u);
    EXPECT_EQ(device_client.request("POST", target, "GIF89a....", credential, as_png).status, 400u);
    EXPECT_EQ(device_client.request("POST", target, png, credential, {{"Content-Type", "text/html"}}).status, 400u);
    auto too_big = device_client.request("POST", target, png + std::string(9 << 20, 'x'), credential, as_png);
    EXPECT_EQ(too_big.status, 413u);
    EXPECT_EQ(device_client.request("GET", "/api/v1/tickets", "", credential).status, 403u);
    EXPECT_EQ(device_client.request("GET", "/api/v1/tickets/" + number + "/attachments", "", credential).status, 403u);

    v1::AttachmentList list;
    from_json(admin_->call("GET", "/api/v1/tickets/" + number + "/attachments").body, list);
    ASSERT_EQ(list.attachments_size(), 1);
    auto download =
        admin_->call("GET", "/api/v1/tickets/" + number + "/attachments/" + std::to_string(list.attachments(0).id()));
    ASSERT_EQ(download.status, 200u);
    EXPECT_EQ(download.body, png);
    EXPECT_EQ(download.content_type, "image/png");
    EXPECT_EQ(download.header("Content-Disposition"), "attachment; filename=\"screen.png\"");
    EXPECT_EQ(admin_->call("GET", "/api/v1/tickets/" + number + "/attachments/999").status, 404u);

    // A revoked machine's credential stops working for HTTPS too.
    ASSERT_EQ(admin_->call("POST", "/api/v1/agents/" + mine.device_id() + "/revoke").status, 200u);
    EXPECT_EQ(device_client.request("POST", target, png, credential, as_png).status, 401u);
}

}  // namespace
}  // namespace lifeline::testing
