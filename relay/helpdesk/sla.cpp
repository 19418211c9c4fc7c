// Business-time arithmetic and SLA evaluation.
#include "relay/helpdesk/sla.hpp"

#include <algorithm>

namespace lifeline::relay::helpdesk {

namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

// Monday = 0 .. Sunday = 6.
unsigned weekday_index(sys_days day) { return (std::chrono::weekday(day).c_encoding() + 6) % 7; }

// The working intervals of one local day, as UTC instants.
std::vector<std::pair<core::SystemTime, core::SystemTime>> working_intervals(const BusinessCalendar& calendar,
                                                                             sys_days local_day) {
    std::vector<std::pair<core::SystemTime, core::SystemTime>> out;
    if (calendar.holidays.count(local_day)) return out;
    core::SystemTime midnight_utc = core::SystemTime(local_day.time_since_epoch()) - calendar.utc_offset;
    for (auto [start, end] : calendar.hours[weekday_index(local_day)]) {
        out.emplace_back(midnight_utc + minutes(start), midnight_utc + minutes(end));
    }
    return out;
}

sys_days local_day_of(const BusinessCalendar& calendar, core::SystemTime t) {
    return std::chrono::floor<days>(t + calendar.utc_offset);
}

bool has_working_time(const BusinessCalendar& calendar) {
    return std::any_of(calendar.hours.begin(), calendar.hours.end(), [](const auto& h) { return !h.empty(); });
}

// Bounds a walk over days: a calendar whose holidays cover years would otherwise loop for long.
constexpr int kMaxDays = 3 * 366;

// Working time inside [from, to) at the clock's full precision.
core::SystemTime::duration business_duration_between(const BusinessCalendar& calendar, core::SystemTime from,
                                                     core::SystemTime to) {
    core::SystemTime::duration total{0};
    if (to <= from) return total;
    sys_days last = local_day_of(calendar, to);
    int walked = 0;
    for (sys_days day = local_day_of(calendar, from); day <= last && walked < kMaxDays; day += days(1), ++walked) {
        for (auto [start, end] : working_intervals(calendar, day)) {
            auto a = std::max(start, from);
            auto b = std::min(end, to);
            if (b > a) total += b - a;
        }
    }
    return total;
}

core::SystemTime add_business_duration(const BusinessCalendar& calendar, core::SystemTime start,
                                       core::SystemTime::duration left) {
    if (!has_working_time(calendar)) return core::SystemTime::max();
    sys_days day = local_day_of(calendar, start);
    for (int walked = 0; walked < kMaxDays; day += days(1), ++walked) {
        for (auto [interval_start, interval_end] : working_intervals(calendar, day)) {
            auto a = std::max(interval_start, start);
            if (interval_end <= a) continue;
            if (left <= interval_end - a) return a + left;
            left -= interval_end - a;
        }
    }
    return core::SystemTime::max();  // no working time within three years: never due
}

}  // namespace

BusinessCalendar BusinessCalendar::office_hours(minutes utc_offset) {
    BusinessCalendar c;
    for (int d = 0; d < 5; ++d)
        c.hours[d] = {{8 * 60, 18 * 60}};
    c.utc_offset = utc_offset;
    return c;
}

BusinessCalendar BusinessCalendar::always() {
    BusinessCalendar c;
    for (auto& h : c.hours)
        h = {{0, 24 * 60}};
    return c;
}

seconds business_time_between(const BusinessCalendar& calendar, core::SystemTime from, core::SystemTime to) {
    return std::chrono::duration_cast<seconds>(business_duration_between(calendar, from, to));
}

core::SystemTime add_business_time(const BusinessCalendar& calendar, core::SystemTime start, seconds amount) {
    return add_business_duration(calendar, start, std::chrono::duration_cast<core::SystemTime::duration>(amount));
}

SlaStatus evaluate(const BusinessCalendar& calendar, const SlaClock& clock, core::SystemTime now,
                   double at_risk_fraction) {
    core::SystemTime until = clock.stopped ? std::min(*clock.stopped, now) : now;
    core::SystemTime::duration paused{0};
    bool paused_now = false;
    for (const auto& [from, to] : clock.pauses) {
        core::SystemTime pause_end = to ? std::min(*to, until) : until;
        paused += business_duration_between(calendar, from, pause_end);
        if (!to && !clock.stopped) paused_now = true;
    }
    SlaStatus status;
    status.consumed =
        std::chrono::duration_cast<seconds>(business_duration_between(calendar, clock.started, until) - paused);
    status.fraction = clock.target.count() > 0
                          ? static_cast<double>(status.consumed.count()) / static_cast<double>(clock.target.count())
                          : 1.0;
    bool breached = status.consumed >= clock.target;
    if (clock.stopped) {
        status.state = breached ? SlaState::breached : SlaState::met;
    } else if (breached) {
        status.state = SlaState::breached;
    } else if (paused_now) {
        status.state = SlaState::paused;
    } else {
        status.state = status.fraction >= at_risk_fraction ? SlaState::at_risk : SlaState::ok;
    }
    // Due: the target's working time plus the time paused, from the start, at full precision, so
    // evaluating again later gives the same instant (the queue sorts by it).
    if (!paused_now && !clock.stopped) {
        status.due = add_business_duration(
            calendar, clock.started, std::chrono::duration_cast<core::SystemTime::duration>(clock.target) + paused);
    }
    return status;
}

}  // namespace lifeline::relay::helpdesk
