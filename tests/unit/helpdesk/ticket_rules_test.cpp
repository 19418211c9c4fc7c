// The ticket state machine, ITIL priority matrix and ticket numbering.
#include "relay/helpdesk/ticket_rules.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::helpdesk {
namespace {

using T = v1::Ticket;

TEST(TicketStatus, follows_the_documented_life_cycle) {
    EXPECT_TRUE(status_transition_allowed(T::NEW, T::OPEN));
    EXPECT_TRUE(status_transition_allowed(T::OPEN, T::PENDING));
    EXPECT_TRUE(status_transition_allowed(T::PENDING, T::OPEN));
    EXPECT_TRUE(status_transition_allowed(T::PENDING, T::RESOLVED));
    EXPECT_TRUE(status_transition_allowed(T::OPEN, T::RESOLVED));
    EXPECT_TRUE(status_transition_allowed(T::RESOLVED, T::CLOSED));
    EXPECT_TRUE(status_transition_allowed(T::RESOLVED, T::OPEN));  // reopen
}

TEST(TicketStatus, refuses_skipping_back_and_leaving_closed) {
    EXPECT_FALSE(status_transition_allowed(T::NEW, T::CLOSED));
    EXPECT_FALSE(status_transition_allowed(T::OPEN, T::NEW));
    EXPECT_FALSE(status_transition_allowed(T::OPEN, T::CLOSED));
    EXPECT_FALSE(status_transition_allowed(T::OPEN, T::OPEN));
    for (auto to : {T::NEW, T::OPEN, T::PENDING, T::RESOLVED, T::CLOSED}) {
        EXPECT_FALSE(status_transition_allowed(T::CLOSED, to));
    }
}

TEST(TicketStatus, illegal_move_is_a_conflict_naming_both_states) {
    auto result = check_status_transition(T::CLOSED, T::OPEN);
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().code, core::Errc::conflict);
    EXPECT_NE(result.error().message.find("closed"), std::string::npos);
    EXPECT_NE(result.error().message.find("open"), std::string::npos);
    auto unknown = check_status_transition(T::NEW, static_cast<T::Status>(42));
    ASSERT_TRUE(unknown.has_error());
    EXPECT_EQ(unknown.error().code, core::Errc::invalid_argument);
}

TEST(TicketStatus, names_round_trip_in_either_case) {
    for (auto s : {T::NEW, T::OPEN, T::PENDING, T::RESOLVED, T::CLOSED}) {
        EXPECT_EQ(parse_status(status_name(s)), s);
    }
    EXPECT_EQ(parse_status("PENDING"), T::PENDING);
    EXPECT_EQ(parse_status("opened"), std::nullopt);
    EXPECT_EQ(parse_status(""), std::nullopt);
}

TEST(Priority, matrix_follows_itil) {
    EXPECT_EQ(derive_priority(v1::HIGH, v1::HIGH), v1::P1);
    EXPECT_EQ(derive_priority(v1::HIGH, v1::MEDIUM), v1::P2);
    EXPECT_EQ(derive_priority(v1::MEDIUM, v1::HIGH), v1::P2);
    EXPECT_EQ(derive_priority(v1::HIGH, v1::LOW), v1::P3);
    EXPECT_EQ(derive_priority(v1::MEDIUM, v1::MEDIUM), v1::P3);
    EXPECT_EQ(derive_priority(v1::LOW, v1::HIGH), v1::P3);
    EXPECT_EQ(derive_priority(v1::MEDIUM, v1::LOW), v1::P4);
    EXPECT_EQ(derive_priority(v1::LOW, v1::LOW), v1::P4);
    // Unspecified axes count as medium.
    EXPECT_EQ(derive_priority(v1::LEVEL_UNSPECIFIED, v1::LEVEL_UNSPECIFIED), v1::P3);
}

TEST(Priority, parses_only_p1_to_p4) {
    EXPECT_EQ(parse_priority("P1"), v1::P1);
    EXPECT_EQ(parse_priority("p4"), v1::P4);
    EXPECT_EQ(parse_priority("P5"), std::nullopt);
    EXPECT_EQ(parse_priority("P0"), std::nullopt);
    EXPECT_EQ(parse_priority("1"), std::nullopt);
}

TEST(TicketNumber, is_padded_to_six_digits_and_grows_past_them) {
    EXPECT_EQ(format_ticket_number(1), "LL-000001");
    EXPECT_EQ(format_ticket_number(123), "LL-000123");
    EXPECT_EQ(format_ticket_number(999999), "LL-999999");
    EXPECT_EQ(format_ticket_number(1234567), "LL-1234567");
}

TEST(TicketNumber, parses_only_the_canonical_spelling) {
    EXPECT_EQ(parse_ticket_number("LL-000123"), 123);
    EXPECT_EQ(parse_ticket_number("LL-1234567"), 1234567);
    EXPECT_EQ(parse_ticket_number("LL-0000123"), std::nullopt);  // would alias LL-000123
    EXPECT_EQ(parse_ticket_number("LL-000000"), std::nullopt);
    EXPECT_EQ(parse_ticket_number("ll-000123"), std::nullopt);
    EXPECT_EQ(parse_ticket_number("LL-00012a"), std::nullopt);
    EXPECT_EQ(parse_ticket_number("LL--00123"), std::nullopt);
    EXPECT_EQ(parse_ticket_number("123"), std::nullopt);
    EXPECT_EQ(parse_ticket_number("LL-99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace lifeline::relay::helpdesk
