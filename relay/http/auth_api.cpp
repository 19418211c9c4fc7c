// /api/v1/auth: sign in with a password for a bearer token, sign out, who am I.
#include "relay/auth/password.hpp"
#include "relay/http/api.hpp"
#include "shared/core/ids.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;
using google::protobuf::util::TimeUtil;

namespace {

// Verifying against this when the user does not exist keeps the answer time the same, so timing
// does not tell which usernames exist.
const std::string& decoy_hash() {
    static const std::string hash = auth::hash_password(core::random_token());
    return hash;
}

}  // namespace

Authenticator make_authenticator(ApiContext& api) {
    return [&api](const std::string& credential) -> asio::awaitable<std::optional<store::Principal>> {
        // User tokens are base64url and never contain '.'; device credentials are "<id>.<secret>".
        auto dot = credential.find('.');
        if (dot == std::string::npos) {
            std::string token_hash = core::sha256_hex(credential);
            co_return co_await api.run(
                [&api, &token_hash] { return api.users.find_token(token_hash, api.clock.now()); });
        }
        std::string device_id = credential.substr(0, dot);
        std::string secret_hash = core::sha256_hex(credential.substr(dot + 1));
        auto device = co_await api.run(
            [&api, &device_id, &secret_hash] { return api.devices.authenticate_device(device_id, secret_hash); });
        if (!device) co_return std::nullopt;
        co_return store::Principal{0, "device:" + device->id(), device->hostname(), v1::AGENT, 0, device->id()};
    };
}

void register_auth_routes(Router& router, ApiContext& api) {
    (void)decoy_hash();  // computed at start-up, not on the first failed login

    router.add(
        verb::post, "/api/v1/auth/login", Access::anyone(), [&api](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::LoginRequest login;
            unwrap(parse_json(ctx.message.body(), login));
            if (login.username().empty() || login.password().empty() || login.username().size() > 64 ||
                login.password().size() > 1024) {
                co_return error_response(invalid("username and password are required"));
            }
            const std::string& address = ctx.remote_address;
            if (auto wait = api.throttle.retry_after(login.username(), address)) {
                spdlog::warn("auth: login refused (throttled) user={} address={} retry_after={}s", login.username(),
                             address, wait->count());
                auto response = error_response(
                    status::too_many_requests, "too_many_requests",
                    "too many failed sign-ins; try again in " + std::to_string(wait->count()) + " seconds");
                response.set(beast_http::field::retry_after, std::to_string(wait->count()));
                co_return response;
            }

            auto user = co_await api.run([&api, &login] { return api.users.find_user(login.username()); });
            bool password_ok = co_await api.run([&user, &login] {
                return auth::verify_password(login.password(), user ? user->password_hash : decoy_hash());
            });
            bool ok = user && password_ok && !user->user.disabled() && user->user.role() != v1::AGENT;
            if (!ok) {
                api.throttle.record_failure(login.username(), address);
                const char* reason = !user ? "unknown user" : !password_ok ? "wrong password" : "account disabled";
                spdlog::warn("auth: login failed user={} address={} reason={}", login.username(), address, reason);
                // reason is one of the three fixed texts above: no escaping needed.
                store::AuditEvent failed{
                    "auth.login_failed", {}, {}, {}, std::string("{\"reason\":\"") + reason + "\"}"};
                co_await api.run(
                    [&] { api.audit.record(store::Actor::user(login.username(), address), failed, api.clock.now()); });
                co_return error_response(status::unauthorized, "unauthenticated", "wrong username or password");
            }
            api.throttle.record_success(login.username(), address);

            std::string token = core::random_token();
            auto now = api.clock.now();
            auto expires = now + api.token_ttl;
            co_await api.run([&] {
                api.users.store_token(core::sha256_hex(token), user->id, now, expires,
                                      store::Actor::user(login.username(), address));
            });
            spdlog::info("auth: login ok user={} address={}", login.username(), address);

            v1::LoginResponse answer;
            answer.set_token(token);
            *answer.mutable_expires_at() = TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(expires));
            *answer.mutable_user() = user->user;
            co_return json_response(status::ok, answer);
        });

    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});

    router.add(verb::post, "/api/v1/auth/logout", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        co_await api.run([&] { api.users.revoke_token(ctx.token_hash, actor_of(ctx)); });
        spdlog::info("auth: logout user={} address={}", ctx.principal->username, ctx.remote_address);
        co_return empty_response(status::no_content);
    });

    router.add(verb::get, "/api/v1/auth/me", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto user = co_await api.run([&] { return api.users.find_user(ctx.principal->username); });
        if (!user) co_return error_response(status::unauthorized, "unauthenticated", "the account no longer exists");
        co_return json_response(status::ok, user->user);
    });
}

}  // namespace lifeline::relay::http
