// What each store engine implements: a connection that runs SQL and makes
// cursors, and a cursor that binds, steps and reads one statement. Database
// and Statement (store/database.hpp) hold one of each; only the two engine
// files (sqlite_backend.cpp, postgres_backend.cpp) know the C libraries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/store/database.hpp"

namespace megarouter::store::detail {

class Cursor {
public:
    virtual ~Cursor() = default;
    virtual void bind_int(int index, std::int64_t value) = 0;
    virtual void bind_real(int index, double value) = 0;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_null(int index) = 0;
    virtual Result<bool> step() = 0;
    virtual void reset() = 0;
    virtual std::int64_t int64(int column) const = 0;
    virtual double real(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual bool is_null(int column) const = 0;
    virtual int column_count() const = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    virtual Backend backend() const = 0;
    virtual Result<void> exec(std::string_view sql) = 0;
    virtual Result<std::unique_ptr<Cursor>> prepare(std::string_view sql) = 0;
    virtual Result<void> begin_write() = 0;
    virtual Result<void> begin_read() = 0;
    virtual std::int64_t last_insert_id() = 0;
    virtual int changes() const = 0;
    virtual Result<bool> has_table(std::string_view name) = 0;
};

Result<std::unique_ptr<Connection>> open_sqlite(const std::filesystem::path& file, OpenMode mode);
Result<std::unique_ptr<Connection>> open_sqlite_memory();
Result<std::unique_ptr<Connection>> open_postgres(std::string_view url);

// SQL with `?` and `?N` placeholders rewritten as PostgreSQL's `$N` (an
// unnumbered `?` takes the number after the highest so far, as in SQLite).
// Quoted strings, quoted identifiers and comments are copied unchanged.
struct NumberedSql {
    std::string text;
    int parameters = 0;          // the highest number used
    std::vector<bool> used;      // [n - 1]: whether $n appears (a gap has no type to infer)
};
NumberedSql number_placeholders(std::string_view sql);

} // namespace megarouter::store::detail
