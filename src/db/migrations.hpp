#pragma once
#include "db/pool.hpp"

namespace astropixel::db {

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
};

// Applies every migration newer than the database's version, each in its own transaction.
// Concurrent callers (several instances starting at once) are serialised by the database.
// Errors: internal when the database is newer than this binary or a migration fails.
Result<MigrationReport> migrate(Pool& pool);

// The newest schema version this binary knows.
int latest_schema_version();

}  // namespace astropixel::db
