// /api/v1/agents: enrollment of a machine with an enrollment token, and the device inventory.
#include "relay/http/api.hpp"
#include "shared/core/ids.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

core::Result<void> check_enroll_request(const v1::EnrollRequest& request) {
    if (request.token().empty() || request.token().size() > 128) return invalid("token is required");
    if (request.hostname().empty()) return invalid("hostname is required");
    if (auto ok = check_text("hostname", request.hostname(), 253, false); !ok) return ok;
    // A machine id is 32 hex digits on systemd machines; accept any short printable id.
    if (request.machine_id().empty()) return invalid("machineId is required");
    return check_text("machineId", request.machine_id(), 128, false);
}

}  // namespace

void register_agent_routes(Router& router, ApiContext& api) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    const auto leads = Access::roles_of({v1::ADMIN, v1::LEAD});

    // Public: the enrollment token is the credential. It is 256 random bits, so guessing is hopeless.
    router.add(
        verb::post, "/api/v1/agents/enroll", Access::anyone(),
        [&api](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::EnrollRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            unwrap(check_enroll_request(request));
            std::string secret = core::random_token();
            store::EnrollmentClaim claim{core::sha256_hex(request.token()), request.hostname(), request.machine_id(),
                                         "d-" + core::random_hex(10), core::sha256_hex(secret)};
            auto enrolled =
                co_await api.run([&] { return api.devices.enroll_device(claim, api.clock.now(), ctx.remote_address); });
            if (!enrolled) {
                spdlog::warn("agents: enrollment refused hostname={} address={} reason={}", request.hostname(),
                             ctx.remote_address, enrolled.error().message);
                co_return error_response(enrolled.error());
            }
            spdlog::info("agents: enrolled device={} hostname={} group={} address={}", enrolled->id(),
                         enrolled->hostname(), enrolled->group(), ctx.remote_address);
            v1::EnrollResponse answer;
            answer.set_device_id(enrolled->id());
            answer.set_device_secret(secret);
            co_return json_response(status::created, answer);
        });

    router.add(verb::get, "/api/v1/agents", staff, [&api](RequestContext&) -> asio::awaitable<Response> {
        auto devices = co_await api.run([&] { return api.devices.list_devices(); });
        v1::DeviceList list;
        for (auto& d : devices) {
            d.set_online(api.presence && api.presence->online(d.id()));
            *list.add_devices() = std::move(d);
        }
        co_return json_response(status::ok, list);
    });

    router.add(verb::get, "/api/v1/agents/{id}", staff, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
        auto device = co_await api.call([&] { return api.devices.get_device(ctx.param("id")); });
        device.set_online(api.presence && api.presence->online(device.id()));
        co_return json_response(status::ok, device);
    });

    router.add(verb::get, "/api/v1/agents/{id}/inventory-changes", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   const std::string& id = ctx.param("id");
                   co_await api.call([&] { return api.devices.get_device(id); });  // 404 for an unknown device
                   auto changes = co_await api.run([&] { return api.devices.inventory_changes(id); });
                   v1::InventoryChangeList list;
                   for (const auto& [at, change] : changes) {
                       auto* entry = list.add_changes();
                       *entry->mutable_at() =
                           google::protobuf::util::TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(at));
                       entry->set_field(change.field);
                       entry->set_from(change.from);
                       entry->set_to(change.to);
                   }
                   co_return json_response(status::ok, list);
               });

    router.add(
        verb::post, "/api/v1/agents/{id}/revoke", leads, [&api](RequestContext& ctx) -> asio::awaitable<Response> {
            auto device = co_await api.call([&] { return api.devices.revoke_device(ctx.param("id"), actor_of(ctx)); });
            if (api.presence) api.presence->disconnect(device.id());
            spdlog::info("agents: {} revoked device={} hostname={}", ctx.principal->username, device.id(),
                         device.hostname());
            co_return json_response(status::ok, device);
        });

    // Unattended access is an admin's decision, per machine; the agent's own policy must agree too.
    router.add(verb::post, "/api/v1/agents/{id}/unattended", Access::roles_of({v1::ADMIN}),
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::SetUnattendedRequest request;
                   unwrap(parse_json(ctx.message.body(), request));
                   auto device = co_await api.call(
                       [&] { return api.devices.set_unattended(ctx.param("id"), request.allowed(), actor_of(ctx)); });
                   spdlog::info("agents: {} {} unattended access to device={}", ctx.principal->username,
                                request.allowed() ? "allowed" : "withdrew", device.id());
                   co_return json_response(status::ok, device);
               });
}

}  // namespace lifeline::relay::http
