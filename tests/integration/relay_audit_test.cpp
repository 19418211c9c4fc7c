// The audit log through the real relay: what is recorded, who may read it, filters, paging and
// exports, and `lifeline-relay audit verify` against a database file tampered with directly.
#include "relay/store/sqlite/connection.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace lifeline::testing {
namespace {

using relay::store::sqlite::Connection;

constexpr const char* kPassword = "audit-password-1";

class RelayAuditTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        admin_.emplace(relay_.client());
        admin_->login("admin", relay_.admin_password());
        admin_->create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin_->create_user("lena", v1::LEAD, kPassword, 0);
    }

    v1::AuditPage audit(ApiClient& who, const std::string& query) {
        auto response = who.call("GET", "/api/v1/audit" + query);
        EXPECT_EQ(response.status, 200u) << response.body;
        v1::AuditPage page;
        from_json(response.body, page);
        return page;
    }

    std::set<std::string> actions(const v1::AuditPage& page) {
        std::set<std::string> out;
        for (const auto& e : page.entries())
            out.insert(e.action());
        return out;
    }

    CommandResult verify() { return run_relay_command({"audit", "verify", "--data", relay_.data_dir()}); }

    // Runs SQL on the relay's database file directly, as someone with access to the disk could.
    void tamper(const std::string& sql) {
        Connection c(relay_.data_dir() + "/lifeline.db", Connection::Mode::read_write);
        c.exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;");
        c.exec(sql);
    }

    RelayProcess relay_;
    std::optional<ApiClient> admin_;
};

TEST_F(RelayAuditTest, security_events_are_recorded_with_who_and_from_where) {
    ApiClient tina(relay_.client());
    EXPECT_EQ(tina.call("POST", "/api/v1/auth/login", R"({"username":"tina","password":"wrong"})").status, 401u);
    tina.login("tina", kPassword);
    auto ticket = tina.create_ticket("VPN drops every hour");
    ASSERT_EQ(tina.call("POST", "/api/v1/tickets/" + ticket.number() + "/claim").status, 200u);
    ASSERT_EQ(admin_->call("PATCH", "/api/v1/users/tina", R"({"tier":2})").status, 200u);
    auto device = enroll_device(relay_, "m-audit");
    ASSERT_EQ(admin_->call("POST", "/api/v1/agents/" + device.device_id() + "/revoke").status, 200u);

    ApiClient lena(relay_.client());
    lena.login("lena", kPassword);
    const auto all = audit(lena, "?limit=1000");
    const auto seen = actions(all);
    for (const char* expected : {"user.created", "auth.login", "auth.login_failed", "ticket.created", "ticket.assignee",
                                 "user.updated", "enroll_token.created", "device.enrolled", "device.revoked"}) {
        EXPECT_TRUE(seen.contains(expected)) << expected << " is missing from the audit log";
    }
    // Newest first, gap-free, each row chained to the one before it.
    ASSERT_GE(all.entries_size(), 10);
    for (int i = 1; i < all.entries_size(); ++i) {
        EXPECT_EQ(all.entries(i).seq() + 1, all.entries(i - 1).seq());
        EXPECT_EQ(all.entries(i - 1).prev_hash(), all.entries(i).hash());
    }

    const auto failed = audit(lena, "?action=auth.login_failed");
    ASSERT_EQ(failed.entries_size(), 1);
    EXPECT_EQ(failed.entries(0).actor(), "user:tina");
    EXPECT_EQ(failed.entries(0).details().fields().at("reason").string_value(), "wrong password");
    EXPECT_EQ(failed.entries(0).details().fields().at("address").string_value(), "127.0.0.1");
    EXPECT_EQ(all.DebugString().find(kPassword), std::string::npos) << "a password reached the audit log";

    const auto enrolled = audit(lena, "?device=" + device.device_id());
    EXPECT_EQ(actions(enrolled), (std::set<std::string>{"device.enrolled", "device.revoked"}));
    EXPECT_EQ(audit(lena, "?device=" + device.device_id() + "&action=device.revoked").entries(0).actor(), "user:admin");
    const auto on_ticket = audit(lena, "?ticket=" + ticket.number());
    EXPECT_EQ(actions(on_ticket), (std::set<std::string>{"ticket.created", "ticket.assignee", "ticket.status"}));
    EXPECT_EQ(actions(audit(lena, "?action=ticket.&actor=user:tina")),
              (std::set<std::string>{"ticket.created", "ticket.assignee", "ticket.status"}));
    EXPECT_EQ(audit(lena, "?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z").entries_size(), 0);
}

TEST_F(RelayAuditTest, pages_and_exports_cover_every_row_once) {
    for (int i = 0; i < 12; ++i)
        admin_->create_ticket("ticket " + std::to_string(i));
    const auto all = audit(*admin_, "?limit=1000");
    std::set<std::int64_t> paged;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
        const auto page = audit(*admin_, "?limit=5" + (cursor.empty() ? "" : "&cursor=" + cursor));
        for (const auto& e : page.entries())
            EXPECT_TRUE(paged.insert(e.seq()).second) << "row " << e.seq() << " on two pages";
        cursor = page.next_cursor();
        if (cursor.empty()) break;
    }
    EXPECT_EQ(static_cast<int>(paged.size()), all.entries_size());

    auto jsonl = admin_->call("GET", "/api/v1/audit?format=jsonl");
    ASSERT_EQ(jsonl.status, 200u);
    EXPECT_EQ(jsonl.content_type, "application/x-ndjson");
    EXPECT_EQ(static_cast<int>(std::count(jsonl.body.begin(), jsonl.body.end(), '\n')), all.entries_size());
    auto csv = admin_->call("GET", "/api/v1/audit?format=csv&action=ticket.created&limit=5");
    ASSERT_EQ(csv.status, 200u);
    EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
    EXPECT_EQ(csv.body.rfind("seq,at,actor,action,ticket,session,device,details,prev_hash,hash\r\n", 0), 0u);
    EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 6);
    EXPECT_FALSE(csv.header("X-Next-Cursor").empty());

    for (const char* bad :
         {"?limit=0", "?limit=5000", "?from=yesterday", "?format=xml", "?cursor=abc", "?colour=red"}) {
        auto response = admin_->call("GET", std::string("/api/v1/audit") + bad);
        EXPECT_EQ(response.status, 400u) << bad;
        EXPECT_EQ(error_code(response), "invalid_argument") << bad;
    }
}

TEST_F(RelayAuditTest, only_leads_and_admins_read_it) {
    ApiClient tina(relay_.client());
    tina.login("tina", kPassword);
    EXPECT_EQ(tina.call("GET", "/api/v1/audit").status, 403u);
    EXPECT_EQ(tina.call("GET", "/api/v1/audit/verify").status, 403u);
    ApiClient anonymous(relay_.client());
    EXPECT_EQ(anonymous.call("GET", "/api/v1/audit").status, 401u);
    auto device = enroll_device(relay_, "m-reader");
    ApiClient agent(relay_.client());
    agent.set_token(device.device_id() + "." + device.device_secret());
    EXPECT_EQ(agent.call("GET", "/api/v1/audit").status, 403u);
    EXPECT_EQ(agent.call("GET", "/api/v1/audit/verify").status, 403u);
}

TEST_F(RelayAuditTest, the_relay_cannot_be_made_to_rewrite_it) {
    Connection c(relay_.data_dir() + "/lifeline.db", Connection::Mode::read_write);
    EXPECT_THROW(c.exec("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 1"), std::exception);
    EXPECT_THROW(c.exec("DELETE FROM audit_log WHERE seq = 1"), std::exception);
}

TEST_F(RelayAuditTest, verify_names_the_first_edited_deleted_or_reordered_row) {
    for (int i = 0; i < 8; ++i)
        admin_->create_ticket("ticket " + std::to_string(i));
    auto intact = verify();
    EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
    EXPECT_NE(intact.out.find("audit log intact"), std::string::npos) << intact.out;
    auto head = run_relay_command({"audit", "head", "--data", relay_.data_dir(), "--json"});
    ASSERT_EQ(head.exit_code, 0) << head.err;
    ApiClient lena(relay_.client());
    lena.login("lena", kPassword);
    auto over_api = lena.call("GET", "/api/v1/audit/verify");
    EXPECT_NE(over_api.body.find(R"("intact":true)"), std::string::npos) << over_api.body;
    ASSERT_EQ(relay_.stop(), 0);

    const std::string pristine = relay_.data_dir() + "/pristine.db";
    std::filesystem::copy_file(relay_.data_dir() + "/lifeline.db", pristine);
    const auto restore = [&] {
        std::filesystem::copy_file(pristine, relay_.data_dir() + "/lifeline.db",
                                   std::filesystem::copy_options::overwrite_existing);
    };
    const auto expect_broken_at = [&](const std::string& sql, int row) {
        restore();
        tamper(sql);
        auto result = verify();
        EXPECT_EQ(result.exit_code, 1) << sql << "\n" << result.out;
        EXPECT_NE(result.out.find("BROKEN at row " + std::to_string(row) + ":"), std::string::npos) << sql << "\n"
                                                                                                    << result.out;
    };
    expect_broken_at("UPDATE audit_log SET details = '{\"from\":\"\",\"to\":\"closed\",\"note\":\"\"}' WHERE seq = 7",
                     7);
    expect_broken_at("DELETE FROM audit_log WHERE seq = 5", 5);
    expect_broken_at(
        "UPDATE audit_log SET seq = -1 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5; "
        "UPDATE audit_log SET seq = 5 WHERE seq = -1",
        4);
    restore();
    EXPECT_EQ(verify().exit_code, 0);
}

}  // namespace
}  // namespace lifeline::testing
