// Ticket status machine, priority matrix and numbering.
#include "relay/helpdesk/ticket_rules.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace lifeline::relay::helpdesk {

using T = v1::Ticket;

bool status_transition_allowed(Status from, Status to) {
    switch (from) {
        case T::NEW: return to == T::OPEN || to == T::PENDING || to == T::RESOLVED;
        case T::OPEN: return to == T::PENDING || to == T::RESOLVED;
        case T::PENDING: return to == T::OPEN || to == T::RESOLVED;
        case T::RESOLVED: return to == T::OPEN || to == T::CLOSED;
        default: return false;
    }
}

core::Result<void> check_status_transition(Status from, Status to) {
    if (to == T::STATUS_UNSPECIFIED || !T::Status_IsValid(to)) {
        return core::make_error(core::Errc::invalid_argument, "unknown ticket status");
    }
    if (!status_transition_allowed(from, to)) {
        return core::make_error(core::Errc::conflict, "a ticket cannot move from " + std::string(status_name(from)) +
                                                          " to " + std::string(status_name(to)));
    }
    return {};
}

std::string_view status_name(Status status) {
    switch (status) {
        case T::NEW: return "new";
        case T::OPEN: return "open";
        case T::PENDING: return "pending";
        case T::RESOLVED: return "resolved";
        case T::CLOSED: return "closed";
        default: return "unspecified";
    }
}

std::optional<Status> parse_status(std::string_view name) {
    for (Status s : {T::NEW, T::OPEN, T::PENDING, T::RESOLVED, T::CLOSED}) {
        std::string_view canonical = status_name(s);
        if (name.size() != canonical.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size(); ++i) {
            same = same && std::tolower(static_cast<unsigned char>(name[i])) == canonical[i];
        }
        if (same) return s;
    }
    return std::nullopt;
}

v1::Priority derive_priority(v1::Level urgency, v1::Level impact) {
    auto rank = [](v1::Level level) {
        switch (level) {
            case v1::HIGH: return 0;
            case v1::LOW: return 2;
            default: return 1;
        }
    };
    // Rows: urgency high/medium/low; columns: impact high/medium/low.
    static constexpr std::array<std::array<v1::Priority, 3>, 3> kMatrix{{
        {v1::P1, v1::P2, v1::P3},
        {v1::P2, v1::P3, v1::P4},
        {v1::P3, v1::P4, v1::P4},
    }};
    return kMatrix[rank(urgency)][rank(impact)];
}

std::string_view priority_name(v1::Priority priority) {
    switch (priority) {
        case v1::P1: return "P1";
        case v1::P2: return "P2";
        case v1::P3: return "P3";
        case v1::P4: return "P4";
        default: return "unspecified";
    }
}

std::optional<v1::Priority> parse_priority(std::string_view name) {
    if (name.size() == 2 && (name[0] == 'P' || name[0] == 'p') && name[1] >= '1' && name[1] <= '4') {
        return static_cast<v1::Priority>(name[1] - '0');
    }
    return std::nullopt;
}

std::string format_ticket_number(std::int64_t sequence) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "LL-%06lld", static_cast<long long>(sequence));
    return buffer;
}

std::optional<std::int64_t> parse_ticket_number(std::string_view number) {
    if (number.size() < 9 || number.size() > 21 || number.substr(0, 3) != "LL-") return std::nullopt;
    std::string_view digits = number.substr(3);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value <= 0) return std::nullopt;
    // Only the canonical spelling: "LL-0000123" would alias "LL-000123".
    if (format_ticket_number(value) != number) return std::nullopt;
    return value;
}

}  // namespace lifeline::relay::helpdesk
