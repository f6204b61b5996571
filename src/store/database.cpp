#include "megarouter/store/database.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

#include "backend.hpp"
#include "megarouter/core/database_location.hpp"

namespace megarouter::store {

// ---- Statement ----------------------------------------------------------

Statement::Statement() = default;
Statement::Statement(std::unique_ptr<detail::Cursor> cursor) : m_cursor(std::move(cursor)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::bind(int index, std::int64_t value) {
    m_cursor->bind_int(index, value);
    return *this;
}
Statement& Statement::bind(int index, double value) {
    m_cursor->bind_real(index, value);
    return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
    m_cursor->bind_text(index, text);
    return *this;
}
Statement& Statement::bind(int index, std::nullptr_t) {
    m_cursor->bind_null(index);
    return *this;
}
Statement& Statement::bind(int index, const Value& value) {
    std::visit([&](const auto& v) { bind(index, v); }, value);
    return *this;
}

Result<bool> Statement::step() { return m_cursor->step(); }

Result<void> Statement::run() {
    while (true) {
        auto row = step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
    }
}

void Statement::reset() { m_cursor->reset(); }
std::int64_t Statement::int64(int column) const { return m_cursor->int64(column); }
double Statement::real(int column) const { return m_cursor->real(column); }
std::string Statement::text(int column) const { return m_cursor->text(column); }
bool Statement::is_null(int column) const { return m_cursor->is_null(column); }
int Statement::column_count() const { return m_cursor->column_count(); }

// ---- Database -------------------------------------------------------------

Database::Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Result<Database> Database::open(const std::filesystem::path& location, OpenMode mode) {
    Database db;
    db.m_file = location;
    auto connection = core::is_postgres_url(location.native()) ? detail::open_postgres(location.native())
                                                          : detail::open_sqlite(location, mode);
    if (!connection) return std::unexpected(connection.error());
    db.m_connection = std::move(*connection);
    if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
    return db;
}

Result<Database> Database::open_memory() {
    Database db;
    db.m_file = ":memory:";
    auto connection = detail::open_sqlite_memory();
    if (!connection) return std::unexpected(connection.error());
    db.m_connection = std::move(*connection);
    if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
    return db;
}

Result<void> Database::exec(std::string_view sql) { return m_connection->exec(sql); }

Result<Statement> Database::prepare(std::string_view sql) {
    auto cursor = m_connection->prepare(sql);
    if (!cursor) return std::unexpected(cursor.error());
    return Statement(std::move(*cursor));
}

Result<void> Database::begin_write() { return m_connection->begin_write(); }
Result<void> Database::begin_read() { return m_connection->begin_read(); }
std::int64_t Database::last_insert_id() const { return m_connection->last_insert_id(); }
int Database::changes() const { return m_connection->changes(); }
Backend Database::backend() const { return m_connection->backend(); }

bool Database::has_table(std::string_view name) {
    auto found = m_connection->has_table(name);
    return found && *found;
}

namespace {

std::string utc_now_text() {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

} // namespace

Result<void> Database::migrate() {
    const bool postgres = backend() == Backend::postgresql;
    std::span<const Migration> steps = postgres ? postgres_migrations() : migrations();
    // PostgreSQL: under the write lock, so gateways starting together create it
    // once. SQLite needs no lock for it (and every CLI command opens the
    // store: a no-op CREATE must not wait behind a running gateway's commit).
    auto create = [&] {
        return exec(postgres ? "CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                             : "CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    };
    if (auto created = postgres ? transaction(create) : create(); !created) return created;
    auto applied = prepare("SELECT version FROM schema_migrations ORDER BY version");
    if (!applied) return std::unexpected(applied.error());
    std::vector<int> done;
    while (true) {
        auto row = applied->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        done.push_back(static_cast<int>(applied->int64(0)));
    }
    int known = 0;
    for (const Migration& m : steps) known = std::max(known, m.version);
    int newest = done.empty() ? 0 : done.back();
    if (newest > known)
        return fail(ErrorCode::storage, "database " + core::printable_location(m_file.native()) + " has schema version " +
                                            std::to_string(newest) + " but this megarouter knows only up to " +
                                            std::to_string(known) + "; upgrade megarouter");
    for (const Migration& m : steps) {
        if (std::find(done.begin(), done.end(), m.version) != done.end()) continue;
        auto step = transaction([&]() -> Result<void> {
            // Another process may have applied it while this one waited for the lock.
            auto again = prepare("SELECT COUNT(*) FROM schema_migrations WHERE version = ?");
            if (!again) return std::unexpected(again.error());
            again->bind(1, static_cast<std::int64_t>(m.version));
            if (auto row = again->step(); !row) return std::unexpected(row.error());
            bool applied_meanwhile = again->int64(0) > 0;
            again = Statement{}; // finished: a pending statement would keep SQLite from dropping tables
            if (applied_meanwhile) return {};
            if (auto r = exec(m.sql); !r)
                return fail(ErrorCode::storage, "migration " + std::to_string(m.version) + " (" + m.name +
                                                    ") failed: " + r.error().message);
            auto insert = prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)");
            if (!insert) return std::unexpected(insert.error());
            insert->bind_all(static_cast<std::int64_t>(m.version), std::string(m.name), utc_now_text());
            return insert->run();
        });
        if (!step) return step;
    }
    m_schema_version = std::max(newest, known);
    return {};
}

} // namespace megarouter::store
