#include "megarouter/store/copy.hpp"

namespace megarouter::store {

namespace {

// Every table with data worth moving, in an order where nothing refers to a
// later one. Not copied: schema_migrations (each store has its own), the
// settings counter (gov_version) and the live leases of running gateways.
constexpr const char* k_tables[] = {"settings",   "gov_nodes",       "gov_grants",     "gov_keys",
                                    "gov_key_ceilings", "gov_budgets", "gov_usage",    "gov_pools",
                                    "gov_pool_members", "gov_webhooks", "gov_events",  "gov_deliveries",
                                    "ledger_combos", "ledger_rollup",  "ledger",         "prompt_log"};
// Tables whose id comes from a sequence on PostgreSQL: it continues after the copied ids.
constexpr const char* k_serial[] = {"gov_budgets", "gov_webhooks", "ledger_combos", "ledger", "prompt_log"};
constexpr std::size_t k_rows_per_insert = 200;

Result<std::int64_t> count_rows(Database& db, const std::string& table) {
    auto statement = db.prepare("SELECT COUNT(*) FROM " + table);
    if (!statement) return std::unexpected(statement.error());
    auto row = statement->step();
    if (!row) return std::unexpected(row.error());
    return *row ? statement->int64(0) : 0;
}

Result<std::vector<std::string>> columns_of(Database& db, const std::string& table) {
    auto info = db.prepare(db.backend() == Backend::sqlite
                               ? "SELECT name FROM pragma_table_info(?) ORDER BY cid"
                               : "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                                 " AND table_name = ? ORDER BY ordinal_position");
    if (!info) return std::unexpected(info.error());
    info->bind(1, table);
    std::vector<std::string> names;
    while (true) {
        auto row = info->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        names.push_back(info->text(0));
    }
    if (names.empty()) return fail(ErrorCode::storage, "the store has no table " + table);
    return names;
}

std::string insert_sql(const std::string& table, const std::vector<std::string>& columns, std::size_t rows) {
    std::string sql = "INSERT INTO " + table + "(";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + columns[i];
    sql += ") VALUES ";
    std::string one = "(";
    for (std::size_t i = 0; i < columns.size(); ++i) one += i ? ", ?" : "?";
    one += ")";
    for (std::size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + one;
    return sql;
}

// Copies one table in multi-row inserts; returns the rows copied.
Result<std::int64_t> copy_table(Database& from, Database& to, const std::string& table, const CopyProgress& progress) {
    auto columns = columns_of(from, table);
    if (!columns) return std::unexpected(columns.error());
    auto total = count_rows(from, table);
    if (!total) return std::unexpected(total.error());
    std::size_t rolled_up = columns->size();
    for (std::size_t i = 0; i < columns->size(); ++i)
        if (table == "ledger" && (*columns)[i] == "rolled_up") rolled_up = i;
    std::string select = "SELECT ";
    for (std::size_t i = 0; i < columns->size(); ++i) select += (i ? ", " : "") + (*columns)[i];
    auto rows = from.prepare(select + " FROM " + table);
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::optional<std::string>> pending; // row-major values of the rows not yet inserted
    std::optional<Statement> full;                   // the k_rows_per_insert statement, prepared once
    std::int64_t copied = 0;
    auto flush = [&]() -> Result<void> {
        std::size_t n = pending.size() / columns->size();
        if (n == 0) return {};
        Statement* insert = nullptr;
        std::optional<Statement> partial;
        if (n == k_rows_per_insert) {
            if (!full) {
                auto prepared = to.prepare(insert_sql(table, *columns, n));
                if (!prepared) return std::unexpected(prepared.error());
                full.emplace(std::move(*prepared));
            }
            insert = &*full;
        } else {
            auto prepared = to.prepare(insert_sql(table, *columns, n));
            if (!prepared) return std::unexpected(prepared.error());
            partial.emplace(std::move(*prepared));
            insert = &*partial;
        }
        insert->reset();
        for (std::size_t i = 0; i < pending.size(); ++i) {
            if (pending[i]) insert->bind(static_cast<int>(i + 1), *pending[i]);
            else insert->bind(static_cast<int>(i + 1), nullptr);
        }
        if (auto r = insert->run(); !r) return r;
        copied += static_cast<std::int64_t>(n);
        pending.clear();
        if (progress) progress(table, copied, *total);
        return {};
    };
    while (true) {
        auto row = rows->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        for (int c = 0; c < static_cast<int>(columns->size()); ++c) {
            if (static_cast<std::size_t>(c) == rolled_up) pending.emplace_back("1"); // its rollup is copied too
            else if (rows->is_null(c)) pending.emplace_back(std::nullopt);
            else pending.emplace_back(rows->text(c));
        }
        if (pending.size() / columns->size() == k_rows_per_insert)
            if (auto r = flush(); !r) return std::unexpected(r.error());
    }
    if (auto r = flush(); !r) return std::unexpected(r.error());
    return copied;
}

} // namespace

Result<std::vector<CopiedTable>> copy_store(Database& from, Database& to, const CopyProgress& progress) {
    for (const char* table : k_tables) {
        auto rows = count_rows(to, table);
        if (!rows) return std::unexpected(rows.error());
        if (*rows > 0)
            return fail(ErrorCode::invalid_argument, "the target store already holds data (" + std::to_string(*rows) +
                                                         " rows in " + table + "); migrate into an empty database");
    }
    std::vector<CopiedTable> copied;
    auto done = to.transaction([&]() -> Result<void> {
        copied.clear();
        for (const char* table : k_tables) {
            auto rows = copy_table(from, to, table, progress);
            if (!rows) return std::unexpected(rows.error());
            copied.push_back({table, *rows});
        }
        if (to.backend() == Backend::postgresql)
            for (const char* table : k_serial)
                if (auto r = to.exec(std::string("SELECT setval(pg_get_serial_sequence('") + table + "', 'id'), "
                                     "COALESCE((SELECT MAX(id) FROM " + table + "), 0) + 1, false)");
                    !r)
                    return r;
        return {};
    });
    if (!done) return std::unexpected(done.error());
    return copied;
}

} // namespace megarouter::store
