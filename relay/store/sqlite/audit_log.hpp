// Appending to the audit log from inside another store's write, so the row commits (or rolls back)
// with the change it records.
#pragma once

#include "relay/store/sqlite/connection.hpp"
#include "relay/store/store.hpp"

#include <string>

namespace lifeline::relay::store::sqlite {

void append_audit(Connection& c, const Actor& actor, const AuditEvent& event, std::int64_t at_ms);

// "user:NAME" for a username, "device:ID" kept as it is: the audit actor for stores that know a name.
Actor actor_named(const std::string& name);

// A JSON object's text from string fields, for AuditEvent::details.
std::string details_json(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

}  // namespace lifeline::relay::store::sqlite
