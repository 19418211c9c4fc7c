// /api/v1/.../sessions: a technician asks to see the screen of the machine behind a ticket; the
// session's state; ending it; its recording. The consent itself travels over the agent's control channel.
#include "relay/ws/session_api.hpp"

#include "relay/recording/recorder.hpp"
#include "shared/core/ids.hpp"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

namespace lifeline::relay::ws {

namespace asio = boost::asio;
using http::Access;
using http::RequestContext;
using http::Response;
using http::beast_http::status;
using http::beast_http::verb;

namespace {

constexpr int kMaxMonitors = 16;

using http::is_lead;

// A technician sees their own sessions; leads and admins see all.
core::Result<void> may_see(const store::Principal& who, const v1::Session& session) {
    if (is_lead(who) || session.technician() == who.username) return {};
    return core::make_error(core::Errc::permission_denied, "this session is another technician's");
}

constexpr int kMaxSessionPage = 500;

// GET /api/v1/sessions's parameters. A technician's list is always their own.
core::Result<store::SessionQuery> session_query_from(const RequestContext& ctx) {
    store::SessionQuery query;
    for (const auto& [key, value] : ctx.query_params) {
        if (key == "technician" || key == "device" || key == "ticket" || key == "cursor") {
            if (auto ok = http::check_text(key, value, 200, false); !ok) return ok.error();
            (key == "technician" ? query.technician
             : key == "device"   ? query.device_id
             : key == "ticket"   ? query.ticket
                                 : query.cursor) = value;
        } else if (key == "state") {
            std::string upper = value;
            for (auto& c : upper)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            v1::Session::State state{};
            if (!v1::Session::State_Parse(upper, &state) || state == v1::Session::STATE_UNSPECIFIED) {
                return http::invalid("state must be requested, denied, active, ended or failed");
            }
            query.state = state;
        } else if (key == "from" || key == "to") {
            auto at = http::parse_query_time(key, value);
            if (!at) return at.error();
            (key == "from" ? query.from_ms : query.to_ms) = *at;
        } else if (key == "limit") {
            auto limit = http::parse_query_number("limit", value, kMaxSessionPage);
            if (!limit) return limit.error();
            query.limit = static_cast<int>(*limit);
        } else {
            return http::invalid("unknown query parameter '" + key + "'");
        }
    }
    const auto& who = *ctx.principal;
    if (!is_lead(who)) {
        if (!query.technician.empty() && query.technician != who.username) {
            return core::make_error(core::Errc::permission_denied, "technicians see only their own sessions");
        }
        query.technician = who.username;
    }
    return query;
}

}  // namespace

void register_session_routes(http::Router& router, http::ApiContext& api, store::SessionStore& sessions,
                             SessionBroker& broker) {
    const auto staff = Access::roles_of({v1::ADMIN, v1::LEAD, v1::TECHNICIAN});

    router.add(
        verb::post, "/api/v1/tickets/{number}/sessions", staff,
        [&api, &sessions, &broker](RequestContext& ctx) -> asio::awaitable<Response> {
            v1::CreateSessionRequest request;
            http::unwrap(http::parse_json(ctx.message.body(), request));
            if (request.mode() != v1::VIEW && request.mode() != v1::CONTROL) {
                co_return http::error_response(status::bad_request, "invalid_argument", "mode must be VIEW or CONTROL");
            }
            if (request.has_monitor() && (request.monitor() < 0 || request.monitor() >= kMaxMonitors)) {
                co_return http::error_response(status::bad_request, "invalid_argument",
                                               "monitor must be an index into the machine's screens");
            }
            const std::string& number = ctx.param("number");
            auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
            const auto& who = *ctx.principal;
            // Only the machine that asked for help, only by whoever works the ticket: no cold calls.
            if (ticket.device_id().empty()) {
                co_return http::error_response(status::conflict, "conflict",
                                               "this ticket is not tied to a machine; only a machine that asked for "
                                               "help can be reached");
            }
            if (!is_lead(who) && ticket.assignee() != who.username) {
                co_return http::error_response(status::forbidden, "permission_denied",
                                               "only the ticket's assignee (or a lead) may ask to see the screen");
            }
            if (ticket.status() == v1::Ticket::RESOLVED || ticket.status() == v1::Ticket::CLOSED) {
                co_return http::error_response(status::conflict, "conflict", "the ticket is resolved or closed");
            }
            if (!api.presence || !api.presence->online(ticket.device_id())) {
                co_return http::error_response(status::conflict, "conflict", "the machine is offline");
            }
            const std::string device_id = ticket.device_id();
            auto device = co_await api.call([&] { return api.devices.get_device(device_id); });
            const int screens = device.system_info().screens_size();
            if (request.has_monitor() && screens > 0 && request.monitor() >= screens) {
                co_return http::error_response(status::bad_request, "invalid_argument",
                                               "the machine has " + std::to_string(screens) + " monitor" +
                                                   (screens == 1 ? "" : "s") + " (0 to " + std::to_string(screens - 1) +
                                                   ")");
            }
            v1::Session session;
            session.set_id("s-" + core::random_hex(10));
            session.set_ticket_number(ticket.number());
            session.set_device_id(ticket.device_id());
            session.set_technician(who.username);
            session.set_technician_name(who.display_name.empty() ? who.username : who.display_name);
            session.set_mode(request.mode());
            if (request.has_monitor()) session.set_monitor(request.monitor());
            session.set_state(v1::Session::REQUESTED);
            *session.mutable_requested_at() =
                google::protobuf::util::TimeUtil::MillisecondsToTimestamp(core::to_unix_ms(api.clock.now()));
            auto created = co_await api.call([&] { return sessions.create_session(session); });
            spdlog::info("sessions: {} requested by {} for {} device={} mode={}", created.id(), who.username,
                         created.ticket_number(), created.device_id(),
                         created.mode() == v1::CONTROL ? "control" : "view");
            std::string subject = ticket.subject();
            if (!co_await broker.ask_agent(created, subject, device.unattended_allowed())) {
                co_return http::error_response(status::conflict, "conflict", "the machine went offline");
            }
            co_return http::json_response(status::created, created);
        });

    router.add(verb::get, "/api/v1/tickets/{number}/sessions", staff,
               [&api, &sessions](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto list = co_await api.call([&] { return sessions.ticket_sessions(ctx.param("number")); });
                   co_return http::json_response(status::ok, list);
               });

    // Every session, newest first: leads and admins all of them, a technician their own.
    router.add(verb::get, "/api/v1/sessions", staff,
               [&api, &sessions](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto query = http::unwrap(session_query_from(ctx));
                   auto list = co_await api.call([&] { return sessions.list_sessions(query); });
                   co_return http::json_response(status::ok, list);
               });

    router.add(verb::get, "/api/v1/sessions/{id}", staff,
               [&api, &sessions](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto session = co_await api.call([&] { return sessions.get_session(ctx.param("id")); });
                   http::unwrap(may_see(*ctx.principal, session));
                   co_return http::json_response(status::ok, session);
               });

    // View -> control needs the user's yes again; the answer arrives over the control channel.
    router.add(verb::post, "/api/v1/sessions/{id}/upgrade", staff,
               [&api, &sessions, &broker](RequestContext& ctx) -> asio::awaitable<Response> {
                   const std::string& id = ctx.param("id");
                   const std::string me = ctx.principal->username;
                   auto marked = co_await api.call([&] {
                       return sessions.update_session(id, [&](v1::Session& s) -> core::Result<void> {
                           if (s.technician() != me) {
                               return core::make_error(core::Errc::permission_denied,
                                                       "only the technician in the session may ask for control");
                           }
                           if (s.state() != v1::Session::ACTIVE) {
                               return core::make_error(core::Errc::conflict, "the session is not active");
                           }
                           if (s.mode() == v1::CONTROL) {
                               return core::make_error(core::Errc::conflict, "the session already has control");
                           }
                           s.set_upgrade_pending(true);
                           return {};
                       });
                   });
                   const std::string number = marked.ticket_number();
                   auto ticket = co_await api.call([&] { return api.tickets.get_ticket(number); });
                   if (!co_await broker.ask_upgrade(marked, ticket.subject())) {
                       co_return http::error_response(status::conflict, "conflict", "the machine is offline");
                   }
                   spdlog::info("sessions: {} upgrade to control requested by {}", id, me);
                   co_return http::json_response(status::accepted, marked);
               });

    // The recording, as a download: leads and admins any, a technician their own sessions'.
    router.add(verb::get, "/api/v1/sessions/{id}/recording", staff,
               [&api, &sessions, &broker](RequestContext& ctx) -> asio::awaitable<Response> {
                   auto session = co_await api.call([&] { return sessions.get_session(ctx.param("id")); });
                   http::unwrap(may_see(*ctx.principal, session));
                   if (session.recording().empty() || broker.recordings_dir().empty()) {
                       co_return http::error_response(status::not_found, "not_found", "this session has no recording");
                   }
                   const std::string file = session.recording();
                   // Streamed from disk by the server: a recording of any size costs the relay one piece of memory.
                   auto path =
                       co_await api.call([&] { return recording::find_recording(broker.recordings_dir(), file); });
                   spdlog::info("recordings: {} downloaded by {}", file, ctx.principal->username);
                   Response response = http::file_response(path, "application/octet-stream");
                   response.set(http::beast_http::field::content_disposition, "attachment; filename=\"" + file + "\"");
                   if (!session.recording_sha256().empty()) {
                       response.set("X-Checksum-SHA256", session.recording_sha256());
                   }
                   co_return response;
               });

    router.add(verb::post, "/api/v1/sessions/{id}/end", staff,
               [&api, &sessions, &broker](RequestContext& ctx) -> asio::awaitable<Response> {
                   v1::EndSessionRequest request;
                   if (!ctx.message.body().empty()) http::unwrap(http::parse_json(ctx.message.body(), request));
                   http::unwrap(http::check_text("reason", request.reason(), 200, false));
                   const std::string& id = ctx.param("id");
                   auto session = co_await api.call([&] { return sessions.get_session(id); });
                   const auto& who = *ctx.principal;
                   http::unwrap(may_see(who, session));
                   if (session.state() != v1::Session::REQUESTED && session.state() != v1::Session::ACTIVE) {
                       co_return http::error_response(status::conflict, "conflict", "the session is already over");
                   }
                   const bool own = session.technician() == who.username;
                   std::string by = (own ? "technician:" : "lead:") + who.username;
                   std::string reason = !request.reason().empty() ? request.reason()
                                        : own                     ? "the technician ended the session"
                                                                  : "a lead terminated the session";
                   auto ended = co_await broker.end(id, by, reason);
                   co_return http::json_response(status::ok, http::unwrap(std::move(ended)));
               });
}

}  // namespace lifeline::relay::ws
