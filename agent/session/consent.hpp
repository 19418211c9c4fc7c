// Who says yes to a remote session: the machine's policy (`consent` in the agent config) and,
// when the policy is to ask, the user. Unattended access needs both the policy here and the
// admin's flag on the relay: either side alone cannot open a screen.
#pragma once

#include "agent/core/config.hpp"
#include "lifeline.pb.h"

#include <chrono>
#include <string>

namespace lifeline::agent {

// How long the user has to answer; silence is a no.
constexpr std::chrono::seconds kConsentWindow{30};

struct ConsentDecision {
    enum class Kind { allow, deny, ask_user } kind = Kind::ask_user;
    std::string reason;  // sent to the relay with an allow or deny
};

ConsentDecision decide_consent(ConsentPolicy policy, const v1::SessionRequest& request);

// What the user is asked, in one line: who, what, for which ticket.
std::string describe_request(const v1::SessionRequest& request);

}  // namespace lifeline::agent
