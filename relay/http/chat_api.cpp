// /api/v1/tickets/{number}/chat: staff read a ticket's chat; whoever works the ticket writes to the
// user of its machine, live when the machine is online and in its history otherwise.
#include "relay/http/api.hpp"

#include <spdlog/spdlog.h>

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr int kChatPage = 500;
constexpr std::size_t kMaxChatBody = 32 << 10;  // the text's 4000 bytes, JSON-escaped

}  // namespace

void register_chat_routes(Router& router, ApiContext& api) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});

    router.add(verb::get, "/api/v1/tickets/{number}/chat", staff,
               [&api](RequestContext& ctx) -> asio::awaitable<Response> {
                   const std::string& number = ctx.param("number");
                   auto messages = co_await api.call([&] { return api.tickets.list_chat(number, {}, kChatPage); });
                   v1::ChatList list;
                   for (auto& m : messages)
                       *list.add_messages() = std::move(m);
                   co_return json_response(status::ok, list);
               });

    router.add(
        verb::post, "/api/v1/tickets/{number}/chat", staff,
        [&api](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::SendChatRequest request;
            unwrap(parse_json(ctx.message.body(), request));
            unwrap(core::check_chat_text(request.text()));
            const std::string& number = ctx.param("number");
            auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
            const auto& who = *ctx.principal;
            // The user talks to whoever works their ticket, not to anyone who can read the queue.
            if (!is_lead(who) && ticket.assignee() != who.username) {
                co_return error_response(status::forbidden, "permission_denied",
                                         "only the ticket's assignee (or a lead) may write to its user");
            }
            store::NewChatMessage message;
            message.ticket_number = number;
            message.author = who.display_name.empty() ? who.username : who.display_name;
            message.text = request.text();
            message.actor = actor_of(ctx);
            auto now = api.clock.now();
            auto stored = co_await api.call([&] { return api.tickets.add_chat_message(message, now); });
            bool delivered = false;
            if (!ticket.device_id().empty() && api.presence) {
                v1::RelayToAgent push;
                *push.mutable_chat() = stored;
                delivered = api.presence->send(ticket.device_id(), push);
            }
            spdlog::info("chat: {} wrote on {} ({} bytes, {})", who.username, number, request.text().size(),
                         delivered ? "sent to the machine" : "the machine is offline");
            co_return json_response(status::created, stored);
        },
        kMaxChatBody);
}

}  // namespace lifeline::relay::http
