// The embedded engine: SQLite in WAL mode, one connection per Database.
#include <cerrno>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::store::detail {

namespace {

class SqliteCursor final : public Cursor {
public:
    SqliteCursor(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    ~SqliteCursor() override { sqlite3_finalize(m_stmt); }

    void bind_int(int index, std::int64_t value) override { sqlite3_bind_int64(m_stmt, index, value); }
    void bind_real(int index, double value) override { sqlite3_bind_double(m_stmt, index, value); }
    void bind_text(int index, std::string_view text) override {
        sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    void bind_null(int index) override { sqlite3_bind_null(m_stmt, index); }

    Result<bool> step() override {
        int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
        std::string message = std::string("database: ") + sqlite3_errmsg(m_db);
        if (rc == SQLITE_FULL) message = "database: disk full: " + std::string(sqlite3_errmsg(m_db));
        return fail(ErrorCode::storage, message, busy);
    }
    void reset() override { sqlite3_reset(m_stmt); }

    std::int64_t int64(int column) const override { return sqlite3_column_int64(m_stmt, column); }
    double real(int column) const override { return sqlite3_column_double(m_stmt, column); }
    std::string text(int column) const override {
        auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
    }
    bool is_null(int column) const override { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    int column_count() const override { return sqlite3_column_count(m_stmt); }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt;
};

class SqliteConnection final : public Connection {
public:
    explicit SqliteConnection(sqlite3* db) : m_db(db) {}
    ~SqliteConnection() override { sqlite3_close_v2(m_db); }

    Backend backend() const override { return Backend::sqlite; }

    Result<void> exec(std::string_view sql) override {
        std::string owned(sql);
        char* message = nullptr;
        int rc = sqlite3_exec(m_db, owned.c_str(), nullptr, nullptr, &message);
        if (rc == SQLITE_OK) return {};
        std::string text = message ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return fail(ErrorCode::storage, "database: " + text, rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    }

    Result<std::unique_ptr<Cursor>> prepare(std::string_view sql) override {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
            return fail(ErrorCode::storage, std::string("cannot prepare statement: ") + sqlite3_errmsg(m_db));
        return std::make_unique<SqliteCursor>(m_db, stmt);
    }

    Result<void> begin_write() override { return exec("BEGIN IMMEDIATE"); }
    Result<void> begin_read() override { return exec("BEGIN"); }
    std::int64_t last_insert_id() override { return sqlite3_last_insert_rowid(m_db); }
    int changes() const override { return sqlite3_changes(m_db); }

    Result<bool> has_table(std::string_view name) override {
        auto cursor = prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
        if (!cursor) return std::unexpected(cursor.error());
        (*cursor)->bind_text(1, name);
        auto row = (*cursor)->step();
        if (!row) return std::unexpected(row.error());
        return *row && (*cursor)->int64(0) > 0;
    }

    Result<void> configure(bool file_backed) {
        sqlite3_busy_timeout(m_db, 5000);
        // Short-lived CLI processes should not pay a WAL checkpoint (and its
        // fsyncs) on every exit; SQLite still checkpoints every 1000 pages.
        sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        if (file_backed) {
            if (auto wal = exec("PRAGMA journal_mode=WAL"); !wal) return wal;
            if (auto sync = exec("PRAGMA synchronous=NORMAL"); !sync) return sync;
        }
        return exec("PRAGMA foreign_keys=ON");
    }

private:
    sqlite3* m_db;
};

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

Result<std::unique_ptr<Connection>> finish(sqlite3* db, int rc, const std::string& what, bool file_backed) {
    if (rc != SQLITE_OK) {
        std::string message = what + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close_v2(db);
        return fail(ErrorCode::storage, message);
    }
    auto connection = std::make_unique<SqliteConnection>(db);
    if (auto configured = connection->configure(file_backed); !configured)
        return std::unexpected(configured.error());
    return connection;
}

} // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::filesystem::path& file, OpenMode mode) {
    int flags = SQLITE_OPEN_NOMUTEX;
    if (mode == OpenMode::read_write_create) {
        if (auto created = create_private_file(file); !created) return std::unexpected(created.error());
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    } else {
        flags |= SQLITE_OPEN_READONLY;
    }
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    return finish(db, rc, "cannot open " + file.string(), true);
}

Result<std::unique_ptr<Connection>> open_sqlite_memory() {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    return finish(db, rc, "cannot open in-memory database", false);
}

} // namespace megarouter::store::detail
