// Agent enrollment through the real relay: enrollment tokens from the CLI, the enroll endpoint,
// and the device inventory API.
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

namespace lifeline::testing {
namespace {

struct CreatedToken {
    std::string token;
    std::string fingerprint;
};

CreatedToken create_token(const RelayProcess& relay, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"enroll-token", "create", "--data", relay.data_dir(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto created = run_relay_command(args);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    std::smatch m;
    std::regex shape(R"json(\{"token":"([A-Za-z0-9_-]{43})","caFingerprint":"(sha256:[0-9a-f]{64})")json");
    if (!std::regex_search(created.out, m, shape)) {
        ADD_FAILURE() << "unexpected enroll-token output: " << created.out;
        return {};
    }
    return {m[1], m[2]};
}

net::HttpResponse enroll(const RelayProcess& relay, const std::string& token, const std::string& machine_id,
                         const std::string& hostname = "pc-1") {
    v1::EnrollRequest request;
    request.set_token(token);
    request.set_hostname(hostname);
    request.set_machine_id(machine_id);
    auto client = relay.client();
    return client.request("POST", "/api/v1/agents/enroll", to_json(request));
}

class RelayEnrollmentTest : public ::testing::Test {
protected:
    void SetUp() override { relay_.start(); }
    RelayProcess relay_;
};

TEST_F(RelayEnrollmentTest, a_token_enrolls_a_machine_that_technicians_then_see) {
    auto token = create_token(relay_, {"--group", "finance"});
    EXPECT_NE(relay_.init_output().find(token.fingerprint), std::string::npos) << "the fingerprint is not the CA's";
    auto response = enroll(relay_, token.token, "0123456789abcdef0123456789abcdef", "finance-pc-7");
    ASSERT_EQ(response.status, 201u) << response.body;
    v1::EnrollResponse enrolled;
    from_json(response.body, enrolled);
    EXPECT_EQ(enrolled.device_secret().size(), 43u);
    EXPECT_EQ(relay_.log().find(enrolled.device_secret()), std::string::npos) << "a device secret reached the log";

    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    v1::DeviceList list;
    from_json(admin.call("GET", "/api/v1/agents").body, list);
    ASSERT_EQ(list.devices_size(), 1);
    EXPECT_EQ(list.devices(0).id(), enrolled.device_id());
    EXPECT_EQ(list.devices(0).hostname(), "finance-pc-7");
    EXPECT_EQ(list.devices(0).group(), "finance");
    EXPECT_FALSE(list.devices(0).revoked());
    auto one = admin.call("GET", "/api/v1/agents/" + enrolled.device_id());
    ASSERT_EQ(one.status, 200u);
    EXPECT_EQ(admin.call("GET", "/api/v1/agents/d-nope").status, 404u);
}

TEST_F(RelayEnrollmentTest, used_up_expired_revoked_and_unknown_tokens_are_refused_clearly) {
    auto single = create_token(relay_);
    ASSERT_EQ(enroll(relay_, single.token, "m1").status, 201u);
    auto used = enroll(relay_, single.token, "m2");
    EXPECT_EQ(used.status, 401u);
    EXPECT_NE(used.body.find("used up"), std::string::npos) << used.body;

    auto short_lived = create_token(relay_, {"--expires", "1s"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    auto expired = enroll(relay_, short_lived.token, "m3");
    EXPECT_EQ(expired.status, 401u);
    EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;

    auto revoked_token = create_token(relay_, {"--uses", "5"});
    auto list = run_relay_command({"enroll-token", "list", "--data", relay_.data_dir()});
    EXPECT_NE(list.out.find("3\tvalid\t0/5 uses"), std::string::npos) << list.out;
    ASSERT_EQ(run_relay_command({"enroll-token", "revoke", "--data", relay_.data_dir(), "--id", "3"}).exit_code, 0);
    auto revoked = enroll(relay_, revoked_token.token, "m4");
    EXPECT_EQ(revoked.status, 401u);
    EXPECT_NE(revoked.body.find("revoked"), std::string::npos) << revoked.body;

    auto unknown = enroll(relay_, std::string(43, 'A'), "m5");
    EXPECT_EQ(unknown.status, 401u);
    EXPECT_EQ(error_code(unknown), "unauthenticated");
    EXPECT_EQ(run_relay_command({"enroll-token", "create", "--data", relay_.data_dir(), "--expires", "soon"}).exit_code,
              2);
}

TEST_F(RelayEnrollmentTest, fifty_machines_racing_for_a_single_use_token_make_exactly_one_device) {
    auto token = create_token(relay_);
    std::atomic<int> created{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 50; ++i) {
        threads.emplace_back([&, i] {
            auto response = enroll(relay_, token.token, "racer-" + std::to_string(i));
            if (response.status == 201)
                ++created;
            else if (response.status == 401)
                ++refused;
            else
                ++other;
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(created.load(), 1);
    EXPECT_EQ(refused.load(), 49);
    EXPECT_EQ(other.load(), 0);
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    v1::DeviceList list;
    from_json(admin.call("GET", "/api/v1/agents").body, list);
    EXPECT_EQ(list.devices_size(), 1);
}

TEST_F(RelayEnrollmentTest, re_enrolling_a_machine_keeps_its_id_and_replaces_its_credential) {
    auto first = create_token(relay_);
    auto second = create_token(relay_);
    v1::EnrollResponse a, b;
    from_json(enroll(relay_, first.token, "same-machine").body, a);
    from_json(enroll(relay_, second.token, "same-machine", "renamed-pc").body, b);
    EXPECT_EQ(a.device_id(), b.device_id());
    EXPECT_NE(a.device_secret(), b.device_secret());
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    v1::Device device;
    from_json(admin.call("GET", "/api/v1/agents/" + a.device_id()).body, device);
    EXPECT_EQ(device.hostname(), "renamed-pc");
}

TEST_F(RelayEnrollmentTest, only_leads_and_admins_revoke_devices_and_bad_requests_are_400) {
    auto token = create_token(relay_);
    v1::EnrollResponse enrolled;
    from_json(enroll(relay_, token.token, "to-revoke").body, enrolled);
    ApiClient admin(relay_.client());
    admin.login("admin", relay_.admin_password());
    ASSERT_EQ(
        admin.call("POST", "/api/v1/users", R"({"username":"tina","role":"TECHNICIAN","password":"tech-password-1"})")
            .status,
        201u);
    ApiClient tech(relay_.client());
    tech.login("tina", "tech-password-1");
    EXPECT_EQ(tech.call("POST", "/api/v1/agents/" + enrolled.device_id() + "/revoke").status, 403u);
    auto revoked = admin.call("POST", "/api/v1/agents/" + enrolled.device_id() + "/revoke");
    ASSERT_EQ(revoked.status, 200u) << revoked.body;
    v1::Device device;
    from_json(revoked.body, device);
    EXPECT_TRUE(device.revoked());

    auto client = relay_.client();
    EXPECT_EQ(client.request("POST", "/api/v1/agents/enroll", R"({"token":"x","machineId":"m"})").status, 400u);
    EXPECT_EQ(
        client.request("POST", "/api/v1/agents/enroll", R"({"token":"x","hostname":"h\u0000","machineId":"m"})").status,
        400u);
    EXPECT_EQ(client.request("GET", "/api/v1/agents").status, 401u);
}

}  // namespace
}  // namespace lifeline::testing
