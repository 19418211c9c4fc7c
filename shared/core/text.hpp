// Checks for free text from users and machines (subjects, descriptions, names), shared by the
// relay's API and the agent, which checks a request before queueing it.
#pragma once

#include "shared/core/error.hpp"

#include <cstddef>
#include <string_view>

namespace lifeline::core {

// At most `max` bytes of valid UTF-8 without control characters (newlines and tabs allowed where
// `multiline`). The error names `field`.
Result<void> check_text(std::string_view field, std::string_view value, std::size_t max, bool multiline);

// A chat line between a technician and a user: 1 to kMaxChatText bytes of UTF-8, not only blanks;
// newlines and tabs allowed. The agent checks before sending, the relay before storing.
inline constexpr std::size_t kMaxChatText = 4000;
Result<void> check_chat_text(std::string_view text);

// A plain mail address (local@domain.tld, at most 254 bytes, no spaces, quotes or angle brackets:
// it goes into SMTP commands and headers). Empty when `allow_empty`.
bool is_mail_address(std::string_view text);
Result<void> check_mail_address(std::string_view field, std::string_view value);  // empty allowed

}  // namespace lifeline::core
