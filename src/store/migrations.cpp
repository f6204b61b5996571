#include "megarouter/store/database.hpp"

// Every schema step of the store, in one list. Each module owns a range of
// versions so that work on different modules does not collide:
//   1-9 core, 10-19 prompt log, 20-39 governance, 40-49 ledger, 50-59 alerts.
// SQL is kept to what SQLite and PostgreSQL share where practical.

namespace megarouter::store {

namespace {

constexpr Migration k_migrations[] = {
    {1, "settings",
     "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
};

} // namespace

std::span<const Migration> migrations() { return k_migrations; }

} // namespace megarouter::store
