// Where the store lives, as one string: a file path means SQLite, a
// postgresql:// or postgres:// URL means PostgreSQL ([store] url,
// MEGAROUTER_DATABASE_URL; [database] path, MEGAROUTER_DB for a file).
#pragma once

#include <string>
#include <string_view>

namespace megarouter::core {

bool is_postgres_url(std::string_view location);
// The location as it may be printed or logged: a URL's password as "***".
std::string printable_location(std::string_view location);

} // namespace megarouter::core
