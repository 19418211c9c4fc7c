// /api/v1/users: account administration (admins only).
#include "relay/auth/password.hpp"
#include "relay/http/api.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

core::Result<void> check_username(std::string_view username) {
    if (username.empty() || username.size() > 64) return invalid("username must be 1 to 64 characters");
    for (char c : username) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return invalid("username may contain only a-z, 0-9, '.', '_' and '-'");
    }
    return {};
}

// Only people hold passwords: ADMIN, LEAD, TECHNICIAN. Technicians work at tier 1-3.
core::Result<void> check_role_and_tier(v1::Role role, int tier) {
    if (role != v1::ADMIN && role != v1::LEAD && role != v1::TECHNICIAN) {
        return invalid("role must be ADMIN, LEAD or TECHNICIAN");
    }
    if (role == v1::TECHNICIAN && (tier < 1 || tier > 3)) return invalid("a technician's tier must be 1, 2 or 3");
    if (role != v1::TECHNICIAN && tier != 0) return invalid("only technicians have a tier");
    return {};
}

core::Result<void> check_password(std::string_view password) {
    std::string why;
    if (!auth::password_acceptable(password, why)) return invalid(why);
    return {};
}

}  // namespace

void register_user_routes(Router& router, ApiContext& api) {
    const auto admin = Access::roles_of({v1::ADMIN});

    router.add(verb::get, "/api/v1/users", admin, [&api](RequestContext&) -> asio::awaitable<Response> {
        auto users = co_await api.run([&] { return api.users.list_users(); });
        v1::UserList list;
        for (auto& u : users)
            *list.add_users() = std::move(u);
        co_return json_response(status::ok, list);
    });

    router.add(verb::post, "/api/v1/users", admin, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        v1::CreateUserRequest request;
        unwrap(parse_json(ctx.message.body(), request));
        int tier = request.role() == v1::TECHNICIAN && request.tier() == 0 ? 1 : request.tier();
        unwrap(check_username(request.username()));
        unwrap(check_role_and_tier(request.role(), tier));
        unwrap(check_text("displayName", request.display_name(), 200, false));
        unwrap(check_password(request.password()));
        unwrap(core::check_mail_address("email", request.email()));
        store::NewUser user{request.username(),
                            request.display_name().empty() ? request.username() : request.display_name(),
                            request.role(),
                            tier,
                            {},
                            request.email()};
        auto created = co_await api.run([&] {
            user.password_hash = auth::hash_password(request.password());
            return api.users.create_user(user, api.clock.now(), actor_of(ctx));
        });
        auto answer = unwrap(std::move(created));
        spdlog::info("users: {} created user={} role={}", ctx.principal->username, answer.username(),
                     v1::Role_Name(answer.role()));
        co_return json_response(status::created, answer);
    });

    router.add(verb::get, "/api/v1/users/{username}", admin, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto user = co_await api.run([&] { return api.users.find_user(ctx.param("username")); });
        if (!user) co_return error_response(core::make_error(core::Errc::not_found, "no such user"));
        co_return json_response(status::ok, user->user);
    });

    // `requested` is a named local of the caller: see ApiContext::run on temporaries in co_await.
    auto update = [&api](RequestContext& ctx, const v1::UpdateUserRequest& requested) -> asio::awaitable<Response> {
        v1::UpdateUserRequest change = requested;
        const std::string& username = ctx.param("username");
        auto current = co_await api.run([&] { return api.users.find_user(username); });
        if (!current) co_return error_response(core::make_error(core::Errc::not_found, "no such user"));
        // An admin cannot lock themselves out; another admin must do it.
        if (username == ctx.principal->username &&
            ((change.has_disabled() && change.disabled()) || (change.has_role() && change.role() != v1::ADMIN))) {
            co_return error_response(
                core::make_error(core::Errc::conflict, "you cannot disable yourself or give up your own admin role"));
        }
        v1::Role role = change.has_role() ? change.role() : current->user.role();
        int tier = change.has_tier() ? change.tier() : current->user.tier();
        if (change.has_role() && !change.has_tier()) tier = role == v1::TECHNICIAN ? std::max(tier, 1) : 0;
        change.set_tier(tier);
        unwrap(check_role_and_tier(role, tier));
        if (change.has_display_name()) unwrap(check_text("displayName", change.display_name(), 200, false));
        if (change.has_email()) unwrap(core::check_mail_address("email", change.email()));
        auto updated = co_await api.call([&] { return api.users.update_user(username, change, actor_of(ctx)); });
        spdlog::info("users: {} changed user={} role={} tier={} disabled={}", ctx.principal->username, username,
                     v1::Role_Name(updated.role()), updated.tier(), updated.disabled());
        co_return json_response(status::ok, updated);
    };

    router.add(verb::patch, "/api/v1/users/{username}", admin,
               [update](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::UpdateUserRequest change;
                   unwrap(parse_json(ctx.message.body(), change));
                   co_return co_await update(ctx, change);
               });

    router.add(verb::post, "/api/v1/users/{username}/disable", admin,
               [update](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::UpdateUserRequest change;
                   change.set_disabled(true);
                   co_return co_await update(ctx, change);
               });

    router.add(verb::post, "/api/v1/users/{username}/enable", admin,
               [update](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::UpdateUserRequest change;
                   change.set_disabled(false);
                   co_return co_await update(ctx, change);
               });

    router.add(verb::post, "/api/v1/users/{username}/password", admin,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::SetPasswordRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   unwrap(check_password(request.password()));
                   const std::string& username = ctx.param("username");
                   co_await api.call([&] {
                       return api.users.set_password_hash(username, auth::hash_password(request.password()),
                                                          actor_of(ctx));
                   });
                   spdlog::info("users: {} reset the password of user={}", ctx.principal->username, username);
                   co_return empty_response(status::no_content);
               });
}

}  // namespace lifeline::relay::http
