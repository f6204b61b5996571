// Running a test file against PostgreSQL: CTest's [pg] runs set
// MEGAROUTER_TEST_PG to the state folder of the server tests/pg/server.sh
// started (fixture "postgres"); every store the tests open is then a fresh
// database on that server instead of an SQLite file.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace pg_test {

// The state folder of the test server, or empty when this run is on SQLite.
inline std::string state() {
    const char* value = std::getenv("MEGAROUTER_TEST_PG");
    return value ? value : "";
}

inline bool enabled() { return !state().empty(); }

// The server's socket folder.
inline std::string socket_dir() {
    std::ifstream in(std::filesystem::path(state()) / "dir");
    std::string dir;
    std::getline(in, dir);
    if (dir.empty()) throw std::runtime_error("MEGAROUTER_TEST_PG is set but no server runs (tests/pg/server.sh)");
    return dir;
}

// A new, empty database on the test server; its URL.
inline std::string fresh_database() {
    std::string name = "mr_" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}());
    std::string dir = socket_dir();
    std::string command = "psql -h '" + dir + "' -U postgres -d postgres -qAtc 'CREATE DATABASE " + name + "'";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot create a test database: " + command);
    return "postgresql://postgres@/" + name + "?host=" + dir;
}

// Where a test's store goes: `file` on SQLite, a fresh database on PostgreSQL.
inline std::filesystem::path store_location(const std::filesystem::path& file) {
    return enabled() ? std::filesystem::path(fresh_database()) : file;
}

} // namespace pg_test

#include "megarouter/store/database.hpp"

namespace pg_test {

// An empty store with the schema: SQLite in memory, or a fresh PostgreSQL database.
inline megarouter::Result<megarouter::store::Database> open_empty_store() {
    if (!enabled()) return megarouter::store::Database::open_memory();
    return megarouter::store::Database::open(fresh_database());
}

} // namespace pg_test
