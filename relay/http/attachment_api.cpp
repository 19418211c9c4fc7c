// /api/v1/tickets/{number}/attachments: files on a ticket, such as the screenshot a user sent with
// "Get help". Agents may add files to their own machine's tickets; staff read them.
#include "relay/http/api.hpp"
#include "shared/core/ids.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr std::size_t kMaxAttachment = 8 << 20;

// The content types we store, each with the magic bytes its data must start with ("" = any).
struct AllowedType {
    std::string_view content_type;
    std::string_view magic;
};
constexpr std::array<AllowedType, 4> kAllowed = {{
    {"image/png", "\x89PNG\r\n\x1a\n"},
    {"image/jpeg", "\xff\xd8\xff"},
    {"application/pdf", "%PDF-"},
    {"text/plain", ""},
}};

core::Result<std::string> check_content(const RequestContext& ctx) {
    auto header = ctx.message.find(beast_http::field::content_type);
    std::string_view type = header == ctx.message.end() ? std::string_view() : std::string_view(header->value());
    type = type.substr(0, type.find(';'));
    const std::string& data = ctx.message.body();
    if (data.empty()) return invalid("the attachment is empty");
    for (const auto& allowed : kAllowed) {
        if (type != allowed.content_type) continue;
        // A file must be what it says: a viewer renders images, and a lie here is an attack vector.
        if (!data.starts_with(allowed.magic)) {
            return invalid("the data is not " + std::string(allowed.content_type));
        }
        if (type == "text/plain") {
            if (auto ok = check_text("attachment", data, kMaxAttachment, true); !ok) return ok.error();
        }
        return std::string(type);
    }
    return invalid("Content-Type must be image/png, image/jpeg, application/pdf or text/plain");
}

core::Result<std::string> check_name(const RequestContext& ctx) {
    auto it = ctx.query_params.find("name");
    std::string name = it == ctx.query_params.end() ? "attachment" : it->second;
    if (name.empty() || name.size() > 100 || name.find_first_of("/\\\"") != std::string::npos || name[0] == '.') {
        return invalid("name must be 1 to 100 characters without '/', '\\', '\"' or a leading '.'");
    }
    if (auto ok = check_text("name", name, 100, false); !ok) return ok.error();
    return name;
}

}  // namespace

void register_attachment_routes(Router& router, ApiContext& api) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    const auto staff_and_agents = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN, v1::AGENT});

    router.add(
        verb::post, "/api/v1/tickets/{number}/attachments", staff_and_agents,
        [&api](RequestContext& ctx) -> asio::awaitable<Response> {
            auto content_type = unwrap(check_content(ctx));
            auto name = unwrap(check_name(ctx));
            const std::string& number = ctx.param("number");
            auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
            // A machine may only add to the tickets it opened.
            if (ctx.principal->role == v1::AGENT && ticket.device_id() != ctx.principal->device_id) {
                co_return error_response(status::forbidden, "permission_denied", "this ticket is not this machine's");
            }
            v1::Attachment meta;
            meta.set_name(name);
            meta.set_content_type(content_type);
            meta.set_sha256(core::sha256_hex(ctx.message.body()));
            meta.set_created_by(ctx.principal->username);
            auto stored = co_await api.call(
                [&] { return api.tickets.add_attachment(number, meta, ctx.message.body(), api.clock.now()); });
            spdlog::info("tickets: {} attached {} ({} bytes) to {}", ctx.principal->username, stored.name(),
                         stored.size(), number);
            co_return json_response(status::created, stored);
        },
        kMaxAttachment);

    router.add(verb::get, "/api/v1/tickets/{number}/attachments", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto list = co_await api.call([&] { return api.tickets.list_attachments(ctx.param("number")); });
                   co_return json_response(status::ok, list);
               });

    router.add(verb::get, "/api/v1/tickets/{number}/attachments/{id}", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   const std::string& id_text = ctx.param("id");
                   std::int64_t id = 0;
                   auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
                   if (ec != std::errc() || end != id_text.data() + id_text.size()) {
                       co_return error_response(status::not_found, "not_found", "no such attachment");
                   }
                   auto found = co_await api.call([&] { return api.tickets.get_attachment(ctx.param("number"), id); });
                   Response response{status::ok, 11};
                   response.set(beast_http::field::content_type, found.first.content_type());
                   // Always a download, never rendered inline by a browser.
                   response.set(beast_http::field::content_disposition,
                                "attachment; filename=\"" + found.first.name() + "\"");
                   response.set("X-Checksum-SHA256", found.first.sha256());
                   response.body() = std::move(found.second);
                   response.prepare_payload();
                   co_return response;
               });
}

}  // namespace lifeline::relay::http
