// Numbered schema migrations for the SQLite store, tracked in PRAGMA user_version.
#pragma once

#include "relay/store/sqlite/connection.hpp"

namespace lifeline::relay::store::sqlite {

// The schema version this build writes. A database newer than this is refused.
int latest_schema_version();

// Applies every migration above the database's version, each in its own transaction.
// Throws if the database comes from a newer build.
void apply_migrations(Connection& connection);

}  // namespace lifeline::relay::store::sqlite
