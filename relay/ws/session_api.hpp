// REST routes for remote sessions: request (on a ticket), state, list, end.
#pragma once

#include "relay/http/api.hpp"
#include "relay/ws/session_broker.hpp"

namespace lifeline::relay::ws {

void register_session_routes(http::Router& router, http::ApiContext& api, store::SessionStore& sessions,
                             SessionBroker& broker);

}  // namespace lifeline::relay::ws
