// The tray's side of the real agent daemon against the real relay: the Watch stream's pushed status
// (on connect, on a session request, on a ticket change, offline) and ticket updates; a ticket's public
// replies, the user's reply and rating, Get help's categories (also from disk while offline),
// suggestions and "this solved it", all over the local socket.
#include "agent/local/local_client.hpp"
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"

#include "knowledge.pb.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <regex>

namespace lifeline::testing {
namespace {

constexpr const char* kPassword = "tray-requests-1";

class AgentTrayRequestsTest : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        ApiClient admin(relay_.client());
        admin.login("admin", relay_.admin_password());
        admin.create_user("tina", v1::TECHNICIAN, kPassword, 1);
        admin.create_user("lena", v1::LEAD, kPassword, 0);
        tina_.emplace(relay_.client());
        tina_->login("tina", kPassword);
        lena_.emplace(relay_.client());
        lena_->login("lena", kPassword);
        ASSERT_EQ(agent_.enroll(relay_, "tray-requests").exit_code, 0);
        agent_.start();
        agent_.wait_connected(true);
    }

    v1::LocalResponse call(const v1::LocalRequest& request) {
        auto client = agent::LocalClient::connect(agent_.socket_path());
        EXPECT_TRUE(client) << client.error().message;
        auto response = client->call(request, std::chrono::seconds(30));
        EXPECT_TRUE(response) << response.error().message;
        return response ? *response : v1::LocalResponse{};
    }

    // Opens a Watch connection.
    agent::LocalClient watch() {
        auto client = agent::LocalClient::connect(agent_.socket_path());
        EXPECT_TRUE(client) << client.error().message;
        v1::LocalRequest request;
        request.mutable_watch();
        EXPECT_TRUE(client->send(request, std::chrono::seconds(5)));
        return std::move(*client);
    }

    // The next event `wanted` accepts, skipping others; fails after 100 events or 20 s.
    static v1::LocalEvent next_event(agent::LocalClient& watcher,
                                     const std::function<bool(const v1::LocalEvent&)>& wanted) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (int i = 0; i < 100 && std::chrono::steady_clock::now() < deadline; ++i) {
            auto frame = watcher.receive(std::chrono::seconds(20));
            if (!frame || !*frame) break;
            if ((*frame)->has_event() && wanted((*frame)->event())) return (*frame)->event();
        }
        ADD_FAILURE() << "the wanted event did not come";
        return {};
    }

    static bool lists(const v1::LocalEvent& e, const std::string& number, v1::Ticket::Status status) {
        if (!e.has_status()) return false;
        for (const auto& t : e.status().tickets())
            if (t.number() == number && t.status() == status) return true;
        return false;
    }

    void set_status(const std::string& number, const std::string& status) {
        auto response =
            tina_->call("POST", "/api/v1/tickets/" + number + "/status", R"({"status":")" + status + R"("})");
        ASSERT_EQ(response.status, 200u) << response.body;
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_, lena_;
    AgentProcess agent_;
};

TEST_F(AgentTrayRequestsTest, the_status_and_ticket_changes_are_pushed_and_the_helpdesk_requests_answered) {
    auto watcher = watch();
    auto first = next_event(watcher, [](const auto&) { return true; });
    ASSERT_TRUE(first.has_status()) << "a watcher hears the status first: " << first.DebugString();
    EXPECT_TRUE(first.status().connected());

    auto help = agent_.command({"help", "--subject", "Printer shows offline"});
    ASSERT_EQ(help.exit_code, 0) << help.err << agent_.log();
    std::smatch found;
    ASSERT_TRUE(std::regex_search(help.out, found, std::regex("LL-\\d{6}"))) << help.out;
    const std::string number = found.str();
    next_event(watcher, [&](const auto& e) { return lists(e, number, v1::Ticket::NEW); });

    // The technician takes it and answers: each is pushed as an update, then the status with it.
    ASSERT_EQ(tina_->call("POST", "/api/v1/tickets/" + number + "/claim").status, 200u);
    auto update = next_event(watcher, [](const auto& e) { return e.has_ticket_update(); });
    EXPECT_EQ(update.ticket_update().number(), number);
    EXPECT_EQ(update.ticket_update().status(), v1::Ticket::OPEN);
    next_event(watcher, [&](const auto& e) { return lists(e, number, v1::Ticket::OPEN); });
    ASSERT_EQ(tina_->call("POST", "/api/v1/tickets/" + number + "/comments", R"({"body":"Is it switched on?"})").status,
              201u);
    update = next_event(watcher, [](const auto& e) { return e.has_ticket_update(); });
    EXPECT_EQ(update.ticket_update().number(), number);

    v1::LocalRequest ask;
    ask.mutable_ticket_detail()->set_number(number);
    auto detail = call(ask);
    ASSERT_TRUE(detail.has_ticket_detail()) << detail.DebugString();
    ASSERT_EQ(detail.ticket_detail().replies_size(), 1);
    EXPECT_EQ(detail.ticket_detail().replies(0).body(), "Is it switched on?");

    v1::LocalRequest answer;
    answer.mutable_reply()->set_number(number);
    answer.mutable_reply()->set_body("Yes, the light is green.");
    auto replied = call(answer);
    ASSERT_TRUE(replied.has_done()) << replied.DebugString();
    v1::Ticket ticket;
    from_json(tina_->call("GET", "/api/v1/tickets/" + number).body, ticket);
    v1::CommentList comments;
    from_json(tina_->call("GET", "/api/v1/tickets/" + number + "/comments").body, comments);
    ASSERT_EQ(comments.comments_size(), 2);
    EXPECT_EQ(comments.comments(1).body(), "Yes, the light is green.");
    EXPECT_EQ(comments.comments(1).author(),
              ticket.requester().name() + " (from " + ticket.requester().contact() + ")");

    // Rating: refused until solved, then stored, and My tickets shows it at once.
    v1::LocalRequest rating;
    rating.mutable_rate()->set_number(number);
    rating.mutable_rate()->set_rating(5);
    rating.mutable_rate()->set_comment("Thank you!");
    auto early = call(rating);
    ASSERT_TRUE(early.has_error());
    EXPECT_EQ(early.error().code(), "conflict");
    set_status(number, "RESOLVED");
    next_event(watcher, [&](const auto& e) { return lists(e, number, v1::Ticket::RESOLVED); });
    ASSERT_TRUE(call(rating).has_done());
    next_event(watcher, [&](const auto& e) {
        return e.has_status() && e.status().tickets_size() > 0 && e.status().tickets(0).satisfaction().rating() == 5;
    });
    from_json(tina_->call("GET", "/api/v1/tickets/" + number).body, ticket);
    EXPECT_EQ(ticket.satisfaction().rating(), 5);
    EXPECT_EQ(ticket.satisfaction().comment(), "Thank you!");

    // Get help: the relay's categories, kept on disk.
    v1::LocalRequest catalog;
    catalog.mutable_catalog();
    auto offered = call(catalog);
    ASSERT_TRUE(offered.has_catalog()) << offered.DebugString();
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(agent_.state_dir()) / "categories.pb"));

    // Suggestions for what the user types, and "this solved it" counted on the relay.
    v1::CreateKbArticleRequest write;
    write.set_title("Printer shows offline");
    write.set_body_markdown("Switch it off and on again.");
    v1::KbArticle article;
    from_json(tina_->call("POST", "/api/v1/kb/articles", write).body, article);
    ASSERT_EQ(lena_->call("POST", "/api/v1/kb/articles/" + std::to_string(article.id()) + "/publish").status, 200u);
    v1::LocalRequest suggest;
    suggest.mutable_kb_suggest()->set_subject("the printer is offline");
    auto hints = call(suggest);
    ASSERT_TRUE(hints.has_kb_suggestions()) << hints.DebugString();
    ASSERT_EQ(hints.kb_suggestions().articles_size(), 1);
    EXPECT_EQ(hints.kb_suggestions().articles(0).id(), article.id());
    v1::LocalRequestExtra helped;
    helped.mutable_kb_helped()->set_article_id(article.id());
    ASSERT_TRUE(call(agent::as_local_request(helped)).has_done());
    from_json(tina_->call("GET", "/api/v1/kb/articles/" + std::to_string(article.id())).body, article);
    EXPECT_EQ(article.helped(), 1);
    helped.mutable_kb_helped()->set_article_id(999999);
    EXPECT_EQ(call(agent::as_local_request(helped)).error().code(), "not_found");

    // A session request and its answer are pushed as they happen.
    set_status(number, "OPEN");
    auto asked = tina_->call("POST", "/api/v1/tickets/" + number + "/sessions", R"({"mode":"VIEW"})");
    ASSERT_EQ(asked.status, 201u) << asked.body;
    auto pending =
        next_event(watcher, [](const auto& e) { return e.has_status() && e.status().has_pending_request(); });
    EXPECT_EQ(pending.status().pending_request().ticket_number(), number);
    EXPECT_GT(pending.status().pending_seconds_left(), 0);
    v1::LocalRequest deny;
    deny.mutable_consent()->set_allow(false);
    ASSERT_TRUE(call(deny).has_done());
    next_event(watcher, [](const auto& e) { return e.has_status() && !e.status().has_pending_request(); });

    // Offline: the status says so at once; categories come from disk, suggestions do not come at all.
    relay_.kill();
    next_event(watcher, [](const auto& e) { return e.has_status() && !e.status().connected(); });
    auto kept = call(catalog);
    ASSERT_TRUE(kept.has_catalog()) << kept.DebugString();
    EXPECT_EQ(kept.catalog().categories_size(), offered.catalog().categories_size());
    EXPECT_EQ(call(suggest).error().code(), "unavailable");
    EXPECT_EQ(call(answer).error().code(), "unavailable");
}

}  // namespace
}  // namespace lifeline::testing
