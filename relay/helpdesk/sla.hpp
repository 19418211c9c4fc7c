// The SLA clock: business hours and holidays, paused while the ticket waits on the user, with
// due times and the ok / at risk / breached state. Plain logic over explicit times (no clock reads).
#pragma once

#include "shared/core/clock.hpp"

#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace lifeline::relay::helpdesk {

// When the helpdesk works. Times are local to a fixed UTC offset (time zones with daylight saving
// need a zone database; this is the first step).
struct BusinessCalendar {
    // Per weekday (0 = Monday .. 6 = Sunday), working intervals as [start, end) minutes after midnight.
    std::array<std::vector<std::pair<int, int>>, 7> hours;
    std::set<std::chrono::sys_days> holidays;  // local dates with no working time
    std::chrono::minutes utc_offset{0};

    // Monday to Friday, 08:00-18:00.
    static BusinessCalendar office_hours(std::chrono::minutes utc_offset = std::chrono::minutes(0));
    // Every minute counts (P1 incidents are often 24x7).
    static BusinessCalendar always();
};

// Working time inside [from, to); zero when to <= from.
std::chrono::seconds business_time_between(const BusinessCalendar& calendar, core::SystemTime from,
                                           core::SystemTime to);

// The instant at which `amount` of working time has passed since `start`.
core::SystemTime add_business_time(const BusinessCalendar& calendar, core::SystemTime start,
                                   std::chrono::seconds amount);

enum class SlaState { ok, at_risk, breached, paused, met };

// One SLA target on one ticket (first response, or resolution).
struct SlaClock {
    core::SystemTime started;
    std::chrono::seconds target;
    // Intervals the clock stood still (the ticket was pending); the last may still be open.
    std::vector<std::pair<core::SystemTime, std::optional<core::SystemTime>>> pauses;
    std::optional<core::SystemTime> stopped;  // the target was met (responded / resolved) at this time
};

struct SlaStatus {
    SlaState state = SlaState::ok;
    std::chrono::seconds consumed{0};     // working time counted so far
    std::optional<core::SystemTime> due;  // none while paused
    double fraction = 0;                  // consumed / target
};

// Where the clock stands at `now`. At risk from `at_risk_fraction` (80 %) of the target on.
SlaStatus evaluate(const BusinessCalendar& calendar, const SlaClock& clock, core::SystemTime now,
                   double at_risk_fraction = 0.8);

}  // namespace lifeline::relay::helpdesk
