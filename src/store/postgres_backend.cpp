// The shared engine: PostgreSQL through libpq (libpq.hpp), one connection
// per Database. Statements run with the extended protocol: parameters travel
// as text beside the SQL (never spliced into it), their types left for the
// server to infer from where they stand (as SQLite's are: `substr(x, 1, ?)`
// takes an integer, `ts >= ?` a bigint); a statement run a second
// time is prepared on the server and run by name from then on. Results are
// fetched whole, so a cursor may be left mid-way while others run, as
// SQLite allows. A dropped connection is re-established on the next call, at
// most once a second.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <vector>

#include "backend.hpp"
#include "libpq.hpp"
#include "megarouter/core/database_location.hpp"

namespace megarouter::store::detail {

namespace {

constexpr Oid k_bool_oid = 16;
constexpr Oid k_text_oid = 25;
// Every write transaction takes this transaction-scoped lock first, so
// writers queue as they do on SQLite (BEGIN IMMEDIATE): read-then-write
// bodies stay correct and upserts from several replicas cannot deadlock.
constexpr const char* k_begin_write = "BEGIN; SELECT pg_advisory_xact_lock(7164746210935402099)";

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

struct Session {
    PGconn* conn = nullptr;
    std::string where; // the URL without its password, for messages
    std::string url;
    int changes = 0;
    int next_name = 0;
    int generation = 0; // one more per re-established connection: statements prepared before it are gone
    std::chrono::steady_clock::time_point last_reset{};

    ~Session() {
        if (conn) libpq().finish(conn);
    }

    // Re-establishes a dropped connection (at most once a second).
    Result<void> ready() {
        const LibPq& pq = libpq();
        if (pq.status(conn) == CONNECTION_OK) return {};
        auto now = std::chrono::steady_clock::now();
        if (now - last_reset >= std::chrono::seconds(1)) {
            last_reset = now;
            pq.reset(conn);
            if (pq.status(conn) == CONNECTION_OK) {
                ++generation;
                configure();
                return {};
            }
        }
        return fail(ErrorCode::unavailable,
                    "PostgreSQL at " + where + " is unreachable: " + trimmed(pq.error_message(conn)), true);
    }

    // Session settings, on every (re)connection: notices ("already exists,
    // skipping") would go to stderr; and no JIT compilation, which spent
    // about 15 ms compiling each rollup query of a report (EXPLAIN ANALYZE
    // at 10M ledger rows) to save less than that.
    void configure() {
        if (PGresult* r = libpq().exec(conn, "SET client_min_messages = warning; SET jit = off")) libpq().clear(r);
    }

    // The error of a failed result (which it clears).
    Error error_of(PGresult* result, std::string_view what) const {
        const LibPq& pq = libpq();
        std::string state = result ? trimmed(pq.result_error_field(result, PG_DIAG_SQLSTATE)) : "";
        std::string message = result ? trimmed(pq.result_error_message(result)) : "";
        if (message.empty()) message = trimmed(pq.error_message(conn));
        if (result) pq.clear(result);
        if (pq.status(conn) != CONNECTION_OK)
            return make_error(ErrorCode::unavailable, "PostgreSQL at " + where + " is unreachable: " + message, true);
        // 40001 serialization, 40P01 deadlock, 55P03 lock not available, 57014 cancelled: try again.
        bool retry = state.starts_with("40") || state == "55P03" || state == "57014";
        std::string prefix = state == "53100" ? "database: disk full: " : "database: ";
        return make_error(ErrorCode::storage, prefix + std::string(what) + message, retry);
    }

    // Checks a result: kept when it succeeded, cleared and turned into an error when not.
    Result<PGresult*> check(PGresult* result, std::string_view what) {
        ExecStatusType status = result ? libpq().result_status(result) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(error_of(result, what));
        const char* count = libpq().cmd_tuples(result);
        changes = count && *count ? std::atoi(count) : 0;
        return result;
    }
};

class PgCursor final : public Cursor {
public:
    PgCursor(std::shared_ptr<Session> session, NumberedSql sql)
        : m_session(std::move(session)), m_sql(std::move(sql.text)),
          m_values(static_cast<std::size_t>(sql.parameters)) {
        // A number the SQL skips ("?1 ... ?4" without ?3) gets a type, or the server refuses it.
        for (std::size_t i = 0; i < sql.used.size(); ++i)
            if (!sql.used[i]) m_types.resize(sql.used.size(), 0), m_types[i] = k_text_oid;
    }

    ~PgCursor() override {
        clear();
        if (!m_name.empty() && m_generation == m_session->generation &&
            libpq().status(m_session->conn) == CONNECTION_OK &&
            libpq().transaction_status(m_session->conn) != PQTRANS_INERROR)
            if (PGresult* r = libpq().exec(m_session->conn, ("DEALLOCATE " + m_name).c_str())) libpq().clear(r);
    }

    void bind_int(int index, std::int64_t value) override { set(index, std::to_string(value)); }
    void bind_real(int index, double value) override {
        char text[32];
        std::snprintf(text, sizeof text, "%.17g", value);
        set(index, text);
    }
    void bind_text(int index, std::string_view text) override { set(index, std::string(text)); }
    void bind_null(int index) override {
        if (index >= 1 && index <= static_cast<int>(m_values.size())) m_values[index - 1].reset();
    }

    Result<bool> step() override {
        if (!m_result) {
            auto ran = execute();
            if (!ran) return std::unexpected(ran.error());
            m_row = -1;
        }
        ++m_row;
        return m_row < m_rows;
    }

    void reset() override { clear(); }

    std::int64_t int64(int column) const override {
        const char* v = value(column);
        if (!v) return 0;
        if (m_bool[static_cast<std::size_t>(column)]) return *v == 't' ? 1 : 0;
        // from_chars, not strtoll: a report reads hundreds of thousands of these (no locale, no errno).
        std::int64_t n = 0;
        const char* end = v + m_pq.getlength(m_result, m_row, column);
        if (auto [at, err] = std::from_chars(v, end, n); err != std::errc()) return 0;
        return n;
    }
    double real(int column) const override {
        const char* v = value(column);
        return v ? std::strtod(v, nullptr) : 0.0;
    }
    std::string text(int column) const override {
        const char* v = value(column);
        return v ? std::string(v, static_cast<std::size_t>(m_pq.getlength(m_result, m_row, column))) : std::string();
    }
    bool is_null(int column) const override { return value(column) == nullptr; }
    int column_count() const override { return m_result ? m_columns : 0; }

private:
    void set(int index, std::string text) {
        if (index < 1 || index > static_cast<int>(m_values.size())) return;
        m_values[index - 1] = std::move(text);
    }

    const char* value(int column) const {
        if (!m_result || m_row < 0 || m_row >= m_rows || column < 0 || column >= m_columns ||
            m_pq.getisnull(m_result, m_row, column))
            return nullptr;
        return m_pq.getvalue(m_result, m_row, column);
    }

    void clear() {
        if (m_result) m_pq.clear(m_result);
        m_result = nullptr;
        m_rows = m_columns = 0;
        m_row = -1;
    }

    Result<void> execute() {
        const LibPq& pq = libpq();
        if (auto up = m_session->ready(); !up) return up;
        std::vector<const char*> values(m_values.size());
        for (std::size_t i = 0; i < m_values.size(); ++i) values[i] = m_values[i] ? m_values[i]->c_str() : nullptr;
        int n = static_cast<int>(values.size());
        PGresult* result = nullptr;
        if (!m_name.empty() && m_generation != m_session->generation) m_name.clear(); // lost with the old connection
        if (m_name.empty() && m_runs > 0) { // run again: worth preparing on the server
            std::string name = "mr" + std::to_string(++m_session->next_name);
            auto prepared = m_session->check(pq.prepare(m_session->conn, name.c_str(), m_sql.c_str(), n, types()),
                                             "cannot prepare statement: ");
            if (!prepared) return std::unexpected(prepared.error());
            pq.clear(*prepared);
            m_name = std::move(name);
            m_generation = m_session->generation;
        }
        if (m_name.empty())
            result = pq.exec_params(m_session->conn, m_sql.c_str(), n, types(), values.data(), nullptr, nullptr, 0);
        else
            result = pq.exec_prepared(m_session->conn, m_name.c_str(), n, values.data(), nullptr, nullptr, 0);
        auto checked = m_session->check(result, "");
        if (!checked) return std::unexpected(checked.error());
        m_result = *checked;
        // Read once per result, not per value.
        m_rows = pq.ntuples(m_result);
        m_columns = pq.nfields(m_result);
        m_bool.assign(static_cast<std::size_t>(m_columns), false);
        for (int c = 0; c < m_columns; ++c) m_bool[static_cast<std::size_t>(c)] = pq.ftype(m_result, c) == k_bool_oid;
        ++m_runs;
        return {};
    }

    std::shared_ptr<Session> m_session;
    std::string m_sql;
    std::vector<std::optional<std::string>> m_values;
    const Oid* types() const { return m_types.empty() ? nullptr : m_types.data(); }

    std::vector<Oid> m_types; // empty: every parameter's type inferred
    std::string m_name;
    int m_generation = 0;
    int m_runs = 0;
    const LibPq& m_pq = libpq();
    PGresult* m_result = nullptr;
    int m_rows = 0, m_columns = 0;
    std::vector<bool> m_bool; // per column: a boolean (reads as 0 or 1)
    int m_row = -1;
};

class PgConnection final : public Connection {
public:
    explicit PgConnection(std::shared_ptr<Session> session) : m_session(std::move(session)) {}

    Backend backend() const override { return Backend::postgresql; }

    Result<void> exec(std::string_view sql) override {
        if (auto up = m_session->ready(); !up) return up;
        std::string owned(sql);
        auto result = m_session->check(libpq().exec(m_session->conn, owned.c_str()), "");
        if (!result) return std::unexpected(result.error());
        libpq().clear(*result);
        return {};
    }

    Result<std::unique_ptr<Cursor>> prepare(std::string_view sql) override {
        return std::make_unique<PgCursor>(m_session, number_placeholders(sql));
    }

    Result<void> begin_write() override { return exec(k_begin_write); }
    Result<void> begin_read() override { return exec("BEGIN ISOLATION LEVEL REPEATABLE READ"); }

    std::int64_t last_insert_id() override {
        PGresult* r = libpq().exec(m_session->conn, "SELECT lastval()");
        std::int64_t id = 0;
        if (r && libpq().result_status(r) == PGRES_TUPLES_OK && libpq().ntuples(r) == 1)
            id = std::strtoll(libpq().getvalue(r, 0, 0), nullptr, 10);
        if (r) libpq().clear(r);
        return id;
    }

    int changes() const override { return m_session->changes; }

    Result<bool> has_table(std::string_view name) override {
        auto cursor = prepare("SELECT to_regclass(?) IS NOT NULL");
        if (!cursor) return std::unexpected(cursor.error());
        (*cursor)->bind_text(1, name);
        auto row = (*cursor)->step();
        if (!row) return std::unexpected(row.error());
        return *row && (*cursor)->int64(0) == 1;
    }

private:
    std::shared_ptr<Session> m_session;
};

} // namespace

Result<std::unique_ptr<Connection>> open_postgres(std::string_view url) {
    const LibPq& pq = libpq();
    if (!pq.loaded) return fail(ErrorCode::unavailable, pq.why);
    auto session = std::make_shared<Session>();
    session->url = std::string(url);
    session->where = core::printable_location(url);
    // Later entries override earlier ones: the URL's own settings win.
    // A server that stops answering (a cut network, not a refused connection) is noticed within
    // about 15 s instead of the kernel's two hours: the ledger writer then spools.
    const char* keys[] = {"connect_timeout", "application_name", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
    const char* values[] = {"5", "megarouter", "5", "2", "3", "15000", session->url.c_str(), nullptr};
    session->conn = pq.connectdb_params(keys, values, 1);
    if (!session->conn) return fail(ErrorCode::unavailable, "cannot reach PostgreSQL at " + session->where + ": out of memory");
    if (pq.status(session->conn) != CONNECTION_OK)
        return fail(ErrorCode::unavailable,
                    "cannot reach PostgreSQL at " + session->where + ": " + trimmed(pq.error_message(session->conn)), true);
    session->last_reset = std::chrono::steady_clock::now();
    auto connection = std::make_unique<PgConnection>(session);
    session->configure();
    return connection;
}

} // namespace megarouter::store::detail
