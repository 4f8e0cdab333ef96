#pragma once
#include <memory>
#include <string>

#include "db/connection.hpp"

namespace astropixel::db {

// Connects with a libpq URI ("postgresql://user@host:port/db?...").
// Errors: unavailable when the server cannot be reached or refuses the connection.
Result<std::unique_ptr<Connection>> open_postgres(std::string const& url, int connect_timeout_s = 5);

}  // namespace astropixel::db
