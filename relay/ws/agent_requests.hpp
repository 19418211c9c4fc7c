// What a machine's user asks through the control channel besides opening tickets and chat: one of
// the machine's tickets with its public replies, a reply to it, a rating once it is resolved, Get
// help's categories and knowledge-base suggestions for what the user is typing. Every answer
// carries the request's id; a refusal is a ProtocolError with it.
//
// Threads: answer() runs in a channel's coroutine, on its strand; store calls go to the pool.
#pragma once

#include "relay/http/api.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace lifeline::relay::store {
class KbStore;
}

namespace lifeline::relay::ws {

// The machine asking, as its channel knows it.
struct AgentCaller {
    const v1::Device& device;
    const std::string& remote_address;
};

class AgentRequests {
public:
    // `kb` may be null: then there are no suggestions.
    AgentRequests(http::ApiContext& api, store::KbStore* kb) : api_(api), kb_(kb) {}

    // True for the bodies answer() handles.
    static bool handles(const v1::AgentToRelay& message);
    boost::asio::awaitable<v1::RelayToAgent> answer(AgentCaller caller, const v1::AgentToRelay& message);

private:
    boost::asio::awaitable<v1::RelayToAgent> ticket_detail(AgentCaller caller, const v1::TicketDetailRequest& ask);
    boost::asio::awaitable<v1::RelayToAgent> user_reply(AgentCaller caller, const v1::UserReply& reply);
    boost::asio::awaitable<v1::RelayToAgent> rate_ticket(AgentCaller caller, const v1::RateTicket& rate);
    boost::asio::awaitable<v1::RelayToAgent> kb_suggest(const v1::KbHintRequest& ask);

    http::ApiContext& api_;
    store::KbStore* kb_;
};

}  // namespace lifeline::relay::ws
