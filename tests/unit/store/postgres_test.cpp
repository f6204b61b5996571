// The PostgreSQL store. The placeholder cases run everywhere; the rest run
// in the [pg] pass (CTest starts a server, tests/pg/server.sh) and are
// skipped on SQLite-only runs. The schema test opens both engines and
// compares what their migrations built: tables, columns, types, keys,
// unique constraints and indexes.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "governance/ledger_rollup.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/store/prompt_log.hpp"
#include "store/backend.hpp"
#include "support/pg.hpp"
#include "unit/governance/gate_fixture.hpp"

using namespace megarouter;
namespace fs = std::filesystem;
using gov_test::scalar;

TEST_CASE("store: placeholders are numbered for PostgreSQL, quotes and comments untouched") {
    using store::detail::number_placeholders;
    auto plain = number_placeholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)");
    CHECK(plain.text == "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
    CHECK(plain.parameters == 3);
    auto numbered = number_placeholders("SELECT ?2, ?1, ?1, ?");
    CHECK(numbered.text == "SELECT $2, $1, $1, $3");
    CHECK(numbered.parameters == 3);
    auto quoted = number_placeholders("SELECT '?', 'it''s ?', \"a?\" -- why?\n, ?");
    CHECK(quoted.text == "SELECT '?', 'it''s ?', \"a?\" -- why?\n, $1");
    CHECK(quoted.parameters == 1);
    CHECK(number_placeholders("SELECT 'open ?").text == "SELECT 'open ?"); // unterminated: copied
}

namespace {

struct Column {
    std::string type;
    bool not_null;
    int key_position; // 0: not in the primary key
    bool operator==(const Column&) const = default;
};
using Table = std::map<std::string, Column>;
// Table -> its columns; "index:<table>" entries hold indexes as "name(cols)" and unique constraints as "unique(cols)".
using Schema = std::map<std::string, Table>;
using Indexes = std::map<std::string, std::set<std::string>>;

std::string normal_type(std::string type) {
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type == "integer" || type == "bigint") return "integer"; // SQLite's INTEGER is 64-bit
    return type;
}

template <typename F>
void each_row(store::Database& db, const std::string& sql, F&& f) {
    auto statement = db.prepare(sql);
    REQUIRE_MESSAGE(statement, sql);
    while (true) {
        auto row = statement->step();
        REQUIRE_MESSAGE(row, sql);
        if (!*row) break;
        f(*statement);
    }
}

void read_sqlite(store::Database& db, Schema& schema, Indexes& indexes) {
    std::vector<std::string> tables;
    each_row(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                 " AND name NOT LIKE 'prompt_log_fts%' ORDER BY name",
             [&](const store::Statement& s) { tables.push_back(s.text(0)); });
    for (const std::string& t : tables) {
        each_row(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info('" + t + "')",
                 [&](const store::Statement& s) {
                     int pk = static_cast<int>(s.int64(3));
                     schema[t][s.text(0)] = {normal_type(s.text(1)), s.int64(2) != 0 || pk > 0, pk};
                 });
        std::vector<std::pair<std::string, std::string>> list; // name, origin
        each_row(db, "SELECT name, origin, \"unique\" FROM pragma_index_list('" + t + "')",
                 [&](const store::Statement& s) { list.emplace_back(s.text(0), s.text(1)); });
        for (const auto& [name, origin] : list) {
            if (origin == "pk") continue;
            std::string columns;
            each_row(db, "SELECT name FROM pragma_index_info('" + name + "') ORDER BY seqno",
                     [&](const store::Statement& s) { columns += (columns.empty() ? "" : ",") + s.text(0); });
            indexes[t].insert((origin == "u" ? std::string("unique") : name) + "(" + columns + ")");
        }
    }
}

void read_postgres(store::Database& db, Schema& schema, Indexes& indexes) {
    each_row(db, "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO',"
                 " COALESCE((SELECT k.ordinal_position FROM information_schema.key_column_usage k"
                 " JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name"
                 " AND tc.table_name = k.table_name WHERE tc.constraint_type = 'PRIMARY KEY'"
                 " AND k.table_name = c.table_name AND k.column_name = c.column_name), 0)"
                 " FROM information_schema.columns c WHERE c.table_schema = 'public'",
             [&](const store::Statement& s) {
                 schema[s.text(0)][s.text(1)] = {normal_type(s.text(2)), s.int64(3) != 0, static_cast<int>(s.int64(4))};
             });
    // Every index but the primary keys': unique constraints by their columns, others by name.
    each_row(db, "SELECT t.relname, i.relname, con.contype,"
                 " (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)"
                 " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)"
                 " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                 " JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_constraint con ON con.conindid = i.oid"
                 " WHERE n.nspname = 'public' AND NOT x.indisprimary",
             [&](const store::Statement& s) {
                 std::string kind = s.is_null(2) ? "" : s.text(2);
                 if (s.text(1) == "prompt_log_search") return; // SQLite: the FTS5 table
                 indexes[s.text(0)].insert((kind == "u" ? std::string("unique") : s.text(1)) + "(" + s.text(3) + ")");
             });
}

} // namespace

TEST_CASE("store: the migrations build the same schema on SQLite and PostgreSQL" * doctest::skip(!pg_test::enabled())) {
    auto lite = store::Database::open_memory();
    REQUIRE(lite);
    auto pg = store::Database::open(pg_test::fresh_database());
    REQUIRE_MESSAGE(pg, (pg ? "" : pg.error().message));
    CHECK(pg->backend() == store::Backend::postgresql);
    CHECK(pg->schema_version() == lite->schema_version());
    std::vector<std::pair<int, std::string>> a, b;
    for (const auto& m : store::migrations()) a.emplace_back(m.version, m.name);
    for (const auto& m : store::postgres_migrations()) b.emplace_back(m.version, m.name);
    CHECK(a == b);
    Schema lite_schema, pg_schema;
    Indexes lite_indexes, pg_indexes;
    read_sqlite(*lite, lite_schema, lite_indexes);
    read_postgres(*pg, pg_schema, pg_indexes);
    CHECK(lite_schema.size() >= 15);
    for (const auto& [table, columns] : lite_schema) {
        CAPTURE(table);
        REQUIRE(pg_schema.contains(table));
        for (const auto& [name, column] : columns) {
            CAPTURE(name);
            REQUIRE(pg_schema[table].contains(name));
            CHECK(pg_schema[table][name].type == column.type);
            CHECK(pg_schema[table][name].not_null == column.not_null);
            CHECK(pg_schema[table][name].key_position == column.key_position);
        }
        CHECK(pg_schema[table].size() == columns.size());
        CHECK(pg_indexes[table] == lite_indexes[table]);
    }
    CHECK(pg_schema.size() == lite_schema.size());
}

TEST_CASE("store: statements on PostgreSQL: transactions, booleans, ids, counts, reuse" * doctest::skip(!pg_test::enabled())) {
    auto db = pg_test::open_empty_store();
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v BIGINT NOT NULL, s TEXT, r DOUBLE PRECISION)"));
    auto bad = db->transaction([&]() -> Result<void> {
        auto ins = db->prepare("INSERT INTO t(v) VALUES (?)");
        if (!ins) return std::unexpected(ins.error());
        ins->bind(1, std::int64_t{1});
        if (auto r = ins->run(); !r) return r;
        return fail(ErrorCode::internal, "boom");
    });
    CHECK_FALSE(bad);
    CHECK(scalar(*db, "SELECT count(*) FROM t") == 0);
    auto ins = db->prepare("INSERT INTO t(v, s, r) VALUES (?, ?, ?)");
    REQUIRE(ins);
    for (std::int64_t v : {5, 6, 7}) { // the second run on is prepared on the server
        ins->reset();
        ins->bind_all(v, std::string("it's \"") + std::to_string(v), 0.25 * static_cast<double>(v));
        REQUIRE(ins->run());
        CHECK(db->changes() == 1);
    }
    CHECK(db->last_insert_id() == 4); // the failed transaction used id 1
    ins->reset();
    ins->bind(1, std::int64_t{8}).bind(2, nullptr).bind(3, nullptr);
    REQUIRE(ins->run());
    auto upd = db->prepare("UPDATE t SET v = v + 1 WHERE v >= ?");
    REQUIRE(upd);
    upd->bind(1, std::int64_t{6});
    REQUIRE(upd->run());
    CHECK(db->changes() == 3);
    auto read = db->prepare("SELECT v, s, r, v > ?1, s IS NULL, ?1 FROM t ORDER BY v");
    REQUIRE(read);
    read->bind(1, std::int64_t{6});
    REQUIRE(read->step().value());
    CHECK(read->int64(0) == 5);
    CHECK(read->text(1) == "it's \"5");
    CHECK(read->real(2) == doctest::Approx(1.25));
    CHECK(read->int64(3) == 0);
    CHECK(read->int64(4) == 0);
    CHECK(read->int64(5) == 6);
    REQUIRE(read->step().value());
    CHECK(read->int64(3) == 1);
    REQUIRE(read->step().value());
    REQUIRE(read->step().value());
    CHECK(read->is_null(1));
    CHECK(read->int64(4) == 1);
    CHECK_FALSE(read->step().value());
    CHECK(db->has_table("t"));
    CHECK_FALSE(db->has_table("nope"));
    auto wrong = db->prepare("SELECT no_such_column FROM t");
    REQUIRE(wrong);
    auto failed = wrong->step();
    REQUIRE_FALSE(failed);
    CHECK(failed.error().code == ErrorCode::storage);
    CHECK(failed.error().message.find("no_such_column") != std::string::npos);
    // A statement left mid-way does not block the next one (results are fetched whole).
    read->reset();
    read->bind(1, std::int64_t{0});
    REQUIRE(read->step().value());
    CHECK(scalar(*db, "SELECT count(*) FROM t") == 4);
}

TEST_CASE("store: an unreachable PostgreSQL server is named, without its password") {
    auto db = store::Database::open("postgresql://megarouter:s3cret@127.0.0.1:1/none?connect_timeout=2");
    REQUIRE_FALSE(db);
    CHECK(db.error().code == ErrorCode::unavailable);
    CHECK(db.error().message.find("postgresql://megarouter:***@127.0.0.1:1/none") != std::string::npos);
    CHECK(db.error().message.find("s3cret") == std::string::npos);
    CHECK(exit_code_for(db.error()) == k_exit_unavailable);
}

TEST_CASE("store: PostgreSQL's rollup trigger files rows in the cells the writer computes" * doctest::skip(!pg_test::enabled())) {
    auto db = pg_test::open_empty_store();
    REQUIRE(db);
    std::mt19937_64 random(42);
    std::vector<std::int64_t> stamps = {0, -1, 1, 86'399'999, 86'400'000, -86'400'000, -86'400'001,
                                        951'782'400'000, 1'709'251'199'999, 1'709'251'200'000,
                                        4'102'444'800'000, -2'208'988'800'000};
    for (int i = 0; i < 300; ++i)
        stamps.push_back(static_cast<std::int64_t>(random() % 8'000'000'000'000ULL) - 2'000'000'000'000LL);
    auto insert = db->prepare(governance::k_insert_ledger_row); // rolled_up = 0: the trigger's path
    REQUIRE(insert);
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        governance::LedgerEntry e;
        e.ts = stamps[i];
        e.request_id = "r" + std::to_string(i);
        e.user = "acme/u" + std::to_string(i); // one combination per row
        e.cost_nanos = 7;
        e.status = i % 3 == 0 ? 500 : 200;
        insert->reset();
        governance::bind_ledger_row(*insert, e);
        REQUIRE(insert->run());
    }
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        CAPTURE(stamps[i]);
        auto cells = governance::rollup_cells(stamps[i]);
        for (const auto& cell : cells) {
            std::string sql = "SELECT count(*) FROM ledger_rollup r JOIN ledger_combos c ON c.id = r.combo"
                              " WHERE c.user_path = 'acme/u" + std::to_string(i) + "' AND r.level = " +
                              std::to_string(cell.level) + " AND r.start = " + std::to_string(cell.start) +
                              " AND r.requests = 1 AND r.cost_nanos = 7 AND r.errors = " + (i % 3 == 0 ? "1" : "0");
            CHECK(scalar(*db, sql) == 1);
        }
    }
    CHECK(scalar(*db, "SELECT count(*) FROM ledger_rollup") == static_cast<std::int64_t>(4 * stamps.size()));
}

TEST_CASE("store: the prompt log is searchable on PostgreSQL" * doctest::skip(!pg_test::enabled())) {
    auto db = pg_test::open_empty_store();
    REQUIRE(db);
    for (const char* prompt : {"haiku about the sea", "explain the rust borrow checker", "sea shanty lyrics"}) {
        store::PromptLogEntry e;
        e.conversation_id = "c1";
        e.request_id = prompt;
        e.model = "m";
        e.provider = "p";
        e.prompt = prompt;
        e.response = "ok";
        e.status = "ok";
        e.started_at = e.finished_at = "2026-01-01T00:00:00Z";
        REQUIRE(store::log_prompt(*db, e));
    }
    auto found = store::search_prompts(*db, "sea", 10);
    REQUIRE(found);
    CHECK(found->size() == 2);
    auto both = store::search_prompts(*db, "sea -shanty", 10);
    REQUIRE(both);
    REQUIRE(both->size() == 1);
    CHECK((*both)[0].prompt == "haiku about the sea");
    CHECK(store::list_prompts(*db, 10, "c1").value().size() == 3);
}

TEST_CASE("store: PostgreSQL refuses a store from a newer megarouter, naming both versions" * doctest::skip(!pg_test::enabled())) {
    std::string url = pg_test::fresh_database();
    {
        auto db = store::Database::open(url);
        REQUIRE(db);
        REQUIRE(db->exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (99999, 'future', 'x')"));
    }
    auto again = store::Database::open(url);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::storage);
    CHECK(again.error().message.find("99999") != std::string::npos);
}
