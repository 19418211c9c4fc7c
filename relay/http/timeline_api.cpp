// GET /api/v1/tickets/{number}/timeline: the ticket's history, comments, attachments, system info,
// sessions, consent decisions and chat in time order (relay/helpdesk/timeline), read in one go.
#include "relay/helpdesk/timeline.hpp"
#include "relay/http/api.hpp"

namespace lifeline::relay::http {

namespace asio = boost::asio;
using beast_http::status;
using beast_http::verb;

namespace {

constexpr int kAuditPage = 1000;
constexpr int kMaxAuditRows = 20 * kAuditPage;  // far beyond any real ticket's sessions
constexpr int kMaxChat = 10'000;

core::Result<v1::Timeline> read_timeline(ApiContext& api, store::SessionStore& sessions, const std::string& number) {
    auto ticket = api.tickets.get_ticket(number);
    if (!ticket) return ticket.error();
    helpdesk::TimelineSources sources;
    sources.ticket = std::move(*ticket);
    auto history = api.tickets.ticket_history(number);
    auto comments = api.tickets.list_comments(number, true);
    auto attachments = api.tickets.list_attachments(number);
    auto ticket_sessions = sessions.ticket_sessions(number);
    auto chat = api.tickets.list_chat(number, {}, kMaxChat);
    if (!history) return history.error();
    if (!chat) return chat.error();
    if (!comments) return comments.error();
    if (!attachments) return attachments.error();
    if (!ticket_sessions) return ticket_sessions.error();
    sources.history = std::move(*history);
    sources.comments = std::move(*comments);
    sources.attachments = std::move(*attachments);
    sources.sessions = std::move(*ticket_sessions);
    sources.chat = std::move(*chat);
    if (sources.sessions.sessions_size() > 0) {
        store::AuditQuery query;
        query.ticket = sources.ticket.number();
        query.action = "session.";
        query.limit = kAuditPage;
        while (sources.session_audit.size() < kMaxAuditRows) {
            auto page = api.audit.list(query);
            for (auto& row : *page.mutable_entries())
                sources.session_audit.push_back(std::move(row));
            if (page.next_cursor().empty()) break;
            query.before_seq = sources.session_audit.back().seq();
        }
    }
    return helpdesk::build_timeline(std::move(sources), core::to_unix_ms(api.clock.now()));
}

}  // namespace

void register_timeline_routes(Router& router, ApiContext& api, store::SessionStore& sessions) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});
    router.add(verb::get, "/api/v1/tickets/{number}/timeline", staff,
               [&api, &sessions](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto timeline = co_await api.call([&] { return read_timeline(api, sessions, ctx.param("number")); });
                   co_return json_response(status::ok, timeline);
               });
}

}  // namespace lifeline::relay::http
