// /api/v1/kb: the knowledge base. Staff read every article and search drafts too; technicians write
// drafts; leads and admins publish and edit what is published; the users' machines read, search and
// get suggestions from published articles only (the tray's Get-help dialog). Also the "solved by"
// links at /api/v1/tickets/{number}/kb-links.
#include "relay/events/event_bus.hpp"
#include "relay/helpdesk/knowledge.hpp"
#include "relay/http/api.hpp"
#include "relay/store/kb_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr std::size_t kMaxTitle = 200;
constexpr std::size_t kMaxBody = 64 << 10;
constexpr std::size_t kMaxCategory = 64;
constexpr std::size_t kMaxQuery = 200;
constexpr std::size_t kMaxSuggestSubject = 200;           // as a ticket's
constexpr std::size_t kMaxSuggestDescription = 64 << 10;  // as a ticket's
constexpr std::size_t kMaxArticleRequest = 512 << 10;     // the 64 KiB body, JSON-escaped

// Machines see the published articles only: a draft does not exist for them.
bool published_only(const RequestContext& ctx) { return ctx.principal->role == v1::AGENT; }

// An article id from the path; anything else names no article.
std::int64_t article_id(const RequestContext& ctx) {
    const std::string& text = ctx.param("id");
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
        throw core::ErrorException(core::make_error(core::Errc::not_found, "no article " + text));
    }
    return id;
}

core::Result<int> limit_param(const RequestContext& ctx, int fallback, int most) {
    auto it = ctx.query_params.find("limit");
    if (it == ctx.query_params.end()) return fallback;
    const std::string& value = it->second;
    int limit = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
    if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > most) {
        return invalid("limit must be a number from 1 to " + std::to_string(most));
    }
    return limit;
}

core::Result<void> check_only_params(const RequestContext& ctx, std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : ctx.query_params) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            return invalid("unknown query parameter '" + key + "'");
        }
    }
    return {};
}

core::Result<void> check_title(const std::string& title) {
    if (title.find_first_not_of(" \t") == std::string::npos) return invalid("an article needs a title");
    return check_text("title", title, kMaxTitle, false);
}

core::Result<void> check_body(const std::string& body) { return check_text("bodyMarkdown", body, kMaxBody, true); }

core::Result<void> check_category(const std::string& category) {
    return check_text("category", category, kMaxCategory, false);
}

core::Result<std::vector<std::string>> tags_from_list(const google::protobuf::ListValue& list) {
    std::vector<std::string> tags;
    for (const auto& value : list.values()) {
        if (value.kind_case() != google::protobuf::Value::kStringValue) return invalid("tags must be strings");
        tags.push_back(value.string_value());
    }
    return helpdesk::normalize_kb_tags(tags);
}

core::Result<store::KbArticleQuery> list_query(const RequestContext& ctx) {
    if (auto ok = check_only_params(ctx, {"state", "category", "tag", "limit", "cursor"}); !ok) return ok.error();
    store::KbArticleQuery query;
    auto limit = limit_param(ctx, 50, 100);
    if (!limit) return limit.error();
    query.limit = *limit;
    for (const auto& [key, value] : ctx.query_params) {
        if (key == "state") {
            if (value == "draft")
                query.state = v1::KbArticle::DRAFT;
            else if (value == "published")
                query.state = v1::KbArticle::PUBLISHED;
            else
                return invalid("state must be draft or published");
        } else if (key == "category") {
            if (auto ok = check_category(value); !ok) return ok.error();
            query.category = value;
        } else if (key == "tag") {
            auto tag = helpdesk::normalize_kb_tags({value});
            if (!tag) return tag.error();
            query.tag = tag->front();
        } else if (key == "cursor") {
            query.cursor = value;
        }
    }
    if (published_only(ctx)) query.state = v1::KbArticle::PUBLISHED;
    return query;
}

v1::KbSearchResult result_of(std::vector<v1::KbSearchHit> hits) {
    v1::KbSearchResult result;
    for (auto& hit : hits)
        *result.add_hits() = std::move(hit);
    return result;
}

std::string editor_of(const RequestContext& ctx) { return ctx.principal->username; }

}  // namespace

void register_kb_routes(Router& router, ApiContext& api, store::KbStore& kb) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    const auto publishers = Access::roles_of({v1::ADMIN, v1::LEAD});
    const auto readers = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN, v1::AGENT});

    router.add(verb::get, "/api/v1/kb/articles", readers,
               [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto query = unwrap(list_query(ctx));
                   auto page = co_await api.call([&] { return kb.list_articles(query); });
                   co_return json_response(status::ok, page);
               });

    router.add(
        verb::post, "/api/v1/kb/articles", staff,
        [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::CreateKbArticleRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            unwrap(check_title(request.title()));
            unwrap(check_body(request.body_markdown()));
            unwrap(check_category(request.category()));
            const std::vector<std::string> tags(request.tags().begin(), request.tags().end());
            store::NewKbArticle article{request.title(), request.body_markdown(), request.category(),
                                        unwrap(helpdesk::normalize_kb_tags(tags)), editor_of(ctx)};
            auto actor = actor_of(ctx);
            auto created = co_await api.run([&] { return kb.create_article(article, api.clock.now(), actor); });
            spdlog::info("kb: {} drafted article {}", ctx.principal->username, created.id());
            auto response = json_response(status::created, created);
            response.set(beast_http::field::location, "/api/v1/kb/articles/" + std::to_string(created.id()));
            co_return response;
        },
        kMaxArticleRequest);

    router.add(verb::get, "/api/v1/kb/articles/{id}", readers,
               [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
                   const auto id = article_id(ctx);
                   const bool hide_drafts = published_only(ctx);
                   auto article = co_await api.call([&] { return kb.get_article(id, hide_drafts); });
                   co_return json_response(status::ok, article);
               });

    router.add(
        verb::patch, "/api/v1/kb/articles/{id}", staff,
        [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
            const auto id = article_id(ctx);
            v1::UpdateKbArticleRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            store::KbArticleChange change;
            if (request.has_title()) {
                unwrap(check_title(request.title()));
                change.title = request.title();
            }
            if (request.has_body_markdown()) {
                unwrap(check_body(request.body_markdown()));
                change.body_markdown = request.body_markdown();
            }
            if (request.has_category()) {
                unwrap(check_category(request.category()));
                change.category = request.category();
            }
            if (request.has_tags()) change.tags = unwrap(tags_from_list(request.tags()));
            if (request.has_expected_revision()) change.expected_revision = request.expected_revision();
            change.editor = editor_of(ctx);
            change.may_edit_published = is_lead(*ctx.principal);
            auto actor = actor_of(ctx);
            auto updated = co_await api.call([&] { return kb.update_article(id, change, api.clock.now(), actor); });
            co_return json_response(status::ok, updated);
        },
        kMaxArticleRequest);

    // Publishing is a lead's review step: what a user's machine shows is what a lead let out.
    struct StateRoute {
        const char* suffix;
        v1::KbArticle::State state;
    };
    for (const StateRoute& route :
         std::array<StateRoute, 2>{{{"/publish", v1::KbArticle::PUBLISHED}, {"/unpublish", v1::KbArticle::DRAFT}}}) {
        const auto state = route.state;
        router.add(verb::post, std::string("/api/v1/kb/articles/{id}") + route.suffix, publishers,
                   [&api, &kb, state](RequestContext& ctx) -> asio::awaitable<Response> {
                       const auto id = article_id(ctx);
                       auto actor = actor_of(ctx);
                       auto article =
                           co_await api.call([&] { return kb.set_state(id, state, api.clock.now(), actor); });
                       spdlog::info("kb: {} {} article {}", ctx.principal->username,
                                    state == v1::KbArticle::PUBLISHED ? "published" : "unpublished", id);
                       co_return json_response(status::ok, article);
                   });
    }

    // Views are counted when a reader opens the article (the tray, the viewer), not on every GET:
    // an editor reloading a draft is not a reader.
    struct CounterRoute {
        const char* suffix;
        store::KbCounter counter;
    };
    for (const CounterRoute& route :
         std::array<CounterRoute, 2>{{{"/view", store::KbCounter::view}, {"/helped", store::KbCounter::helped}}}) {
        const auto counter = route.counter;
        router.add(verb::post, std::string("/api/v1/kb/articles/{id}") + route.suffix, readers,
                   [&api, &kb, counter](RequestContext& ctx) -> asio::awaitable<Response> {
                       const auto id = article_id(ctx);
                       const bool hide_drafts = published_only(ctx);
                       auto counters = co_await api.call([&] { return kb.count(id, counter, hide_drafts); });
                       co_return json_response(status::ok, counters);
                   });
    }

    router.add(verb::get, "/api/v1/kb/search", readers, [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
        unwrap(check_only_params(ctx, {"q", "limit"}));
        auto q = ctx.query_params.find("q");
        if (q == ctx.query_params.end() || q->second.find_first_not_of(" \t") == std::string::npos) {
            co_return error_response(invalid("q is required: the words to search for"));
        }
        unwrap(check_text("q", q->second, kMaxQuery, false));
        store::KbSearchQuery query;
        query.terms = helpdesk::kb_search_terms(q->second);
        query.prefix = true;  // results while typing: "print" finds "printer"
        query.published_only = published_only(ctx);
        query.limit = unwrap(limit_param(ctx, 10, 50));
        auto hits = co_await api.call([&] { return kb.search(query); });
        co_return json_response(status::ok, result_of(std::move(hits)));
    });

    router.add(
        verb::post, "/api/v1/kb/suggest", readers,
        [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::KbSuggestRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            unwrap(check_text("subject", request.subject(), kMaxSuggestSubject, false));
            unwrap(check_text("description", request.description(), kMaxSuggestDescription, true));
            if (request.subject().find_first_not_of(" \t") == std::string::npos &&
                request.description().find_first_not_of(" \t\r\n") == std::string::npos) {
                co_return error_response(invalid("a subject or a description is required"));
            }
            if (request.limit() < 0 || request.limit() > 20) co_return error_response(invalid("limit must be 1 to 20"));
            store::KbSearchQuery query;
            query.terms = helpdesk::kb_suggestion_terms(request.subject(), request.description());
            query.any_term = true;  // a user describes a problem in their words, not in an article's
            // Suggestions answer the user, so staff see what the user would see.
            query.published_only = true;
            query.limit = request.limit() == 0 ? 5 : request.limit();
            auto hits = co_await api.call([&] { return kb.search(query); });
            co_return json_response(status::ok, result_of(std::move(hits)));
        },
        kMaxArticleRequest);

    router.add(verb::post, "/api/v1/tickets/{number}/kb-links", staff,
               [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::KbLinkRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   if (request.article_id() <= 0) co_return error_response(invalid("articleId is required"));
                   const std::string& number = ctx.param("number");
                   const std::string username = ctx.principal->username;
                   auto actor = actor_of(ctx);
                   auto link = co_await api.call(
                       [&] { return kb.link_ticket(number, request.article_id(), username, api.clock.now(), actor); });
                   spdlog::info("kb: {} linked {} to article {}", username, number, request.article_id());
                   // The link is in the ticket's history: viewers showing the ticket hear of it like any change.
                   if (api.events) {
                       auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
                       ticket.clear_system_info();
                       v1::StaffEvent event;
                       *event.mutable_ticket() = std::move(ticket);
                       api.events->publish(event);
                   }
                   co_return json_response(status::created, link);
               });

    router.add(verb::get, "/api/v1/tickets/{number}/kb-links", staff,
               [&api, &kb](RequestContext& ctx) -> asio::awaitable<Response> {
                   const std::string& number = ctx.param("number");
                   auto links = co_await api.call([&] { return kb.ticket_links(number); });
                   co_return json_response(status::ok, links);
               });
}

}  // namespace lifeline::relay::http
