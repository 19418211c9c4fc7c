// The knowledge base through the real relay: who may write, publish and read what; full-text search
// and suggestions with their ranking; hostile queries; counters; and "solved by" links in the ticket's
// history, the audit log and the viewers' event streams.
#include "tests/support/agent_process.hpp"
#include "tests/support/api_client.hpp"
#include "tests/support/relay_process.hpp"
#include "tests/support/ws_test_client.hpp"

#include "knowledge.pb.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <optional>

namespace lifeline::testing {
namespace {

constexpr const char* kPassword = "kb-password-1";

std::string url_encoded(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

class RelayKbTest : public ::testing::Test {
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
        auto device = enroll_device(relay_, "kb-machine");
        machine_.emplace(relay_.client());
        machine_->set_token(device.device_id() + "." + device.device_secret());
    }

    // Drafted by tina; published by lena unless asked not to.
    v1::KbArticle article(const std::string& title, const std::string& body, std::vector<std::string> tags = {},
                          bool publish = true, const std::string& category = "howto") {
        v1::CreateKbArticleRequest request;
        request.set_title(title);
        request.set_body_markdown(body);
        request.set_category(category);
        for (auto& tag : tags)
            request.add_tags(tag);
        auto created = tina_->call("POST", "/api/v1/kb/articles", request);
        EXPECT_EQ(created.status, 201u) << created.body;
        v1::KbArticle stored;
        from_json(created.body, stored);
        if (publish) {
            auto published = lena_->call("POST", "/api/v1/kb/articles/" + std::to_string(stored.id()) + "/publish");
            EXPECT_EQ(published.status, 200u) << published.body;
            from_json(published.body, stored);
        }
        return stored;
    }

    static v1::KbSearchResult search(ApiClient& who, std::string_view q) {
        auto response = who.call("GET", "/api/v1/kb/search?q=" + url_encoded(q));
        EXPECT_EQ(response.status, 200u) << q << ": " << response.body;
        v1::KbSearchResult result;
        if (response.status == 200u) from_json(response.body, result);
        return result;
    }

    static std::vector<std::int64_t> ids(const v1::KbSearchResult& result) {
        std::vector<std::int64_t> out;
        for (const auto& hit : result.hits())
            out.push_back(hit.id());
        return out;
    }

    static std::string path(const v1::KbArticle& a, const std::string& suffix = {}) {
        return "/api/v1/kb/articles/" + std::to_string(a.id()) + suffix;
    }

    RelayProcess relay_;
    std::optional<ApiClient> tina_, lena_, machine_;
};

TEST_F(RelayKbTest, technicians_draft_and_leads_publish_and_edit_what_is_published) {
    auto draft = article("Reset your password", "Go to **Settings > Account**.", {"Password", "account"}, false);
    EXPECT_EQ(draft.state(), v1::KbArticle::DRAFT);
    EXPECT_EQ(draft.author(), "tina");
    EXPECT_EQ(draft.revision(), 1);
    EXPECT_EQ(std::vector<std::string>(draft.tags().begin(), draft.tags().end()),
              (std::vector<std::string>{"password", "account"}));

    // The author edits the draft; tags come as a JSON array and replace the old ones.
    auto edited = tina_->call("PATCH", path(draft), R"({"bodyMarkdown":"Open the self-service page.","tags":["sso"],
                                                        "expectedRevision":1})");
    ASSERT_EQ(edited.status, 200u) << edited.body;
    v1::KbArticle after;
    from_json(edited.body, after);
    EXPECT_EQ(after.revision(), 2);
    EXPECT_EQ(after.body_markdown(), "Open the self-service page.");
    ASSERT_EQ(after.tags_size(), 1);
    EXPECT_EQ(after.tags(0), "sso");
    auto stale = tina_->call("PATCH", path(draft), R"({"title":"Old view","expectedRevision":1})");
    EXPECT_EQ(stale.status, 409u) << stale.body;
    auto untagged = tina_->call("PATCH", path(draft), R"({"tags":[]})");
    ASSERT_EQ(untagged.status, 200u) << untagged.body;
    from_json(untagged.body, after);
    EXPECT_EQ(after.tags_size(), 0);
    EXPECT_EQ(after.revision(), 3);

    // Publishing is a lead's step.
    EXPECT_EQ(tina_->call("POST", path(draft, "/publish")).status, 403u);
    EXPECT_EQ(machine_->call("POST", path(draft, "/publish")).status, 403u);
    auto published = lena_->call("POST", path(draft, "/publish"));
    ASSERT_EQ(published.status, 200u) << published.body;
    from_json(published.body, after);
    EXPECT_EQ(after.state(), v1::KbArticle::PUBLISHED);
    EXPECT_TRUE(after.has_published_at());
    EXPECT_EQ(lena_->call("POST", path(draft, "/publish")).status, 409u);

    // Once published, what users read changes only through a lead.
    auto by_tech = tina_->call("PATCH", path(draft), R"({"title":"Reset it"})");
    EXPECT_EQ(by_tech.status, 403u) << by_tech.body;
    auto by_lead = lena_->call("PATCH", path(draft), R"({"title":"Reset a forgotten password"})");
    ASSERT_EQ(by_lead.status, 200u) << by_lead.body;
    from_json(by_lead.body, after);
    EXPECT_EQ(after.updated_by(), "lena");

    EXPECT_EQ(lena_->call("POST", path(draft, "/unpublish")).status, 200u);
    EXPECT_EQ(lena_->call("POST", path(draft, "/unpublish")).status, 409u);

    // Machines never write.
    EXPECT_EQ(machine_->call("POST", "/api/v1/kb/articles", R"({"title":"x"})").status, 403u);
    EXPECT_EQ(machine_->call("PATCH", path(draft), R"({"title":"x"})").status, 403u);
    ApiClient anonymous(relay_.client());
    EXPECT_EQ(anonymous.call("GET", "/api/v1/kb/search?q=password").status, 401u);

    // Every step is in the audit log under its actor.
    v1::AuditPage audit;
    from_json(lena_->call("GET", "/api/v1/audit?action=kb.").body, audit);
    std::vector<std::string> actions;
    for (const auto& e : audit.entries())
        actions.push_back(e.action() + " " + e.actor());
    EXPECT_EQ(actions, (std::vector<std::string>{"kb.article_unpublished user:lena", "kb.article_updated user:lena",
                                                 "kb.article_published user:lena", "kb.article_updated user:tina",
                                                 "kb.article_updated user:tina", "kb.article_created user:tina"}));
}

TEST_F(RelayKbTest, bad_articles_get_clear_400s_and_unknown_ids_404) {
    struct Case {
        const char* body;
        const char* why;
    };
    const std::string long_title(201, 't');
    const std::string long_body((64 << 10) + 1, 'b');
    std::vector<std::string> bodies = {
        R"({"title":""})",
        R"({"title":"   "})",
        R"({"title":")" + long_title + R"("})",
        R"({"title":"ok","bodyMarkdown":")" + long_body + R"("})",
        R"({"title":"two\nlines"})",
        R"({"title":"ok","tags":["paper jam"]})",
        R"({"title":"ok","tags":[")" + std::string(33, 'x') + R"("]})",
        R"({"title":"ok","tags":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17"]})",
        R"({"title":"ok","state":"PUBLISHED"})",
        R"({"title":"ok","category":")" + std::string(65, 'c') + R"("})",
        R"(not json)",
    };
    for (const auto& body : bodies) {
        auto response = tina_->call("POST", "/api/v1/kb/articles", body);
        EXPECT_EQ(response.status, 400u) << body.substr(0, 80) << ": " << response.body;
        EXPECT_EQ(error_code(response), "invalid_argument") << body.substr(0, 80);
    }
    auto a = article("Fine", "Body");
    EXPECT_EQ(lena_->call("PATCH", path(a), R"({"tags":[1,2]})").status, 400u);
    EXPECT_EQ(lena_->call("PATCH", path(a), R"({"title":""})").status, 400u);
    // Exactly at the limits is fine.
    auto at_limit = tina_->call(
        "POST", "/api/v1/kb/articles",
        R"({"title":")" + std::string(200, 't') + R"(","bodyMarkdown":")" + std::string(64 << 10, 'b') + R"("})");
    EXPECT_EQ(at_limit.status, 201u) << at_limit.body.substr(0, 200);

    for (const char* unknown : {"/api/v1/kb/articles/999", "/api/v1/kb/articles/abc", "/api/v1/kb/articles/-1"}) {
        auto response = tina_->call("GET", unknown);
        EXPECT_EQ(response.status, 404u) << unknown;
        EXPECT_EQ(error_code(response), "not_found") << unknown;
    }
    EXPECT_EQ(lena_->call("POST", "/api/v1/kb/articles/999/publish").status, 404u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/articles?state=archived").status, 400u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/articles?limit=0").status, 400u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/articles?colour=red").status, 400u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/articles?cursor=abc").status, 400u);
}

TEST_F(RelayKbTest, search_ranks_the_relevant_article_first_and_finds_title_and_body_words) {
    auto vpn = article("Connect to the office VPN", "Start the VPN client before you open the printer queue.");
    auto printer = article("Printer does not print", "Check the paper tray and the cable. Restart the print spooler.",
                           {"printer", "hardware"}, true, "printing");
    auto mail = article("Outlook asks for the password again", "Remove the saved credentials in the control panel.");

    auto hits = search(*tina_, "printer");
    ASSERT_GE(hits.hits_size(), 2) << hits.DebugString();
    EXPECT_EQ(hits.hits(0).id(), printer.id()) << "title and tag beat a mention in the body";
    EXPECT_EQ(hits.hits(1).id(), vpn.id());
    EXPECT_GT(hits.hits(0).score(), hits.hits(1).score());
    EXPECT_EQ(hits.hits(0).title(), "Printer does not print");
    EXPECT_EQ(hits.hits(0).category(), "printing");

    // A word only in the body; the snippet shows it marked.
    hits = search(*tina_, "credentials");
    ASSERT_EQ(ids(hits), (std::vector<std::int64_t>{mail.id()}));
    EXPECT_NE(hits.hits(0).snippet().find("**credentials**"), std::string::npos) << hits.hits(0).snippet();
    // A word only in the title; stemming and type-ahead prefixes.
    EXPECT_EQ(ids(search(*tina_, "outlook")), (std::vector<std::int64_t>{mail.id()}));
    EXPECT_EQ(ids(search(*tina_, "spool")), (std::vector<std::int64_t>{printer.id()}));
    EXPECT_EQ(ids(search(*tina_, "Outl")), (std::vector<std::int64_t>{mail.id()}));
    // Every word must match.
    EXPECT_EQ(ids(search(*tina_, "paper cable")), (std::vector<std::int64_t>{printer.id()}));
    EXPECT_TRUE(search(*tina_, "paper outlook").hits().empty());
    // limit
    auto limited = tina_->call("GET", "/api/v1/kb/search?q=the&limit=1");
    ASSERT_EQ(limited.status, 200u) << limited.body;
    v1::KbSearchResult one;
    from_json(limited.body, one);
    EXPECT_EQ(one.hits_size(), 1);
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/search?q=the&limit=51").status, 400u);
}

TEST_F(RelayKbTest, drafts_are_hidden_from_machines_but_found_by_staff) {
    auto draft = article("Printer driver rollout", "Internal: the new driver is not ready yet.", {}, false);
    auto published = article("Printer is offline", "Turn it off and on again.");

    EXPECT_EQ(ids(search(*tina_, "printer")).size(), 2u);
    EXPECT_EQ(ids(search(*machine_, "printer")), (std::vector<std::int64_t>{published.id()}));
    EXPECT_TRUE(search(*machine_, "driver").hits().empty());

    EXPECT_EQ(machine_->call("GET", path(draft)).status, 404u);
    EXPECT_EQ(machine_->call("GET", path(published)).status, 200u);
    EXPECT_EQ(machine_->call("POST", path(draft, "/view")).status, 404u);
    EXPECT_EQ(tina_->call("GET", path(draft)).status, 200u);

    v1::KbArticlePage page;
    from_json(machine_->call("GET", "/api/v1/kb/articles?state=draft").body, page);
    ASSERT_EQ(page.articles_size(), 1);
    EXPECT_EQ(page.articles(0).id(), published.id());
    from_json(tina_->call("GET", "/api/v1/kb/articles?state=draft").body, page);
    ASSERT_EQ(page.articles_size(), 1);
    EXPECT_EQ(page.articles(0).id(), draft.id());
    from_json(tina_->call("GET", "/api/v1/kb/articles").body, page);
    EXPECT_EQ(page.articles_size(), 2);

    // Machines get no ticket links either.
    auto ticket = tina_->create_ticket("Printer offline");
    EXPECT_EQ(machine_->call("GET", "/api/v1/tickets/" + ticket.number() + "/kb-links").status, 403u);
}

TEST_F(RelayKbTest, hostile_queries_answer_400_or_nothing_and_the_relay_keeps_serving) {
    article("Printer NEAR the door", "Paper (A4) and \"labels\" - see the * notes.");
    const std::vector<std::string> hostile = {
        "\"",
        "\"\"\"",
        "*",
        "printer*",
        "NEAR(",
        "NEAR(printer door, 2)",
        "a OR",
        "OR",
        "AND NOT",
        "-printer",
        "(printer",
        "printer)",
        "title:x",
        "{title body}:x",
        "^printer",
        "printer + door",
        "'; DROP TABLE kb_articles; --",
        "😀",
        "打印机",
        "café \u00a0",
        "\xe2\x80\x8b",
        "%",
        "\\",
    };
    for (const auto& q : hostile) {
        auto response = machine_->call("GET", "/api/v1/kb/search?q=" + url_encoded(q));
        EXPECT_TRUE(response.status == 200u || response.status == 400u)
            << q << ": " << response.status << response.body;
        auto suggest = machine_->call("POST", "/api/v1/kb/suggest", R"({"subject":")" + q + R"(x"})");
        EXPECT_NE(suggest.status, 500u) << q << ": " << suggest.body;
    }
    // Too long, control characters, invalid UTF-8, missing: 400 with a reason.
    for (const std::string& q : {std::string(10 << 10, 'a'), std::string(201, 'a'), std::string("a\x01"),
                                 std::string("\xff\xfe"), std::string("  ")}) {
        auto response = tina_->call("GET", "/api/v1/kb/search?q=" + url_encoded(q));
        EXPECT_EQ(response.status, 400u) << q.substr(0, 20) << response.body;
        EXPECT_EQ(error_code(response), "invalid_argument");
    }
    EXPECT_EQ(tina_->call("GET", "/api/v1/kb/search").status, 400u);
    // The syntax words are still words to find.
    EXPECT_EQ(search(*machine_, "NEAR door").hits_size(), 1);
    EXPECT_EQ(search(*machine_, "printer").hits_size(), 1);
    EXPECT_EQ(tina_->call("GET", "/api/v1/tickets").status, 200u);
}

TEST_F(RelayKbTest, suggest_finds_the_printer_article_from_what_a_user_writes) {
    auto printer = article("Printer shows a paper jam", "The orange light blinks when paper is stuck. Open cover B.",
                           {"printer", "paper"}, true, "printing");
    article("Monitor stays black", "Check the cable and the input source.", {"display"});
    article("VPN disconnects", "Update the client; the light on the router should be green.", {"network"});
    article("Printer toner low (draft)", "Not ready.", {"printer"}, false);

    v1::KbSuggestRequest request;
    request.set_subject("printer won't print");
    request.set_description("paper jam light blinking since this morning, I tried turning it off and on");
    for (ApiClient* who : {&*machine_, &*tina_}) {
        auto response = who->call("POST", "/api/v1/kb/suggest", request);
        ASSERT_EQ(response.status, 200u) << response.body;
        v1::KbSearchResult result;
        from_json(response.body, result);
        ASSERT_GE(result.hits_size(), 1) << response.body;
        EXPECT_EQ(result.hits(0).id(), printer.id()) << response.body;
        for (const auto& hit : result.hits())
            EXPECT_EQ(hit.state(), v1::KbArticle::PUBLISHED) << "suggestions show what the user may read";
    }

    // Nothing meaningful to go on: no suggestions, not an error.
    auto filler = machine_->call("POST", "/api/v1/kb/suggest", R"({"subject":"help","description":"please help me"})");
    ASSERT_EQ(filler.status, 200u) << filler.body;
    v1::KbSearchResult none;
    from_json(filler.body, none);
    EXPECT_EQ(none.hits_size(), 0);

    EXPECT_EQ(machine_->call("POST", "/api/v1/kb/suggest", R"({})").status, 400u);
    EXPECT_EQ(machine_->call("POST", "/api/v1/kb/suggest", R"({"subject":")" + std::string(201, 's') + R"("})").status,
              400u);
    EXPECT_EQ(machine_->call("POST", "/api/v1/kb/suggest", R"({"subject":"printer","limit":21})").status, 400u);
}

TEST_F(RelayKbTest, views_and_helped_are_counted_for_published_articles) {
    auto a = article("Map a network drive", "Use \\\\server\\share.");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(machine_->call("POST", path(a, "/view")).status, 200u);
    auto helped = machine_->call("POST", path(a, "/helped"));
    ASSERT_EQ(helped.status, 200u) << helped.body;
    v1::KbCounters counters;
    from_json(helped.body, counters);
    EXPECT_EQ(counters.id(), a.id());
    EXPECT_EQ(counters.views(), 3);
    EXPECT_EQ(counters.helped(), 1);

    // Reading through GET counts nothing: an editor reloading is not a reader.
    v1::KbArticle read;
    from_json(tina_->call("GET", path(a)).body, read);
    EXPECT_EQ(read.views(), 3);
    EXPECT_EQ(read.helped(), 1);
    EXPECT_EQ(search(*tina_, "network drive").hits(0).views(), 3);

    auto draft = article("Draft", "Not yet.", {}, false);
    EXPECT_EQ(tina_->call("POST", path(draft, "/helped")).status, 409u);
    EXPECT_EQ(tina_->call("POST", "/api/v1/kb/articles/999/view").status, 404u);
}

TEST_F(RelayKbTest, solved_by_links_show_on_the_ticket_its_history_and_the_audit_log) {
    auto a = article("Printer shows a paper jam", "Open cover B.");
    auto ticket = tina_->create_ticket("Printer jammed again");
    const std::string links = "/api/v1/tickets/" + ticket.number() + "/kb-links";

    v1::KbLinkRequest request;
    request.set_article_id(a.id());
    auto linked = tina_->call("POST", links, request);
    ASSERT_EQ(linked.status, 201u) << linked.body;
    EXPECT_EQ(tina_->call("POST", links, request).status, 409u);

    v1::KbTicketLinkList list;
    from_json(lena_->call("GET", links).body, list);
    ASSERT_EQ(list.links_size(), 1);
    EXPECT_EQ(list.links(0).article_id(), a.id());
    EXPECT_EQ(list.links(0).title(), "Printer shows a paper jam");
    EXPECT_EQ(list.links(0).linked_by(), "tina");
    EXPECT_EQ(list.links(0).ticket_number(), ticket.number());

    v1::TicketHistory history;
    from_json(tina_->call("GET", "/api/v1/tickets/" + ticket.number() + "/history").body, history);
    ASSERT_GE(history.events_size(), 2);
    const auto& last = history.events(history.events_size() - 1);
    EXPECT_EQ(last.action(), "kb_linked");
    EXPECT_EQ(last.actor(), "tina");
    EXPECT_EQ(last.to(), std::to_string(a.id()));
    EXPECT_EQ(last.note(), "Printer shows a paper jam");

    v1::AuditPage audit;
    from_json(lena_->call("GET", "/api/v1/audit?action=ticket.kb_linked&ticket=" + ticket.number()).body, audit);
    ASSERT_EQ(audit.entries_size(), 1);
    EXPECT_EQ(audit.entries(0).actor(), "user:tina");
    EXPECT_EQ(audit.entries(0).details().fields().at("article").string_value(), std::to_string(a.id()));

    v1::KbArticle solved;
    from_json(tina_->call("GET", path(a)).body, solved);
    EXPECT_EQ(solved.solved_tickets(), 1);

    EXPECT_EQ(tina_->call("POST", "/api/v1/tickets/LL-999999/kb-links", request).status, 404u);
    EXPECT_EQ(tina_->call("GET", "/api/v1/tickets/LL-999999/kb-links").status, 404u);
    EXPECT_EQ(tina_->call("POST", links, R"({"articleId":999})").status, 404u);
    EXPECT_EQ(tina_->call("POST", links, R"({})").status, 400u);
    EXPECT_EQ(machine_->call("POST", links, request).status, 403u);
}

TEST_F(RelayKbTest, a_link_reaches_the_viewers_showing_the_ticket) {
    auto a = article("Printer shows a paper jam", "Open cover B.");
    auto ticket = tina_->create_ticket("Printer jammed");
    WsTestClient events(relay_.port(), relay_.ca_file());
    ASSERT_EQ(events.connect("/v1/events", "Bearer " + lena_->token()), 101u) << events.refusal_body();

    v1::KbLinkRequest request;
    request.set_article_id(a.id());
    ASSERT_EQ(tina_->call("POST", "/api/v1/tickets/" + ticket.number() + "/kb-links", request).status, 201u);
    // The stream opened after the ticket was created: its first event for the ticket is the link's.
    for (int i = 0; i < 20; ++i) {
        v1::StaffEvent event;
        ASSERT_TRUE(event.ParseFromString(events.receive()));
        if (!event.has_ticket() || event.ticket().number() != ticket.number()) continue;
        EXPECT_GE(google::protobuf::util::TimeUtil::TimestampToMilliseconds(event.ticket().updated_at()),
                  google::protobuf::util::TimeUtil::TimestampToMilliseconds(ticket.updated_at()));
        EXPECT_FALSE(event.ticket().has_system_info());
        return;
    }
    ADD_FAILURE() << "no event for " << ticket.number();
}

}  // namespace
}  // namespace lifeline::testing
