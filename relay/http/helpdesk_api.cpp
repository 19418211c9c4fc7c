// /api/v1/groups, /api/v1/categories and the workflow's ticket actions: escalation and the
// requester's satisfaction rating. Staff read groups; admins and leads change them.
#include "relay/http/api.hpp"
#include "relay/store/group_store.hpp"
#include "relay/workflow/workflow_tickets.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr std::size_t kMaxReason = 2000;
constexpr std::size_t kMaxRatingComment = 4000;

core::Result<void> check_group_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return invalid("a group name is 1 to 64 characters");
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return invalid("a group name may contain only a-z, 0-9 and '-'");
        }
    }
    return {};
}

bool assignment_valid(v1::Group::Assignment assignment) {
    return v1::Group::Assignment_IsValid(assignment) && assignment != v1::Group::ASSIGNMENT_UNSPECIFIED;
}

}  // namespace

void register_helpdesk_routes(Router& router, ApiContext& api, workflow::WorkflowTicketStore& workflow,
                              store::GroupStore& groups) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    const auto managers = Access::roles_of({v1::ADMIN, v1::LEAD});

    // Shows who is online now: it is what automatic assignment goes by.
    const auto with_presence = [&api](v1::Group group) {
        for (auto& member : *group.mutable_members()) {
            member.set_online(api.staff_presence && api.staff_presence->online(member.username()));
        }
        return group;
    };

    router.add(verb::get, "/api/v1/categories", staff, [&api](RequestContext&) -> asio::awaitable<Response> {
        v1::CategoryList list;
        for (const auto& category : api.categories)
            *list.add_categories() = category;
        co_return json_response(status::ok, list);
    });

    router.add(verb::get, "/api/v1/groups", staff,
               [&api, &groups, with_presence](RequestContext&) -> asio::awaitable<Response> {
                   auto found = co_await api.run([&] { return groups.list_groups(); });
                   v1::GroupList list;
                   for (auto& group : found)
                       *list.add_groups() = with_presence(std::move(group));
                   co_return json_response(status::ok, list);
               });

    router.add(
        verb::post, "/api/v1/groups", managers, [&api, &groups](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::CreateGroupRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            unwrap(check_group_name(request.name()));
            unwrap(check_text("displayName", request.display_name(), 200, false));
            if (request.assignment() != v1::Group::ASSIGNMENT_UNSPECIFIED && !assignment_valid(request.assignment())) {
                co_return error_response(invalid("assignment must be MANUAL, ROUND_ROBIN or LEAST_LOADED"));
            }
            auto group =
                co_await api.call([&] { return groups.create_group(request, api.clock.now(), actor_of(ctx)); });
            spdlog::info("groups: {} created group {}", ctx.principal->username, group.name());
            co_return json_response(status::created, group);
        });

    router.add(verb::get, "/api/v1/groups/{name}", staff,
               [&api, &groups, with_presence](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto group = co_await api.call([&] { return groups.get_group(ctx.param("name")); });
                   co_return json_response(status::ok, with_presence(std::move(group)));
               });

    router.add(verb::patch, "/api/v1/groups/{name}", managers,
               [&api, &groups](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::UpdateGroupRequest change;
                   unwrap(parse_json(ctx.message.body(), change));
                   if (change.has_display_name()) {
                       unwrap(check_text("displayName", change.display_name(), 200, false));
                   }
                   if (change.has_assignment() && !assignment_valid(change.assignment())) {
                       co_return error_response(invalid("assignment must be MANUAL, ROUND_ROBIN or LEAST_LOADED"));
                   }
                   auto group =
                       co_await api.call([&] { return groups.update_group(ctx.param("name"), change, actor_of(ctx)); });
                   co_return json_response(status::ok, group);
               });

    router.add(verb::put, "/api/v1/groups/{name}/members/{username}", managers,
               [&api, &groups](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::SetMemberRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   if (request.tier() < 1 || request.tier() > 3) {
                       co_return error_response(invalid("tier must be 1, 2 or 3"));
                   }
                   auto group = co_await api.call([&] {
                       return groups.set_member(ctx.param("name"), ctx.param("username"), request.tier(),
                                                actor_of(ctx));
                   });
                   co_return json_response(status::ok, group);
               });

    router.add(verb::delete_, "/api/v1/groups/{name}/members/{username}", managers,
               [&api, &groups](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto group = co_await api.call(
                       [&] { return groups.remove_member(ctx.param("name"), ctx.param("username"), actor_of(ctx)); });
                   co_return json_response(status::ok, group);
               });

    // A technician hands over what they hold (or nobody holds yet); leads move any ticket.
    router.add(
        verb::post, "/api/v1/tickets/{number}/escalate", staff,
        [&api, &workflow](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::EscalateRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            if (request.reason().find_first_not_of(" \t\r\n") == std::string::npos) {
                co_return error_response(invalid("an escalation needs a reason"));
            }
            unwrap(check_text("reason", request.reason(), kMaxReason, true));
            if (!request.group().empty()) unwrap(check_group_name(request.group()));
            const std::string& number = ctx.param("number");
            if (!is_lead(*ctx.principal)) {
                auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
                if (!ticket.assignee().empty() && ticket.assignee() != ctx.principal->username) {
                    co_return error_response(core::make_error(
                        core::Errc::permission_denied, "ticket " + number + " is assigned to " + ticket.assignee() +
                                                           "; only they or a lead "
                                                           "may escalate it"));
                }
            }
            auto ticket = co_await api.call([&] {
                return workflow.escalate(number, request.group(), request.reason(), ctx.principal->username,
                                         api.clock.now());
            });
            spdlog::info("tickets: {} escalated {} to {}/{}", ctx.principal->username, number, ticket.group(),
                         ticket.tier());
            co_return json_response(status::ok, ticket);
        });

    // Staff record a rating the requester gave another way (a call-back survey); the machine's user
    // rates through the agent's channel.
    router.add(verb::post, "/api/v1/tickets/{number}/satisfaction", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::SatisfactionRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   if (request.rating() < 1 || request.rating() > 5) {
                       co_return error_response(invalid("rating must be 1 (bad) to 5 (good)"));
                   }
                   unwrap(check_text("comment", request.comment(), kMaxRatingComment, true));
                   v1::Satisfaction rating;
                   rating.set_rating(request.rating());
                   rating.set_comment(request.comment());
                   auto ticket = co_await api.call([&] {
                       return api.tickets.rate_ticket(ctx.param("number"), rating, {}, ctx.principal->username,
                                                      api.clock.now());
                   });
                   co_return json_response(status::ok, ticket);
               });
}

}  // namespace lifeline::relay::http
