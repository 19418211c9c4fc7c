// The ticket's rules as plain logic: the status state machine, ITIL priority, and ticket numbers.
#pragma once

#include "lifeline.pb.h"
#include "shared/core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lifeline::relay::helpdesk {

using Status = lifeline::v1::Ticket::Status;

// new -> open -> pending -> resolved -> closed, with reopen (resolved -> open). Closed is final:
// work on a closed ticket opens a new one, so reports never see a closed ticket change.
bool status_transition_allowed(Status from, Status to);

// Checks a requested move; Errc::conflict names both states when the move is illegal.
core::Result<void> check_status_transition(Status from, Status to);

// Lower-case name used in history entries and query parameters ("new", "open", ...).
std::string_view status_name(Status status);
std::optional<Status> parse_status(std::string_view name);  // accepts "open" and "OPEN"

// ITIL's urgency x impact matrix: HIGH/HIGH = P1 ... LOW/LOW = P4. Unspecified counts as MEDIUM.
v1::Priority derive_priority(v1::Level urgency, v1::Level impact);
std::string_view priority_name(v1::Priority priority);  // "P1".."P4"
std::optional<v1::Priority> parse_priority(std::string_view name);

// "LL-000123": at least six digits, more once the count needs them.
std::string format_ticket_number(std::int64_t sequence);
// Inverse of format_ticket_number; nullopt for anything that is not a well-formed number.
std::optional<std::int64_t> parse_ticket_number(std::string_view number);

}  // namespace lifeline::relay::helpdesk
