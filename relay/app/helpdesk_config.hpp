// DATA/helpdesk.toml: categories, routing rules, SLA policies, the business calendar and the
// escalation timer (relay/helpdesk/policy.hpp). Without the file the embedded defaults apply.
#pragma once

#include "relay/helpdesk/policy.hpp"
#include "shared/core/error.hpp"

#include <string>

namespace lifeline::relay::app {

// Parses TOML text over HelpdeskPolicy::defaults(). Errors name the key and line; `source` names
// the file in them.
core::Result<helpdesk::HelpdeskPolicy> parse_helpdesk_policy(const std::string& toml_text, const std::string& source);
core::Result<helpdesk::HelpdeskPolicy> load_helpdesk_policy(const std::string& path);

// The commented file `init` writes.
std::string default_helpdesk_text();

}  // namespace lifeline::relay::app
