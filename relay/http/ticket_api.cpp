// /api/v1/tickets: the queue, a ticket's life cycle, comments and history.
#include "relay/helpdesk/sla_tracking.hpp"
#include "relay/helpdesk/ticket_rules.hpp"
#include "relay/http/api.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <charconv>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;
using google::protobuf::util::TimeUtil;

namespace {

constexpr std::size_t kMaxSubject = 200;
constexpr std::size_t kMaxDescription = 64 << 10;
constexpr std::size_t kMaxLabel = 64;  // category, group
constexpr std::size_t kMaxComment = 64 << 10;

bool level_valid(v1::Level level) { return v1::Level_IsValid(level); }

std::string level_name(v1::Level level) { return level == v1::LEVEL_UNSPECIFIED ? "" : v1::Level_Name(level); }

// With categories configured, a ticket names one of them (in its configured spelling) or none.
core::Result<std::string> known_category(const std::vector<v1::Category>& categories, const std::string& name) {
    if (categories.empty() || name.empty()) return name;
    for (const auto& category : categories) {
        if (category.name().size() == name.size() &&
            std::equal(name.begin(), name.end(), category.name().begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
            })) {
            return category.name();
        }
    }
    return invalid("unknown category '" + name + "' (GET /api/v1/categories lists them)");
}

core::Result<v1::Ticket> ticket_from_request(const v1::CreateTicketRequest& request, const store::Principal& who) {
    if (request.subject().find_first_not_of(" \t") == std::string::npos) return invalid("subject is required");
    if (auto ok = check_text("subject", request.subject(), kMaxSubject, false); !ok) return ok.error();
    if (auto ok = check_text("description", request.description(), kMaxDescription, true); !ok) return ok.error();
    if (auto ok = check_text("category", request.category(), kMaxLabel, false); !ok) return ok.error();
    if (auto ok = check_text("group", request.group(), kMaxLabel, false); !ok) return ok.error();
    if (auto ok = check_text("requester.name", request.requester().name(), 200, false); !ok) return ok.error();
    if (auto ok = check_text("requester.contact", request.requester().contact(), 200, false); !ok) return ok.error();
    if (!v1::Priority_IsValid(request.priority()) || !level_valid(request.urgency()) ||
        !level_valid(request.impact())) {
        return invalid("unknown priority, urgency or impact");
    }
    std::string channel = request.channel().empty() ? "api" : request.channel();
    if (channel != "api" && channel != "phone" && channel != "email" && channel != "portal") {
        return invalid("channel must be api, phone, email or portal");
    }

    v1::Ticket t;
    t.set_subject(request.subject());
    t.set_description(request.description());
    t.set_category(request.category());
    t.set_group(request.group());
    t.set_urgency(request.urgency() == v1::LEVEL_UNSPECIFIED ? v1::MEDIUM : request.urgency());
    t.set_impact(request.impact() == v1::LEVEL_UNSPECIFIED ? v1::MEDIUM : request.impact());
    t.set_priority(request.priority() != v1::PRIORITY_UNSPECIFIED ? request.priority()
                                                                  : helpdesk::derive_priority(t.urgency(), t.impact()));
    t.set_tier(1);
    *t.mutable_requester() = request.requester();
    // A ticket with no named caller is the opener's own.
    if (t.requester().name().empty()) t.mutable_requester()->set_name(who.display_name);
    t.set_channel(channel);
    return t;
}

core::Result<store::TicketQuery> query_from_params(const RequestContext& ctx) {
    store::TicketQuery query;
    for (const auto& [key, value] : ctx.query_params) {
        if (key == "status") {
            std::size_t start = 0;
            while (start <= value.size()) {
                std::size_t end = value.find(',', start);
                if (end == std::string::npos) end = value.size();
                auto status = helpdesk::parse_status(std::string_view(value).substr(start, end - start));
                if (!status) return invalid("unknown status '" + value.substr(start, end - start) + "'");
                query.statuses.push_back(*status);
                start = end + 1;
            }
        } else if (key == "priority") {
            auto priority = helpdesk::parse_priority(value);
            if (!priority) return invalid("priority must be P1, P2, P3 or P4");
            query.priority = priority;
        } else if (key == "category") {
            query.category = value;
        } else if (key == "group") {
            // "mine": every group the caller is a member of.
            if (value == "mine")
                query.member_of = ctx.principal->username;
            else
                query.group = value;
        } else if (key == "sla") {
            std::size_t start = 0;
            while (start <= value.size()) {
                std::size_t end = std::min(value.find(',', start), value.size());
                auto name = value.substr(start, end - start);
                std::optional<v1::SlaState> state;
                for (auto candidate : {v1::SLA_OK, v1::SLA_AT_RISK, v1::SLA_BREACHED, v1::SLA_PAUSED, v1::SLA_MET}) {
                    if (helpdesk::sla_state_name(candidate) == name) state = candidate;
                }
                if (!state) return invalid("sla must list ok, at_risk, breached, paused or met");
                query.sla_states.push_back(*state);
                start = end + 1;
            }
        } else if (key == "assignee") {
            // "me" is the caller, "none" the unassigned tickets.
            query.assignee = value == "me" ? ctx.principal->username : value == "none" ? "" : value;
        } else if (key == "q") {
            if (auto ok = check_text("q", value, 200, false); !ok) return ok.error();
            query.text = value;
        } else if (key == "limit") {
            int limit = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
            if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > 200) {
                return invalid("limit must be a number from 1 to 200");
            }
            query.limit = limit;
        } else if (key == "cursor") {
            query.cursor = value;
        } else {
            return invalid("unknown query parameter '" + key + "'");
        }
    }
    return query;
}

void record_change(std::vector<store::TicketEventDraft>& events, std::string action, std::string from, std::string to,
                   std::string note = {}) {
    if (from != to) events.push_back({std::move(action), std::move(from), std::move(to), std::move(note)});
}

}  // namespace

void register_ticket_routes(Router& router, ApiContext& api) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    const auto dispatchers = Access::roles_of({v1::ADMIN, v1::LEAD});

    router.add(verb::post, "/api/v1/tickets", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        v1::CreateTicketRequest request;
        unwrap(parse_json(ctx.message.body(), request));
        store::NewTicket ticket{unwrap(ticket_from_request(request, *ctx.principal)), ctx.principal->username, {}, {}};
        ticket.ticket.set_category(unwrap(known_category(api.categories, ticket.ticket.category())));
        auto created = co_await api.run([&] { return api.tickets.create_ticket(ticket, api.clock.now()); });
        spdlog::info("tickets: {} opened {} channel={} priority={}", ctx.principal->username, created.number(),
                     created.channel(), v1::Priority_Name(created.priority()));
        auto response = json_response(status::created, created);
        response.set(beast_http::field::location, "/api/v1/tickets/" + created.number());
        co_return response;
    });

    router.add(verb::get, "/api/v1/tickets", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto query = unwrap(query_from_params(ctx));
        auto page = co_await api.call([&] { return api.tickets.list_tickets(query); });
        co_return json_response(status::ok, page);
    });

    router.add(verb::get, "/api/v1/tickets/{number}", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto ticket = co_await api.call([&] { return api.tickets.get_ticket(ctx.param("number")); });
        co_return json_response(status::ok, ticket);
    });

    // Runs a mutation against the ticket inside the store's write transaction and answers the result.
    // The mutation is a named local of the caller: see ApiContext::run on temporaries in co_await.
    auto modify = [&api](RequestContext& ctx, const store::TicketMutation& mutation) -> asio::awaitable<Response> {
        auto ticket = co_await api.call([&] {
            return api.tickets.modify_ticket(ctx.param("number"), ctx.principal->username, api.clock.now(), mutation);
        });
        co_return json_response(status::ok, ticket);
    };

    router.add(
        verb::patch, "/api/v1/tickets/{number}", staff,
        [&api, modify](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::UpdateTicketRequest change;
            unwrap(parse_json(ctx.message.body(), change));
            if (change.has_subject()) {
                if (change.subject().find_first_not_of(" \t") == std::string::npos) {
                    co_return error_response(invalid("subject cannot be empty"));
                }
                unwrap(check_text("subject", change.subject(), kMaxSubject, false));
            }
            if (change.has_category()) {
                unwrap(check_text("category", change.category(), kMaxLabel, false));
                change.set_category(unwrap(known_category(api.categories, change.category())));
            }
            if (change.has_group()) unwrap(check_text("group", change.group(), kMaxLabel, false));
            if ((change.has_priority() &&
                 (change.priority() == v1::PRIORITY_UNSPECIFIED || !v1::Priority_IsValid(change.priority()))) ||
                (change.has_urgency() &&
                 (change.urgency() == v1::LEVEL_UNSPECIFIED || !level_valid(change.urgency()))) ||
                (change.has_impact() && (change.impact() == v1::LEVEL_UNSPECIFIED || !level_valid(change.impact())))) {
                co_return error_response(invalid("priority must be P1-P4; urgency and impact HIGH, MEDIUM or LOW"));
            }
            const store::TicketMutation mutation =
                [change](v1::Ticket& t, std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
                if (t.status() == v1::Ticket::CLOSED) {
                    return core::make_error(core::Errc::conflict, "a closed ticket cannot change");
                }
                auto old_priority = t.priority();
                if (change.has_urgency()) {
                    record_change(events, "urgency", level_name(t.urgency()), level_name(change.urgency()));
                    t.set_urgency(change.urgency());
                }
                if (change.has_impact()) {
                    record_change(events, "impact", level_name(t.impact()), level_name(change.impact()));
                    t.set_impact(change.impact());
                }
                // A direct priority wins; otherwise a new urgency or impact re-derives it.
                if (change.has_priority())
                    t.set_priority(change.priority());
                else if (change.has_urgency() || change.has_impact()) {
                    t.set_priority(helpdesk::derive_priority(t.urgency(), t.impact()));
                }
                record_change(events, "priority", std::string(helpdesk::priority_name(old_priority)),
                              std::string(helpdesk::priority_name(t.priority())));
                if (change.has_category()) {
                    record_change(events, "category", t.category(), change.category());
                    t.set_category(change.category());
                }
                if (change.has_group()) {
                    record_change(events, "group", t.group(), change.group());
                    t.set_group(change.group());
                }
                if (change.has_subject()) {
                    record_change(events, "subject", t.subject(), change.subject());
                    t.set_subject(change.subject());
                }
                return {};
            };
            co_return co_await modify(ctx, mutation);
        });

    router.add(verb::post, "/api/v1/tickets/{number}/status", staff,
               [&api, modify](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::ChangeStatusRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   unwrap(check_text("note", request.note(), kMaxComment, true));
                   auto now_ms = core::to_unix_ms(api.clock.now());
                   const store::TicketMutation mutation =
                       [request, now_ms](v1::Ticket& t,
                                         std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
                       if (auto ok = helpdesk::check_status_transition(t.status(), request.status()); !ok) {
                           return ok.error();
                       }
                       events.push_back({"status", std::string(helpdesk::status_name(t.status())),
                                         std::string(helpdesk::status_name(request.status())), request.note()});
                       if (request.status() == v1::Ticket::RESOLVED) {
                           *t.mutable_resolved_at() = TimeUtil::MillisecondsToTimestamp(now_ms);
                       } else if (request.status() == v1::Ticket::OPEN) {
                           t.clear_resolved_at();  // reopened
                       }
                       t.set_status(request.status());
                       return {};
                   };
                   auto response = co_await modify(ctx, mutation);
                   // Nobody looks at a screen for a ticket that is done.
                   if (response.result() == status::ok && api.session_control &&
                       (request.status() == v1::Ticket::RESOLVED || request.status() == v1::Ticket::CLOSED)) {
                       api.session_control->ticket_closed(ctx.param("number"));
                   }
                   co_return response;
               });

    router.add(verb::post, "/api/v1/tickets/{number}/claim", staff,
               [modify](RequestContext& ctx) -> asio::awaitable<Response> {
                   std::string me = ctx.principal->username;
                   const store::TicketMutation mutation =
                       [me](v1::Ticket& t, std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
                       if (t.status() == v1::Ticket::RESOLVED || t.status() == v1::Ticket::CLOSED) {
                           return core::make_error(core::Errc::conflict,
                                                   "a resolved or closed ticket cannot be claimed");
                       }
                       if (!t.assignee().empty() && t.assignee() != me) {
                           return core::make_error(core::Errc::conflict,
                                                   "ticket " + t.number() + " is already assigned to " + t.assignee());
                       }
                       record_change(events, "assignee", t.assignee(), me, "claimed");
                       t.set_assignee(me);
                       if (t.status() == v1::Ticket::NEW) {
                           record_change(events, "status", "new", "open", "claimed");
                           t.set_status(v1::Ticket::OPEN);
                       }
                       return {};
                   };
                   co_return co_await modify(ctx, mutation);
               });

    router.add(verb::post, "/api/v1/tickets/{number}/assign", dispatchers,
               [&api, modify](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::AssignRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   const std::string assignee = request.assignee();
                   if (!assignee.empty()) {
                       auto user = co_await api.run([&] { return api.users.find_user(assignee); });
                       if (!user || user->user.disabled() || user->user.role() == v1::AGENT) {
                           co_return error_response(invalid("no active staff member named '" + assignee + "'"));
                       }
                   }
                   const store::TicketMutation mutation =
                       [assignee](v1::Ticket& t, std::vector<store::TicketEventDraft>& events) -> core::Result<void> {
                       if (t.status() == v1::Ticket::CLOSED) {
                           return core::make_error(core::Errc::conflict, "a closed ticket cannot be reassigned");
                       }
                       record_change(events, "assignee", t.assignee(), assignee);
                       t.set_assignee(assignee);
                       return {};
                   };
                   co_return co_await modify(ctx, mutation);
               });

    router.add(verb::get, "/api/v1/tickets/{number}/comments", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto list = co_await api.call([&] { return api.tickets.list_comments(ctx.param("number"), true); });
                   co_return json_response(status::ok, list);
               });

    router.add(verb::post, "/api/v1/tickets/{number}/comments", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::AddCommentRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   if (request.body().find_first_not_of(" \t\r\n") == std::string::npos) {
                       co_return error_response(invalid("a comment needs a body"));
                   }
                   unwrap(check_text("body", request.body(), kMaxComment, true));
                   auto comment = co_await api.call([&] {
                       return api.tickets.add_comment(ctx.param("number"), ctx.principal->username, request.body(),
                                                      request.internal(), api.clock.now());
                   });
                   co_return json_response(status::created, comment);
               });

    router.add(verb::get, "/api/v1/tickets/{number}/history", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto history = co_await api.call([&] { return api.tickets.ticket_history(ctx.param("number")); });
                   co_return json_response(status::ok, history);
               });
}

}  // namespace lifeline::relay::http
