// helpdesk.toml -> HelpdeskPolicy, with errors that name the key and the line.
#include "relay/app/helpdesk_config.hpp"

#include "relay/helpdesk/ticket_rules.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace lifeline::relay::app {

using core::Errc;
using core::make_error;
using helpdesk::HelpdeskPolicy;

namespace {

constexpr const char* kWeekdays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

core::Error bad_key(const std::string& source, const std::string& key, const std::string& why,
                    const toml::node* node = nullptr) {
    std::string line;
    if (node && node->source().begin) line = " (line " + std::to_string(node->source().begin.line) + ")";
    return make_error(Errc::invalid_argument, source + ": " + key + ": " + why + line);
}

std::optional<int> parse_clock(std::string_view text) {
    int hours = 0, minutes = 0;
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    auto h = std::from_chars(text.data(), text.data() + 2, hours);
    auto m = std::from_chars(text.data() + 3, text.data() + 5, minutes);
    if (h.ec != std::errc() || m.ec != std::errc() || h.ptr != text.data() + 2 || m.ptr != text.data() + 5) {
        return std::nullopt;
    }
    if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) return std::nullopt;
    return hours * 60 + minutes;
}

// "08:00-12:00,13:00-17:00", or "" / "closed".
core::Result<std::vector<std::pair<int, int>>> parse_hours(std::string_view text) {
    std::vector<std::pair<int, int>> out;
    if (text.empty() || text == "closed") return out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = std::min(text.find(',', start), text.size());
        auto range = text.substr(start, end - start);
        auto dash = range.find('-');
        auto from = dash == std::string_view::npos ? std::nullopt : parse_clock(range.substr(0, dash));
        auto to = dash == std::string_view::npos ? std::nullopt : parse_clock(range.substr(dash + 1));
        if (!from || !to || *to <= *from || (!out.empty() && *from < out.back().second)) {
            return make_error(Errc::invalid_argument,
                              "'" + std::string(range) + "' is not HH:MM-HH:MM (ranges ascending, not overlapping)");
        }
        out.emplace_back(*from, *to);
        start = end + 1;
    }
    return out;
}

std::optional<std::chrono::sys_days> parse_date(std::string_view text) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    if (std::from_chars(text.data(), text.data() + 4, y).ec != std::errc() ||
        std::from_chars(text.data() + 5, text.data() + 7, m).ec != std::errc() ||
        std::from_chars(text.data() + 8, text.data() + 10, d).ec != std::errc()) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days(date);
}

bool group_name_ok(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

// Reads the table's keys, refusing any not in `allowed`.
class Reader {
public:
    Reader(const toml::table& table, std::string prefix, const std::string& source)
        : table_(table), prefix_(std::move(prefix)), source_(source) {}

    core::Result<void> only(std::initializer_list<std::string_view> allowed) const {
        for (const auto& [name, node] : table_) {
            if (std::find(allowed.begin(), allowed.end(), name.str()) == allowed.end()) {
                return bad_key(source_, key(name.str()), "unknown key", &node);
            }
        }
        return {};
    }
    core::Result<std::optional<std::string>> text(std::string_view name, std::size_t max = 200) const {
        const toml::node* node = table_.get(name);
        if (!node) return std::optional<std::string>{};
        auto value = node->value_exact<std::string>();
        if (!value) return bad_key(source_, key(name), "must be a string", node);
        if (value->size() > max) return bad_key(source_, key(name), "is too long", node);
        return value;
    }
    core::Result<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min, std::int64_t max) const {
        const toml::node* node = table_.get(name);
        if (!node) return std::optional<std::int64_t>{};
        auto value = node->value_exact<std::int64_t>();
        if (!value) return bad_key(source_, key(name), "must be an integer", node);
        if (*value < min || *value > max) {
            return bad_key(source_, key(name), "must be from " + std::to_string(min) + " to " + std::to_string(max),
                           node);
        }
        return value;
    }
    core::Error error(std::string_view name, const std::string& why) const {
        return bad_key(source_, key(name), why, table_.get(name));
    }

private:
    std::string key(std::string_view name) const { return prefix_ + std::string(name); }

    const toml::table& table_;
    std::string prefix_;
    const std::string& source_;
};

// Unwraps a Result into `out`, or returns its error from the enclosing function.
#define LIFELINE_TRY(out, expression)               \
    auto out##_result = (expression);               \
    if (!out##_result) return out##_result.error(); \
    auto out = std::move(*out##_result)

core::Result<void> read_calendar(const toml::table& table, const std::string& source, HelpdeskPolicy& policy) {
    Reader reader(table, "calendar.", source);
    if (auto ok = reader.only({"utc_offset_minutes", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                               "sunday", "holidays"});
        !ok) {
        return ok.error();
    }
    LIFELINE_TRY(offset, reader.integer("utc_offset_minutes", -14 * 60, 14 * 60));
    if (offset) policy.calendar.utc_offset = std::chrono::minutes(*offset);
    for (int day = 0; day < 7; ++day) {
        LIFELINE_TRY(hours, reader.text(kWeekdays[day]));
        if (!hours) continue;
        auto parsed = parse_hours(*hours);
        if (!parsed) return reader.error(kWeekdays[day], parsed.error().message);
        policy.calendar.hours[static_cast<std::size_t>(day)] = *parsed;
    }
    if (const toml::node* node = table.get("holidays")) {
        const auto* list = node->as_array();
        if (!list) return reader.error("holidays", "must be a list of dates (\"2026-12-25\")");
        for (const auto& entry : *list) {
            auto text = entry.value_exact<std::string>();
            auto date = text ? parse_date(*text) : std::nullopt;
            if (!date) return reader.error("holidays", "must be a list of dates (\"2026-12-25\")");
            policy.calendar.holidays.insert(*date);
        }
    }
    return {};
}

core::Result<v1::Priority> priority_of(const Reader& reader, const std::optional<std::string>& text,
                                       std::string_view key) {
    auto priority = text ? helpdesk::parse_priority(*text) : std::nullopt;
    if (!priority) return reader.error(key, "must be P1, P2, P3 or P4");
    return *priority;
}

}  // namespace

core::Result<HelpdeskPolicy> parse_helpdesk_policy(const std::string& toml_text, const std::string& source) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source);
    } catch (const toml::parse_error& e) {
        std::ostringstream message;
        message << source << " line " << e.source().begin.line << ": " << e.description();
        return make_error(Errc::invalid_argument, message.str());
    }
    HelpdeskPolicy policy = HelpdeskPolicy::defaults();
    Reader top(root, "", source);
    if (auto ok = top.only({"escalate_after_minutes", "escalate_after_seconds", "fallback_group", "at_risk_percent",
                            "calendar", "category", "sla", "route"});
        !ok) {
        return ok.error();
    }
    LIFELINE_TRY(escalate, top.integer("escalate_after_minutes", 0, 7 * 24 * 60));
    if (escalate) policy.escalate_after = std::chrono::minutes(*escalate);
    LIFELINE_TRY(escalate_seconds, top.integer("escalate_after_seconds", 0, 7 * 24 * 3600));
    if (escalate && escalate_seconds) {
        return top.error("escalate_after_seconds", "give escalate_after_minutes or escalate_after_seconds, not both");
    }
    if (escalate_seconds) policy.escalate_after = std::chrono::seconds(*escalate_seconds);
    LIFELINE_TRY(fallback, top.text("fallback_group", 64));
    if (fallback) {
        if (!fallback->empty() && !group_name_ok(*fallback)) {
            return top.error("fallback_group", "a group name is a-z, 0-9 and '-'");
        }
        policy.fallback_group = *fallback;
    }
    LIFELINE_TRY(at_risk, top.integer("at_risk_percent", 1, 99));
    if (at_risk) policy.at_risk_fraction = static_cast<double>(*at_risk) / 100.0;

    if (const toml::node* node = root.get("calendar")) {
        const auto* table = node->as_table();
        if (!table) return top.error("calendar", "must be a table ([calendar])");
        if (auto ok = read_calendar(*table, source, policy); !ok) return ok.error();
    }

    const auto each = [&](std::string_view name, auto&& read) -> core::Result<void> {
        const toml::node* node = root.get(name);
        if (!node) return {};
        const auto* list = node->as_array();
        if (!list) return top.error(name, "must be an array of tables ([[" + std::string(name) + "]])");
        int index = 0;
        for (const auto& entry : *list) {
            const auto* table = entry.as_table();
            if (!table) return top.error(name, "must be an array of tables ([[" + std::string(name) + "]])");
            Reader reader(*table, std::string(name) + "[" + std::to_string(index++) + "].", source);
            if (auto ok = read(reader); !ok) return ok.error();
        }
        return {};
    };

    std::set<std::string> category_names;
    auto categories = each("category", [&](const Reader& r) -> core::Result<void> {
        if (auto ok = r.only({"name", "group"}); !ok) return ok.error();
        LIFELINE_TRY(name, r.text("name", 64));
        LIFELINE_TRY(group, r.text("group", 64));
        if (!name || name->empty()) return r.error("name", "is required");
        if (!category_names.insert(*name).second) return r.error("name", "names a category twice");
        if (group && !group->empty() && !group_name_ok(*group))
            return r.error("group", "a group name is a-z, 0-9 and '-'");
        v1::Category category;
        category.set_name(*name);
        category.set_group(group.value_or(""));
        policy.categories.push_back(category);
        return {};
    });
    if (!categories) return categories.error();

    bool replaced_sla = false;
    auto slas = each("sla", [&](const Reader& r) -> core::Result<void> {
        if (auto ok = r.only({"priority", "category", "response_minutes", "resolution_minutes", "response_seconds",
                              "resolution_seconds", "hours"});
            !ok) {
            return ok.error();
        }
        if (!replaced_sla) policy.sla.clear();  // a file's SLA list replaces the defaults whole
        replaced_sla = true;
        helpdesk::SlaPolicy sla;
        LIFELINE_TRY(priority_text, r.text("priority", 8));
        LIFELINE_TRY(priority, priority_of(r, priority_text, "priority"));
        sla.priority = priority;
        LIFELINE_TRY(category, r.text("category", 64));
        sla.category = category.value_or("");
        // Minutes, or seconds for fine control (and for tests that cannot wait minutes).
        const auto duration = [&](const char* minutes_key,
                                  const char* seconds_key) -> core::Result<std::optional<std::chrono::seconds>> {
            LIFELINE_TRY(minutes, r.integer(minutes_key, 1, 365 * 24 * 60));
            LIFELINE_TRY(seconds, r.integer(seconds_key, 1, 365 * 24 * 3600));
            if (minutes && seconds)
                return r.error(seconds_key, std::string("give ") + minutes_key + " or " + seconds_key);
            if (minutes) return std::optional<std::chrono::seconds>(std::chrono::minutes(*minutes));
            if (seconds) return std::optional<std::chrono::seconds>(std::chrono::seconds(*seconds));
            return std::optional<std::chrono::seconds>{};
        };
        LIFELINE_TRY(response, duration("response_minutes", "response_seconds"));
        LIFELINE_TRY(resolution, duration("resolution_minutes", "resolution_seconds"));
        if (!response || !resolution) {
            return r.error("response_minutes", "response_minutes and resolution_minutes are required");
        }
        if (*resolution < *response) return r.error("resolution_minutes", "must not be shorter than response_minutes");
        sla.response = *response;
        sla.resolution = *resolution;
        LIFELINE_TRY(hours, r.text("hours", 16));
        if (hours && *hours != "business" && *hours != "always")
            return r.error("hours", "must be \"business\" or \"always\"");
        sla.business_hours = hours.value_or("business") == "business";
        policy.sla.push_back(sla);
        return {};
    });
    if (!slas) return slas.error();

    auto routes = each("route", [&](const Reader& r) -> core::Result<void> {
        if (auto ok = r.only({"name", "category", "device_group", "subject_keyword", "requester", "group", "priority"});
            !ok) {
            return ok.error();
        }
        helpdesk::RoutingRule rule;
        LIFELINE_TRY(name, r.text("name", 64));
        if (!name || name->empty()) return r.error("name", "is required");
        rule.name = *name;
        LIFELINE_TRY(category, r.text("category", 64));
        LIFELINE_TRY(device_group, r.text("device_group", 64));
        LIFELINE_TRY(keyword, r.text("subject_keyword", 64));
        LIFELINE_TRY(requester, r.text("requester", 200));
        LIFELINE_TRY(group, r.text("group", 64));
        LIFELINE_TRY(priority, r.text("priority", 8));
        rule.category = category.value_or("");
        rule.device_group = device_group.value_or("");
        rule.subject_keyword = keyword.value_or("");
        rule.requester = requester.value_or("");
        rule.group = group.value_or("");
        if (!rule.group.empty() && !group_name_ok(rule.group))
            return r.error("group", "a group name is a-z, 0-9 and '-'");
        if (priority) {
            LIFELINE_TRY(parsed, priority_of(r, priority, "priority"));
            rule.priority = parsed;
        }
        if (rule.group.empty() && !rule.priority) return r.error("group", "a rule sets a group, a priority or both");
        policy.rules.push_back(rule);
        return {};
    });
    if (!routes) return routes.error();
    return policy;
}

#undef LIFELINE_TRY

core::Result<HelpdeskPolicy> load_helpdesk_policy(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_helpdesk_policy(text.str(), path);
}

std::string default_helpdesk_text() {
    return R"toml(# The helpdesk's rules: categories, routing, SLA targets, business hours and escalation.
# Every key is optional; without a key the value shown applies. Changes apply on restart.

# A ticket nobody claimed, or still open at tier 1, moves to the next staffed tier of its group after
# this much working time (0: never automatically). When no higher tier exists it goes to the
# fallback group.
# escalate_after_minutes = 15     # or escalate_after_seconds
# fallback_group = ""
# An SLA target is "at risk" from this share of its time on.
# at_risk_percent = 80

# Working hours, for SLA clocks with hours = "business" and the escalation timer.
[calendar]
# utc_offset_minutes = 0
# monday = "08:00-18:00"      # several ranges: "08:00-12:00,13:00-17:00"; none: "closed"
# tuesday = "08:00-18:00"
# wednesday = "08:00-18:00"
# thursday = "08:00-18:00"
# friday = "08:00-18:00"
# saturday = "closed"
# sunday = "closed"
# holidays = ["2026-12-25", "2026-12-26"]

# Categories offered in Get help, and the group each goes to.
# [[category]]
# name = "Printing"
# group = "service-desk"

# SLA targets per priority, optionally per category (an exact category match wins). A file that
# lists any [[sla]] replaces these defaults whole:
#   P1: response 15 min, resolution 4 h, around the clock
#   P2: 1 h / 8 h, P3: 4 h / 30 h, P4: 8 h / 50 h of business hours
# [[sla]]
# priority = "P1"
# category = ""
# response_minutes = 15
# resolution_minutes = 240     # or response_seconds / resolution_seconds
# hours = "always"             # or "business"

# Routing rules, first match wins: every condition given must hold. A rule sets the group, raises
# the priority, or both.
# [[route]]
# name = "vip"
# requester = "Jane Doe"       # also: category, device_group, subject_keyword
# group = "vip-desk"
# priority = "P2"
)toml";
}

}  // namespace lifeline::relay::app
