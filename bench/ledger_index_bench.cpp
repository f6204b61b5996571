// Benchmark of the ledger's indexes at scale: typical governance queries
// (one key's spend this month, one team's this month, one user's last 7
// days, a whole organisation for a day) over a large ledger, with each
// query's plan (it must search an index, never SCAN the table) and its median
// time over several runs.
//   bench_ledger_index_bench [--rows N] [--runs R] [--db FILE] [--keep]
// Without --db it writes N synthetic rows (default 10,000,000, spread over 365
// days) into a temporary database under /tmp and deletes it afterwards
// (unless --keep). With --db it reuses that file when it already holds a
// ledger (bringing its schema up to date first), else generates into it.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/reports/synthetic.hpp"
#include "megarouter/store/database.hpp"

using namespace megarouter;

namespace {

constexpr core::Millis k_day = 86'400'000;
constexpr core::Millis k_start = 1'767'225'600'000; // 2026-01-01T00:00Z

std::int64_t ledger_rows(store::Database& db) {
    auto count = db.prepare("SELECT COUNT(*) FROM ledger");
    if (!count) return -1;
    auto row = count->step();
    return row && *row ? count->int64(0) : -1;
}

int generate(const std::filesystem::path& file, std::int64_t rows) {
    auto db = store::Database::open(file);
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    (void)db->exec("PRAGMA synchronous=OFF");
    // What is measured is the ledger's own indexes; the spend rollup's
    // trigger (if the schema has one) only slows the generation down.
    (void)db->exec("DROP TRIGGER IF EXISTS ledger_rollup_insert");
    reports::SyntheticSpec spec{.rows = rows, .start = k_start, .end = k_start + 365 * k_day, .seed = 7};
    std::int64_t begin = core::monotonic_us();
    auto written = reports::write_synthetic_ledger(*db, spec, 200'000, [&](std::int64_t done) {
        if (done % 1'000'000 == 0 || done == rows)
            std::fprintf(stderr, "  %lld rows, %.1f s\n", static_cast<long long>(done), (core::monotonic_us() - begin) / 1e6);
    });
    if (!written) return std::fprintf(stderr, "%s\n", written.error().message.c_str()), 1;
    (void)db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    (void)db->exec("ANALYZE");
    std::printf("generated %lld rows in %.1f s\n", static_cast<long long>(rows), (core::monotonic_us() - begin) / 1e6);
    return 0;
}

core::Millis month_start(core::Millis at) {
    std::time_t seconds = at / 1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    parts.tm_mday = 1;
    parts.tm_hour = parts.tm_min = parts.tm_sec = 0;
    return static_cast<core::Millis>(timegm(&parts)) * 1000;
}

struct Query {
    const char* name;
    std::string sql;
    std::string text; // the bound value
    core::Millis from = 0, to = 0;
};

// Prints the plan; returns false when it reads the ledger without an index.
bool explain(store::Database& db, const Query& q) {
    auto plan = db.prepare("EXPLAIN QUERY PLAN " + q.sql);
    if (!plan) return std::fprintf(stderr, "%s\n", plan.error().message.c_str()), false;
    plan->bind_all(q.text, q.from, q.to);
    bool indexed = true;
    while (true) {
        auto row = plan->step();
        if (!row || !*row) break;
        std::string detail = plan->text(3);
        std::printf("    plan: %s\n", detail.c_str());
        if (detail.find("ledger") != std::string::npos && detail.find("INDEX") == std::string::npos) indexed = false;
    }
    return indexed;
}

double run_once(store::Database& db, const Query& q, std::int64_t& rows, std::int64_t& nanos) {
    auto statement = db.prepare(q.sql);
    if (!statement) return -1;
    statement->bind_all(q.text, q.from, q.to);
    std::int64_t began = core::monotonic_us();
    auto row = statement->step();
    double ms = (core::monotonic_us() - began) / 1000.0;
    if (row && *row) {
        rows = statement->int64(0);
        nanos = statement->int64(1);
    }
    return ms;
}

} // namespace

int main(int argc, char** argv) {
    std::int64_t rows = 10'000'000;
    int runs = 7;
    std::string db_arg;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--rows") rows = std::stoll(next());
        else if (arg == "--runs") runs = std::max(1, std::stoi(next()));
        else if (arg == "--db") db_arg = next();
        else if (arg == "--keep") keep = true;
        else {
            std::fprintf(stderr, "usage: bench_ledger_index_bench [--rows N] [--runs R] [--db FILE] [--keep]\n");
            return 2;
        }
    }
    std::filesystem::path dir, file;
    if (db_arg.empty()) {
        char pattern[] = "/tmp/mr-ledger-index-XXXXXX";
        if (!::mkdtemp(pattern)) return std::perror("mkdtemp"), 1;
        dir = pattern;
        file = dir / "ledger.db";
    } else {
        file = db_arg;
    }
    auto cleanup = [&] {
        if (!dir.empty() && !keep) std::filesystem::remove_all(dir);
        else if (!dir.empty()) std::printf("kept %s\n", file.c_str());
    };
    bool reuse = false;
    if (std::filesystem::exists(file)) {
        auto existing = store::Database::open(file); // applies pending migrations (new indexes)
        if (!existing) return std::fprintf(stderr, "%s\n", existing.error().message.c_str()), 1;
        reuse = ledger_rows(*existing) > 0;
    }
    if (!reuse) {
        std::printf("generating %lld ledger rows into %s\n", static_cast<long long>(rows), file.c_str());
        if (int rc = generate(file, rows); rc != 0) return cleanup(), rc;
    }
    auto db = store::Database::open(file, store::OpenMode::read_only);
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), cleanup(), 1;
    std::printf("ledger rows: %lld\n", static_cast<long long>(ledger_rows(*db)));

    // "Now" is the newest row; the key, team, user and organisation are its own.
    auto newest = db->prepare("SELECT ts, key_id, team, user_path, org FROM ledger ORDER BY ts DESC LIMIT 1");
    if (!newest || !newest->step()) return std::fprintf(stderr, "empty ledger\n"), cleanup(), 1;
    core::Millis now = newest->int64(0);
    std::string key = newest->text(1), team = newest->text(2), user = newest->text(3), org = newest->text(4);
    core::Millis month = month_start(now), day = now - now % k_day;
    const std::string sums = "SELECT COUNT(*), COALESCE(SUM(cost_nanos), 0) FROM ledger WHERE ";
    std::vector<Query> queries = {
        {"key, this month", sums + "key_id = ?1 AND ts >= ?2 AND ts < ?3", key, month, now + 1},
        {"team, this month", sums + "team = ?1 AND ts >= ?2 AND ts < ?3", team, month, now + 1},
        {"user, last 7 days", sums + "user_path = ?1 AND ts >= ?2 AND ts < ?3", user, now - 7 * k_day, now + 1},
        {"organisation, one day", sums + "org = ?1 AND ts >= ?2 AND ts < ?3", org, day, day + k_day},
        {"everyone, one day", sums + "?1 = ?1 AND ts >= ?2 AND ts < ?3", "", day, day + k_day},
    };
    bool all_indexed = true;
    for (const Query& q : queries) {
        std::printf("%s (%s)\n", q.name, q.text.c_str());
        bool indexed = explain(*db, q);
        all_indexed = all_indexed && indexed;
        std::vector<double> times;
        std::int64_t matched = 0, nanos = 0;
        for (int r = 0; r < runs + 1; ++r) {
            double ms = run_once(*db, q, matched, nanos);
            if (r > 0) times.push_back(ms); // the first run warms the page cache
        }
        std::sort(times.begin(), times.end());
        std::printf("    %lld rows, $%.2f; median %.2f ms, best %.2f ms over %d runs%s\n",
                    static_cast<long long>(matched), nanos / 1e9, times[times.size() / 2], times.front(), runs,
                    indexed ? "" : "  [FULL SCAN]");
    }
    cleanup();
    return all_indexed ? 0 : 3;
}
