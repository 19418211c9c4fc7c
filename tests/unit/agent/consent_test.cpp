// The consent policy: deny refuses, unattended needs the relay's flag too, everything else asks.
#include "agent/session/consent.hpp"

#include <gtest/gtest.h>

namespace lifeline::agent {
namespace {

using Kind = ConsentDecision::Kind;

v1::SessionRequest request(bool unattended_allowed, v1::SessionMode mode = v1::VIEW, bool upgrade = false) {
    v1::SessionRequest r;
    r.set_session_id("s-1");
    r.set_ticket_number("LL-000042");
    r.set_ticket_subject("Printer jams");
    r.set_technician_name("Tina Example");
    r.set_mode(mode);
    r.set_unattended_allowed(unattended_allowed);
    r.set_upgrade(upgrade);
    return r;
}

TEST(Consent, deny_refuses_whatever_the_relay_allows) {
    EXPECT_EQ(decide_consent(ConsentPolicy::deny, request(false)).kind, Kind::deny);
    auto refused = decide_consent(ConsentPolicy::deny, request(true));
    EXPECT_EQ(refused.kind, Kind::deny);
    EXPECT_EQ(refused.reason, "this machine's policy refuses remote sessions");
}

TEST(Consent, unattended_needs_both_ends) {
    EXPECT_EQ(decide_consent(ConsentPolicy::unattended, request(true)).kind, Kind::allow);
    EXPECT_EQ(decide_consent(ConsentPolicy::unattended, request(false)).kind, Kind::ask_user)
        << "the relay did not agree: the user decides";
    EXPECT_EQ(decide_consent(ConsentPolicy::ask, request(true)).kind, Kind::ask_user)
        << "the machine did not agree: the user decides";
}

TEST(Consent, the_question_names_who_what_and_which_ticket) {
    EXPECT_EQ(describe_request(request(false)),
              "Tina Example asks to see your screen for ticket LL-000042 \"Printer jams\"");
    EXPECT_EQ(describe_request(request(false, v1::CONTROL)),
              "Tina Example asks to see and control your screen for ticket LL-000042 \"Printer jams\"");
    EXPECT_EQ(describe_request(request(false, v1::CONTROL, true)),
              "Tina Example asks to take control of your screen (they can already see it) for ticket LL-000042 "
              "\"Printer jams\"");
}

TEST(Consent, policies_parse_by_name_only) {
    EXPECT_EQ(parse_consent_policy("ask").value(), ConsentPolicy::ask);
    EXPECT_EQ(parse_consent_policy("deny").value(), ConsentPolicy::deny);
    EXPECT_EQ(parse_consent_policy("unattended").value(), ConsentPolicy::unattended);
    EXPECT_FALSE(parse_consent_policy("Ask"));
    EXPECT_FALSE(parse_consent_policy(""));
    EXPECT_EQ(consent_policy_name(ConsentPolicy::unattended), "unattended");
}

}  // namespace
}  // namespace lifeline::agent
