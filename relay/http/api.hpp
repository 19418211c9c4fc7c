// The REST API v1: what the handlers share, and one registration function per area.
#pragma once

#include "helpdesk.pb.h"
#include "relay/auth/login_throttle.hpp"
#include "relay/http/router.hpp"
#include "relay/store/store.hpp"
#include "shared/core/clock.hpp"
#include "shared/core/offload.hpp"
#include "shared/core/text.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <type_traits>

namespace lifeline::relay::events {
class EventBus;
}
namespace lifeline::relay::store {
class KbStore;
class ReportStore;
class GroupStore;
}  // namespace lifeline::relay::store
namespace lifeline::relay::notify {
class Notifier;
}
namespace lifeline::relay::workflow {
class WorkflowTicketStore;
}

namespace lifeline::relay::http {

// Which devices hold a live control channel; implemented by the WebSocket hub.
class DevicePresence {
public:
    virtual ~DevicePresence() = default;
    virtual bool online(const std::string& device_id) = 0;
    // Drops the device's control channel at once (after a revocation). Any thread.
    virtual void disconnect(const std::string& device_id) = 0;
    // Queues a frame for the device's channel; false when it is not connected. Any thread.
    virtual bool send(const std::string& device_id, const v1::RelayToAgent& message) = 0;
};

// Remote sessions, as far as the ticket API needs them; implemented by the session broker.
class SessionControl {
public:
    virtual ~SessionControl() = default;
    // The ticket was resolved or closed: its sessions end. Any thread.
    virtual void ticket_closed(const std::string& number) = 0;
};

// Which staff have the viewer open, i.e. hold a staff event stream; implemented by the event stream.
// Automatic assignment gives tickets only to them.
class StaffPresence {
public:
    virtual ~StaffPresence() = default;
    virtual bool online(const std::string& username) = 0;  // any thread
};

struct ApiContext {
    store::UserStore& users;
    store::TicketStore& tickets;
    store::DeviceStore& devices;
    store::AuditStore& audit;
    auth::LoginThrottle& throttle;
    const core::Clock& clock;
    boost::asio::thread_pool& blocking;  // store calls and password hashing run here, never on I/O threads
    std::chrono::seconds token_ttl{12 * 3600};
    DevicePresence* presence = nullptr;         // set once the hub exists
    SessionControl* session_control = nullptr;  // set once the session broker exists
    StaffPresence* staff_presence = nullptr;    // set once the event stream exists
    events::EventBus* events = nullptr;         // staff event streams; changes to stores publish by themselves
    // Mail notifications (relay/notify/notifier.hpp); null when [mail] is off. The requester's mail
    // is sent by the ticket store's decorator; this is for the rest (SLA warnings).
    notify::Notifier* notifier = nullptr;
    // The helpdesk policy's categories, in the order Get help offers them (relay/helpdesk/policy.hpp).
    std::vector<v1::Category> categories{};

    // Runs a blocking call on the pool and resumes the caller on its own executor (see core::offload
    // for why call sites pass reference-capturing lambdas).
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F>> run(F work) {
        co_return co_await core::offload(blocking, std::move(work));
    }

    // run() for calls answering core::Result<T>: an error is thrown as core::ErrorException, which
    // the router turns into the matching 4xx answer.
    template <class F>
    auto call(F work) -> boost::asio::awaitable<typename std::invoke_result_t<F>::value_type> {
        co_return co_await boost::asio::co_spawn(blocking, invoke_checked(std::move(work)), boost::asio::use_awaitable);
    }

private:
    template <class F>
    static auto invoke_checked(F work) -> boost::asio::awaitable<typename std::invoke_result_t<F>::value_type> {
        auto result = work();
        if (!result) throw core::ErrorException(result.error());
        if constexpr (std::is_void_v<typename std::invoke_result_t<F>::value_type>) {
            co_return;
        } else {
            co_return std::move(*result);
        }
    }
};

// Who made this request, as the audit log names them.
inline store::Actor actor_of(const RequestContext& ctx) {
    if (!ctx.principal) return {"anonymous", ctx.remote_address};
    if (!ctx.principal->device_id.empty()) return store::Actor::device(ctx.principal->device_id, ctx.remote_address);
    return store::Actor::user(ctx.principal->username, ctx.remote_address);
}

// Leads and admins may act on any ticket; a technician on the tickets assigned to them.
inline bool is_lead(const store::Principal& who) { return who.role == v1::LEAD || who.role == v1::ADMIN; }

// Bearer token -> principal through the user store, for the router.
Authenticator make_authenticator(ApiContext& api);

void register_auth_routes(Router& router, ApiContext& api);
void register_user_routes(Router& router, ApiContext& api);
void register_ticket_routes(Router& router, ApiContext& api);
void register_audit_routes(Router& router, ApiContext& api);
void register_agent_routes(Router& router, ApiContext& api);
void register_attachment_routes(Router& router, ApiContext& api);
void register_timeline_routes(Router& router, ApiContext& api, store::SessionStore& sessions);
void register_chat_routes(Router& router, ApiContext& api);
void register_kb_routes(Router& router, ApiContext& api, store::KbStore& kb);
void register_report_routes(Router& router, ApiContext& api, store::ReportStore& reports);
void register_helpdesk_routes(Router& router, ApiContext& api, workflow::WorkflowTicketStore& workflow,
                              store::GroupStore& groups);

// Handler helpers shared by the API areas.
template <class T>
T unwrap(core::Result<T> result) {
    if (!result) throw core::ErrorException(result.error());
    return std::move(*result);
}
inline void unwrap(core::Result<void> result) {
    if (!result) throw core::ErrorException(result.error());
}
inline core::Error invalid(std::string message) {
    return core::make_error(core::Errc::invalid_argument, std::move(message));
}

using core::check_text;

}  // namespace lifeline::relay::http
