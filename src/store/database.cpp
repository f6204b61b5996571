#include "megarouter/store/database.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "megarouter/core/paths.hpp"

namespace megarouter::store {

// ---- Statement ----------------------------------------------------------

Statement::Statement(Statement&& other) noexcept : m_stmt(other.m_stmt), m_db(other.m_db) {
    other.m_stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_stmt = other.m_stmt;
        m_db = other.m_db;
        other.m_stmt = nullptr;
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}
Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int index, std::nullptr_t) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}
Statement& Statement::bind(int index, const Value& value) {
    std::visit([&](const auto& v) { bind(index, v); }, value);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    std::string message = std::string("database: ") + sqlite3_errmsg(m_db);
    if (rc == SQLITE_FULL) message = "database: disk full: " + std::string(sqlite3_errmsg(m_db));
    return fail(ErrorCode::storage, message, busy);
}

Result<void> Statement::run() {
    while (true) {
        auto row = step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
    }
}

void Statement::reset() { sqlite3_reset(m_stmt); }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }
std::string Statement::text(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}
bool Statement::is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
int Statement::column_count() const { return sqlite3_column_count(m_stmt); }

// ---- Database -------------------------------------------------------------

Database::Database(Database&& other) noexcept
    : m_db(other.m_db), m_file(std::move(other.m_file)), m_schema_version(other.m_schema_version) {
    other.m_db = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = other.m_db;
        m_file = std::move(other.m_file);
        m_schema_version = other.m_schema_version;
        other.m_db = nullptr;
    }
    return *this;
}

Database::~Database() { sqlite3_close_v2(m_db); }

Error Database::storage_error(std::string_view what) const {
    return make_error(ErrorCode::storage, std::string(what) + ": " + (m_db ? sqlite3_errmsg(m_db) : "no database"));
}

namespace {

// Creates the file with 0600 before SQLite does, so it is never readable by
// others, even for a moment.
Result<void> create_private_file(const std::filesystem::path& file) {
    if (auto dir = core::ensure_private_dir(file.parent_path().empty() ? "." : file.parent_path()); !dir)
        return dir;
    // O_EXCL: never open (and close) an existing database here. Closing any
    // descriptor of a file drops every POSIX lock this process holds on it,
    // including the locks of SQLite connections already open in this process
    // (the proxy opens several), which lets other processes write under them.
    int fd = ::open(file.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) return {};
    if (fd < 0) return fail(ErrorCode::storage, "cannot create database " + file.string());
    ::fchmod(fd, 0600);
    ::close(fd);
    return {};
}

} // namespace

Result<Database> Database::open(const std::filesystem::path& file, OpenMode mode) {
    Database db;
    db.m_file = file;
    int flags = SQLITE_OPEN_NOMUTEX;
    if (mode == OpenMode::read_write_create) {
        if (auto created = create_private_file(file); !created) return std::unexpected(created.error());
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else {
        flags |= SQLITE_OPEN_READONLY;
    }
    if (sqlite3_open_v2(file.c_str(), &db.m_db, flags, nullptr) != SQLITE_OK)
        return std::unexpected(db.storage_error("cannot open " + file.string()));
    if (auto configured = db.configure(); !configured) return std::unexpected(configured.error());
    if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
    return db;
}

Result<Database> Database::open_memory() {
    Database db;
    db.m_file = ":memory:";
    if (sqlite3_open_v2(":memory:", &db.m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
        return std::unexpected(db.storage_error("cannot open in-memory database"));
    if (auto configured = db.configure(); !configured) return std::unexpected(configured.error());
    if (auto migrated = db.migrate(); !migrated) return std::unexpected(migrated.error());
    return db;
}

Result<void> Database::configure() {
    sqlite3_busy_timeout(m_db, 5000);
    // Short-lived CLI processes should not pay a WAL checkpoint (and its
    // fsyncs) on every exit; SQLite still checkpoints every 1000 pages.
    sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    if (m_file != ":memory:") {
        if (auto wal = exec("PRAGMA journal_mode=WAL"); !wal) return wal;
        if (auto sync = exec("PRAGMA synchronous=NORMAL"); !sync) return sync;
    }
    return exec("PRAGMA foreign_keys=ON");
}

Result<void> Database::exec(std::string_view sql) {
    std::string owned(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(m_db, owned.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return fail(ErrorCode::storage, "database: " + text, rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
}

Result<Statement> Database::prepare(std::string_view sql) {
    Statement statement;
    statement.m_db = m_db;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement.m_stmt, nullptr) != SQLITE_OK)
        return std::unexpected(storage_error("cannot prepare statement"));
    return statement;
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }

Result<void> Database::migrate() {
    if (auto created = exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        !created)
        return created;
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
    for (const Migration& m : migrations()) known = std::max(known, m.version);
    int newest = done.empty() ? 0 : done.back();
    if (newest > known)
        return fail(ErrorCode::storage, "database " + m_file.string() + " has schema version " +
                                            std::to_string(newest) + " but this megarouter knows only up to " +
                                            std::to_string(known) + "; upgrade megarouter");
    for (const Migration& m : migrations()) {
        if (std::find(done.begin(), done.end(), m.version) != done.end()) continue;
        auto step = transaction([&]() -> Result<void> {
            if (auto r = exec(m.sql); !r)
                return fail(ErrorCode::storage, "migration " + std::to_string(m.version) + " (" + m.name +
                                                    ") failed: " + r.error().message);
            auto insert = prepare("INSERT INTO schema_migrations(version, name, applied_at) "
                                  "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))");
            if (!insert) return std::unexpected(insert.error());
            insert->bind_all(static_cast<std::int64_t>(m.version), std::string(m.name));
            return insert->run();
        });
        if (!step) return step;
    }
    m_schema_version = std::max(newest, known);
    return {};
}

} // namespace megarouter::store
