// The store: one connection to SQLite (the embedded default: WAL, a busy
// timeout, foreign keys) or to PostgreSQL (through libpq, opened on first
// use), with versioned migrations, behind a small statement/transaction
// wrapper so that no other module calls sqlite3_* or PQ* directly. A
// Database is not thread-safe: use one per thread.
//
// Where the store lives is one string, carried as a path: a file path means
// SQLite, a postgresql:// or postgres:// URL means PostgreSQL
// (`[store] url`, MEGAROUTER_DATABASE_URL). SQL is written once, with `?`
// (or `?N`) placeholders, in the dialect both engines share; the PostgreSQL
// backend numbers the placeholders ($N) itself.
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

namespace megarouter::store {

// A value to bind: NULL, integer, real or text.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

namespace detail {
class Cursor;
class Connection;
} // namespace detail

enum class Backend { sqlite, postgresql };

class Statement {
public:
    Statement();
    explicit Statement(std::unique_ptr<detail::Cursor> cursor);
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

    // Columns of the current row. A boolean column reads as 0 or 1.
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;
    int column_count() const;

private:
    std::unique_ptr<detail::Cursor> m_cursor;
};

enum class OpenMode { read_write_create, read_only };

class Database {
public:
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    Database(const Database&) = delete;
    ~Database();

    // Opens the store at `location` and runs pending migrations.
    // A file: created when allowed, its folder 0700, the file 0600, WAL,
    // busy timeout 5 s, foreign keys on. A PostgreSQL URL: connects (5 s
    // timeout unless the URL says otherwise); an unreachable server fails
    // with `unavailable`, naming the server without its password. Fails with
    // storage, including for a store written by a newer megarouter (it
    // names both schema versions).
    static Result<Database> open(const std::filesystem::path& location,
                                 OpenMode mode = OpenMode::read_write_create);
    // A private in-memory SQLite database with all migrations applied (tests).
    static Result<Database> open_memory();

    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);

    // Runs `body` inside a write transaction and commits; rolls back when it
    // fails. Write transactions are serialised as SQLite serialises them
    // (BEGIN IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock),
    // so read-then-write bodies behave alike on both engines.
    template <typename F>
    Result<void> transaction(F&& body) {
        if (auto begun = begin_write(); !begun) return begun;
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
    // Starts a read transaction that sees one consistent state until COMMIT.
    Result<void> begin_read();

    std::int64_t last_insert_id() const;
    // Rows changed by the last statement run.
    int changes() const;
    bool has_table(std::string_view name);
    Backend backend() const;
    // The highest migration version applied to this database.
    int schema_version() const { return m_schema_version; }
    // Where the store is: a file path or a PostgreSQL URL.
    const std::filesystem::path& file() const { return m_file; }

private:
    Database();
    Result<void> begin_write();
    Result<void> migrate();

    std::unique_ptr<detail::Connection> m_connection;
    std::filesystem::path m_file;
    int m_schema_version = 0;
};

// A schema step. Versions need not be contiguous; each is applied once, in
// ascending order, inside a transaction. Each backend has its own list with
// the same versions and names, producing the same tables, columns, keys and
// indexes (tests/unit/store/schema_parity_test.cpp compares them).
struct Migration {
    int version;
    const char* name;
    const char* sql;
};

// Every migration the binary knows, ascending by version.
std::span<const Migration> migrations();
std::span<const Migration> postgres_migrations();

} // namespace megarouter::store
