// The SQLite store: one connection with WAL, a busy timeout, foreign keys and
// versioned migrations, behind a small statement/transaction wrapper so that
// no other module calls sqlite3_* directly. A Database is not thread-safe:
// use one per thread (WAL lets them read and write side by side).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "megarouter/core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace megarouter::store {

// A value to bind: NULL, integer, real or text.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class Statement {
public:
    Statement() = default;
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    Statement(const Statement&) = delete;
    ~Statement();

    // Binds positional parameters (1-based). Returns *this for chaining.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, std::nullptr_t);
    Statement& bind(int index, const Value& value);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, nullptr);
    }
    // Binds all arguments in order, starting at 1.
    template <typename... Args>
    Statement& bind_all(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // Advances: true when a row is available, false when done. Fails with storage.
    Result<bool> step();
    // Runs to completion, ignoring rows.
    Result<void> run();
    // Makes the statement reusable (bindings are kept until rebound).
    void reset();

    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    int column_count() const;

private:
    friend class Database;
    sqlite3_stmt* m_stmt = nullptr;
    sqlite3* m_db = nullptr;
};

enum class OpenMode { read_write_create, read_only };

class Database {
public:
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    Database(const Database&) = delete;
    ~Database();

    // Opens (creating when allowed) the file: its folder 0700, the file 0600,
    // WAL, busy timeout 5 s, foreign keys on, and runs pending migrations.
    // Fails with storage, including for a database written by a newer
    // megarouter (it names both schema versions).
    static Result<Database> open(const std::filesystem::path& file, OpenMode mode = OpenMode::read_write_create);
    // A private in-memory database with all migrations applied (tests).
    static Result<Database> open_memory();

    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);

    // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
    template <typename F>
    Result<void> transaction(F&& body) {
        if (auto begun = exec("BEGIN IMMEDIATE"); !begun) return begun;
        Result<void> outcome = body();
        if (!outcome) {
            (void)exec("ROLLBACK");
            return outcome;
        }
        if (auto committed = exec("COMMIT"); !committed) {
            (void)exec("ROLLBACK");
            return committed;
        }
        return {};
    }

    std::int64_t last_insert_id() const;
    int changes() const;
    // The highest migration version applied to this database.
    int schema_version() const { return m_schema_version; }
    const std::filesystem::path& file() const { return m_file; }

private:
    Database() = default;
    Result<void> configure();
    Result<void> migrate();
    Error storage_error(std::string_view what) const;

    sqlite3* m_db = nullptr;
    std::filesystem::path m_file;
    int m_schema_version = 0;
};

// A schema step. Versions need not be contiguous; each is applied once, in
// ascending order, inside a transaction.
struct Migration {
    int version;
    const char* name;
    const char* sql;
};

// Every migration the binary knows, ascending by version.
std::span<const Migration> migrations();

} // namespace megarouter::store
