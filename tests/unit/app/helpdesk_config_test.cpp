// helpdesk.toml: the embedded defaults, a full file, and errors that name the key and line.
#include "relay/app/helpdesk_config.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::app {
namespace {

using namespace std::chrono_literals;

TEST(HelpdeskConfig, the_default_file_parses_to_the_defaults) {
    auto policy = parse_helpdesk_policy(default_helpdesk_text(), "helpdesk.toml");
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->escalate_after, 15min);
    EXPECT_TRUE(policy->categories.empty());
    ASSERT_EQ(policy->sla.size(), 4u);
    EXPECT_EQ(policy->sla[0].priority, v1::P1);
    EXPECT_FALSE(policy->sla[0].business_hours);
    EXPECT_EQ(policy->calendar.hours[0], (std::vector<std::pair<int, int>>{{8 * 60, 18 * 60}}));
    EXPECT_TRUE(policy->calendar.hours[5].empty());
}

TEST(HelpdeskConfig, reads_categories_rules_sla_and_the_calendar) {
    auto policy = parse_helpdesk_policy(R"(
escalate_after_minutes = 20
fallback_group = "service-desk"
at_risk_percent = 75

[calendar]
utc_offset_minutes = 60
monday = "08:00-12:00,13:00-17:00"
saturday = "09:00-12:00"
holidays = ["2026-12-25"]

[[category]]
name = "Printing"
group = "office-it"

[[sla]]
priority = "P2"
response_minutes = 30
resolution_minutes = 240
hours = "always"

[[route]]
name = "vip"
requester = "Jane Doe"
priority = "P1"
)",
                                        "test.toml");
    ASSERT_TRUE(policy) << policy.error().message;
    EXPECT_EQ(policy->escalate_after, 20min);
    EXPECT_EQ(policy->fallback_group, "service-desk");
    EXPECT_DOUBLE_EQ(policy->at_risk_fraction, 0.75);
    EXPECT_EQ(policy->calendar.utc_offset, 60min);
    EXPECT_EQ(policy->calendar.hours[0], (std::vector<std::pair<int, int>>{{480, 720}, {780, 1020}}));
    EXPECT_EQ(policy->calendar.hours[5], (std::vector<std::pair<int, int>>{{540, 720}}));
    EXPECT_EQ(policy->calendar.holidays.size(), 1u);
    ASSERT_EQ(policy->categories.size(), 1u);
    EXPECT_EQ(policy->categories[0].group(), "office-it");
    ASSERT_EQ(policy->sla.size(), 1u);  // a file's SLA list replaces the defaults
    EXPECT_EQ(policy->sla[0].response, 30min);
    ASSERT_EQ(policy->rules.size(), 1u);
    EXPECT_EQ(policy->rules[0].priority, v1::P1);
}

TEST(HelpdeskConfig, errors_name_the_key) {
    struct Case {
        const char* text;
        const char* names;
    };
    const Case cases[] = {
        {"escalate_after = 3", "escalate_after: unknown key"},
        {"at_risk_percent = 100", "at_risk_percent: must be from 1 to 99"},
        {"[calendar]\nmonday = \"18:00-08:00\"", "calendar.monday"},
        {"[calendar]\nholidays = [\"2026-02-30\"]", "calendar.holidays"},
        {"[[sla]]\npriority = \"P9\"\nresponse_minutes = 1\nresolution_minutes = 2", "sla[0].priority"},
        {"[[sla]]\npriority = \"P1\"\nresponse_minutes = 10\nresolution_minutes = 5", "sla[0].resolution_minutes"},
        {"[[route]]\nname = \"x\"", "route[0].group: a rule sets"},
        {"[[category]]\nname = \"A\"\ngroup = \"Bad Name\"", "category[0].group"},
        {"[[category]]\nname = \"A\"\n[[category]]\nname = \"A\"", "category[1].name"},
        {"fallback_group = 3", "fallback_group: must be a string"},
        {"this is not toml", "test.toml line 1"},
    };
    for (const auto& c : cases) {
        auto policy = parse_helpdesk_policy(c.text, "test.toml");
        ASSERT_FALSE(policy) << c.text;
        EXPECT_NE(policy.error().message.find(c.names), std::string::npos) << policy.error().message;
    }
}

}  // namespace
}  // namespace lifeline::relay::app
