// The consent policy as plain logic.
#include "agent/session/consent.hpp"

namespace lifeline::agent {

ConsentDecision decide_consent(ConsentPolicy policy, const v1::SessionRequest& request) {
    using Kind = ConsentDecision::Kind;
    if (policy == ConsentPolicy::deny) return {Kind::deny, "this machine's policy refuses remote sessions"};
    if (policy == ConsentPolicy::unattended && request.unattended_allowed()) {
        return {Kind::allow, "unattended access: allowed by this machine's policy and by the relay's administrator"};
    }
    // Unattended here but not allowed by the relay (or the other way round): the user decides.
    return {Kind::ask_user, ""};
}

std::string describe_request(const v1::SessionRequest& request) {
    std::string what = request.upgrade()               ? "to take control of your screen (they can already see it)"
                       : request.mode() == v1::CONTROL ? "to see and control your screen"
                                                       : "to see your screen";
    std::string ticket = request.ticket_number();
    if (!request.ticket_subject().empty()) ticket += " \"" + request.ticket_subject() + "\"";
    return request.technician_name() + " asks " + what + " for ticket " + ticket;
}

}  // namespace lifeline::agent
