#pragma once
#include <memory>
#include <string>

#include "db/connection.hpp"

struct sqlite3;

namespace astropixel::db {

// Opens (creating if needed) a SQLite database in WAL mode with a busy timeout, foreign keys on.
// Errors: unavailable when the file cannot be opened.
Result<std::unique_ptr<Connection>> open_sqlite(std::string const& path, int busy_timeout_ms = 5000);

// Rewrites $N placeholders to SQLite's ?N outside string literals (exposed for tests).
std::string sqlite_placeholders(std::string_view sql);

}  // namespace astropixel::db
