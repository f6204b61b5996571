// Spend reports from the rollup (migration 42): exact sums per UTC hour,
// day, week (from Monday) and month cell and per combination of dimensions.
// Each range to sum (the whole report, or one time bucket of it) is split
// into its whole UTC hours, read from the rollup, and the partial hours at
// its edges, read from the raw ledger. The whole hours are covered by few cells: months, weeks, days,
// adding or subtracting cells where that is shorter (a Berlin day is its UTC
// day plus one hour before and minus one hour at its end). Cell boundaries
// are UTC instants, so time zones and DST need no special case: a bucket
// boundary that is not a whole UTC hour (Asia/Kolkata) only moves more
// minutes to the raw edges. All figures are integers: the result equals the
// raw scan exactly.
//
// Rows of the rollup, fetched per level: every cell range the report needs
// at one level (over all its buckets) becomes one range query per run of
// adjacent cells, and lone cells share `start IN (...)` queries, instead of
// one query per range per bucket. Each row read is then credited to every
// range that holds its cell (a cell can sit in two: one bucket adds the
// hour that its neighbour subtracts).
//
// Who sums: on SQLite the rows come from the same process, so reading one
// row per combination and summing here is cheapest. On PostgreSQL each row
// crosses a socket as text, so for a report without grouping or with
// filters the server joins ledger_combos and sums per cell and report group
// (sums_on_server()).
#include <algorithm>
#include <array>
#include <chrono>
#include <span>

#include "reports/spend_scan.hpp"

namespace megarouter::reports::detail {

namespace {

constexpr core::Millis k_hour = 3'600'000;
constexpr core::Millis k_day = 86'400'000;

// Rollup levels, as stored; cover() goes from the coarsest to the finest.
enum Level { hour = 0, day = 1, month = 2, week = 3 };
constexpr core::Millis k_week = 7 * k_day;
constexpr core::Millis k_first_monday = 4 * k_day; // 1970-01-05

Level finer(Level level) {
    switch (level) {
    case month: return week;
    case week: return day;
    default: return hour;
    }
}

core::Millis floor_to(core::Millis t, core::Millis step) { return t - ((t % step) + step) % step; }
core::Millis ceil_to(core::Millis t, core::Millis step) {
    core::Millis down = floor_to(t, step);
    return down == t ? t : down + step;
}

core::Millis month_floor(core::Millis t) {
    using namespace std::chrono;
    year_month_day ymd{sys_days{days{floor_to(t, k_day) / k_day}}};
    return sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count() * k_day;
}

core::Millis month_after(core::Millis month_start) {
    using namespace std::chrono;
    year_month_day ymd{sys_days{days{month_start / k_day}}};
    return sys_days{(ymd.year() / ymd.month() / 1) + months{1}}.time_since_epoch().count() * k_day;
}

// The cell boundary of `level` nearest to `t` (level day, week or month).
core::Millis nearest_boundary(Level level, core::Millis t) {
    core::Millis low = 0, high = 0;
    switch (level) {
    case month: low = month_floor(t), high = month_after(low); break;
    case week: low = floor_to(t - k_first_monday, k_week) + k_first_monday, high = low + k_week; break;
    default: low = floor_to(t, k_day), high = low + k_day; break;
    }
    return t - low <= high - t ? low : high;
}

// Rollup cells [from, to) of one level, to add (sign 1) or subtract (-1)
// into bucket `bucket` (-1: no time series).
struct Cells {
    Level level;
    core::Millis from, to;
    int sign;
    std::ptrdiff_t bucket;
};

// Covers the whole-hour range [a, b) (b < a: minus [b, a)) with cells of
// `level` and below.
void cover(Level level, core::Millis a, core::Millis b, int sign, std::ptrdiff_t bucket, std::vector<Cells>& out) {
    if (a == b) return;
    if (a > b) return cover(level, b, a, -sign, bucket, out);
    if (level == hour) return out.push_back({hour, a, b, sign, bucket});
    core::Millis from = nearest_boundary(level, a), to = nearest_boundary(level, b);
    if (from >= to) return cover(finer(level), a, b, sign, bucket, out);
    out.push_back({level, from, to, sign, bucket});
    cover(finer(level), a, from, sign, bucket, out);
    cover(finer(level), to, b, sign, bucket, out);
}

// The shortest cell of each level (indexed by Level): a range of cells no
// longer than this is one cell.
constexpr std::array<core::Millis, 4> k_shortest = {k_hour, k_day, 28 * k_day, k_week};
// Lone cells per `start IN (...)` query; a short list is padded with its last start.
constexpr std::size_t k_lone_per_query = 64;

Figures negated(const Figures& f) {
    Figures n;
    n.requests = -f.requests;
    n.input_tokens = -f.input_tokens;
    n.cached_tokens = -f.cached_tokens;
    n.output_tokens = -f.output_tokens;
    n.cost = -f.cost;
    n.baseline = -f.baseline;
    n.errors = -f.errors;
    n.fallbacks = -f.fallbacks;
    return n;
}

struct Credit {
    std::ptrdiff_t bucket;
    int sign;
};

// Where each cell of one level goes: the level's ranges cut at all their
// ends into segments, each with the (bucket, sign) pairs that hold it, and
// the queries that read them.
struct LevelPlan {
    std::vector<core::Millis> bounds;        // sorted, unique
    std::vector<std::vector<Credit>> credit; // per segment [bounds[i], bounds[i + 1])
    std::vector<std::pair<core::Millis, core::Millis>> runs; // adjacent segments with credit, more than one cell
    std::vector<core::Millis> lone;          // runs of one cell: their starts

    LevelPlan(Level level, const std::vector<Cells>& all) {
        for (const Cells& c : all)
            if (c.level == level) bounds.push_back(c.from), bounds.push_back(c.to);
        std::sort(bounds.begin(), bounds.end());
        bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
        if (bounds.size() < 2) return;
        credit.resize(bounds.size() - 1);
        auto index = [&](core::Millis t) {
            return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), t) - bounds.begin());
        };
        for (const Cells& c : all)
            if (c.level == level)
                for (std::size_t k = index(c.from), end = index(c.to); k < end; ++k) credit[k].push_back({c.bucket, c.sign});
        for (std::size_t k = 0; k < credit.size(); ++k) {
            if (credit[k].empty()) continue;
            core::Millis from = bounds[k];
            while (k + 1 < credit.size() && !credit[k + 1].empty()) ++k;
            core::Millis to = bounds[k + 1];
            if (to - from <= k_shortest[level]) lone.push_back(from);
            else runs.emplace_back(from, to);
        }
    }

    // The pairs holding the cell that starts at `start` (none outside).
    std::span<const Credit> credit_of(core::Millis start) const {
        auto it = std::upper_bound(bounds.begin(), bounds.end(), start);
        if (it == bounds.begin() || it == bounds.end()) return {};
        return credit[static_cast<std::size_t>(it - bounds.begin() - 1)];
    }
};

constexpr const char* k_figures = "requests, input_tokens, cached_tokens, output_tokens, cost_nanos, baseline_nanos,"
                                  " errors, fallbacks";
constexpr const char* k_summed = "SUM(r.requests), SUM(r.input_tokens), SUM(r.cached_tokens), SUM(r.output_tokens),"
                                 " SUM(r.cost_nanos), SUM(r.baseline_nanos), SUM(r.errors), SUM(r.fallbacks)";

struct Reader {
    store::Database& db;
    SpendReport& report;
    bool server_sums; // rows are (start, group key, sums); else (start, combo, figures)
    Groups groups;
    std::vector<std::ptrdiff_t> row_of_combo; // -1: filtered out
    RawScan raw;
    std::vector<Cells> pieces;

    Result<void> load_combos() {
        Sql sql{"SELECT id, " + group_expression(report.query.by) + " FROM ledger_combos WHERE 1 = 1", {}};
        if (auto filtered = add_filters(report.query, sql); !filtered) return filtered;
        auto statement = prepare_bound(db, sql);
        if (!statement) return std::unexpected(statement.error());
        while (true) {
            auto more = statement->step();
            if (!more) return std::unexpected(more.error());
            if (!*more) break;
            std::int64_t id = statement->int64(0);
            if (id < 0) continue;
            if (static_cast<std::size_t>(id) >= row_of_combo.size()) row_of_combo.resize(static_cast<std::size_t>(id) + 1, -1);
            row_of_combo[static_cast<std::size_t>(id)] = static_cast<std::ptrdiff_t>(groups.find_or_add(statement->text(1)));
        }
        return {};
    }

    // Reads [from, to) into `bucket` (-1: no time series): the partial hours
    // at its edges from the raw ledger now, its whole hours later from the
    // rollup (as pieces).
    Result<void> add_range(core::Millis from, core::Millis to, std::ptrdiff_t bucket) {
        core::Millis whole_from = ceil_to(from, k_hour), whole_to = floor_to(to, k_hour);
        if (whole_from >= whole_to) return raw.run(from, to, bucket, report, groups);
        if (auto head = raw.run(from, whole_from, bucket, report, groups); !head) return head;
        if (auto tail = raw.run(whole_to, to, bucket, report, groups); !tail) return tail;
        cover(month, whole_from, whole_to, 1, bucket, pieces);
        return {};
    }

    // The rollup's start column as the SELECT names it.
    std::string start() const { return server_sums ? "r.start" : "start"; }

    // The SELECT of one level's rows whose start meets `condition`.
    Sql select(const std::string& condition) const {
        Sql sql;
        if (server_sums)
            // Grouped by bytes, not by the server's collation: equal keys are all
            // that matters here, and a locale's comparison (C.UTF-8 too) took half
            // the time of a monthly report (psql, 10M rows).
            sql.text = "SELECT r.start, (" + group_expression(report.query.by) + ") COLLATE \"C\", " + k_summed +
                       " FROM ledger_rollup r JOIN ledger_combos c ON c.id = r.combo WHERE r.level = ? AND " + condition;
        else
            sql.text = std::string("SELECT start, combo, ") + k_figures + " FROM ledger_rollup WHERE level = ? AND " +
                       condition;
        return sql;
    }

    Result<store::Statement> prepare(Sql sql) {
        if (server_sums) {
            if (auto filtered = add_filters(report.query, sql); !filtered) return std::unexpected(filtered.error());
            sql.text += " GROUP BY 1, 2";
        }
        return prepare_bound(db, sql);
    }

    // Steps `statement` (bound) and credits every row to the ranges holding its cell.
    Result<void> credit_rows(store::Statement& statement, const LevelPlan& plan) {
        while (true) {
            auto more = statement.step();
            if (!more) return std::unexpected(more.error());
            if (!*more) break;
            std::span<const Credit> credits = plan.credit_of(statement.int64(0));
            if (credits.empty()) continue;
            std::size_t row = 0;
            if (server_sums) {
                row = groups.find_or_add(statement.text(1));
            } else {
                std::int64_t combo = statement.int64(1);
                if (combo < 0 || static_cast<std::size_t>(combo) >= row_of_combo.size()) continue;
                std::ptrdiff_t found = row_of_combo[static_cast<std::size_t>(combo)];
                if (found < 0) continue;
                row = static_cast<std::size_t>(found);
            }
            Figures f;
            f.requests = statement.int64(2);
            f.input_tokens = statement.int64(3);
            f.cached_tokens = statement.int64(4);
            f.output_tokens = statement.int64(5);
            f.cost = statement.int64(6);
            f.baseline = statement.int64(7);
            f.errors = statement.int64(8);
            f.fallbacks = statement.int64(9);
            for (const Credit& c : credits) groups.add(row, c.bucket, c.sign < 0 ? negated(f) : f);
        }
        return {};
    }

    Result<void> read_level(Level level) {
        LevelPlan plan(level, pieces);
        if (!plan.runs.empty()) {
            Sql sql = select(start() + " >= ? AND " + start() + " < ?");
            sql.values = {std::int64_t{level}, std::int64_t{0}, std::int64_t{0}};
            auto statement = prepare(sql);
            if (!statement) return std::unexpected(statement.error());
            for (auto [from, to] : plan.runs) {
                statement->reset();
                statement->bind(2, from);
                statement->bind(3, to);
                if (auto read = credit_rows(*statement, plan); !read) return read;
            }
        }
        if (!plan.lone.empty()) {
            std::string in = start() + " IN (?";
            for (std::size_t i = 1; i < k_lone_per_query; ++i) in += ", ?";
            Sql sql = select(in + ")");
            sql.values.assign(1 + k_lone_per_query, std::int64_t{0});
            sql.values[0] = std::int64_t{level};
            auto statement = prepare(sql);
            if (!statement) return std::unexpected(statement.error());
            for (std::size_t first = 0; first < plan.lone.size(); first += k_lone_per_query) {
                statement->reset();
                for (std::size_t i = 0; i < k_lone_per_query; ++i)
                    statement->bind(static_cast<int>(i + 2), plan.lone[std::min(first + i, plan.lone.size() - 1)]);
                if (auto read = credit_rows(*statement, plan); !read) return read;
            }
        }
        return {};
    }
};

// PostgreSQL: whether the server should sum. It pays when the sums leave
// few rows to send: a report without grouping, or one whose filters keep a
// few combinations (its join drops the rest). A grouped report over every
// combination sends about as many rows either way, and there the server's
// join and grouping cost more than sending text rows (at 10M rows: daily
// 3.8 s against 2.4 s, monthly by team 133 against 93 ms).
bool sums_on_server(const SpendQuery& q) {
    bool filtered = !q.node.empty() || !q.key.empty() || !q.model.empty() || !q.provider.empty() ||
                    !q.scopes.empty() || !q.own_user.empty() || !q.own_key.empty();
    return q.by.empty() || filtered;
}

Result<bool> has_rollup(store::Database& db) {
    return db.has_table("ledger_rollup") && db.has_table("ledger_combos");
}

} // namespace

Result<std::optional<SpendReport>> run_from_rollup(store::Database& db, SpendReport report) {
    auto present = has_rollup(db);
    if (!present) return std::unexpected(present.error());
    if (!*present) return std::optional<SpendReport>();
    auto raw = RawScan::prepare(db, report.query);
    if (!raw) return std::unexpected(raw.error());
    bool server_sums = db.backend() == store::Backend::postgresql && sums_on_server(report.query);
    Reader reader{db, report, server_sums, Groups(report), {}, std::move(*raw), {}};
    if (!server_sums)
        if (auto loaded = reader.load_combos(); !loaded) return std::unexpected(loaded.error());
    const SpendQuery& query = report.query;
    if (report.buckets.empty()) {
        if (auto added = reader.add_range(query.since, query.until, -1); !added) return std::unexpected(added.error());
    } else {
        for (std::size_t b = 0; b < report.buckets.size(); ++b) {
            core::Millis from = std::max(query.since, report.buckets[b].start);
            core::Millis to = std::min(query.until, report.buckets[b].end);
            if (from >= to) continue;
            if (auto added = reader.add_range(from, to, static_cast<std::ptrdiff_t>(b)); !added)
                return std::unexpected(added.error());
        }
    }
    for (Level level : {month, week, day, hour})
        if (auto read = reader.read_level(level); !read) return std::unexpected(read.error());
    reader.groups.finish();
    return std::optional<SpendReport>(std::move(report));
}

} // namespace megarouter::reports::detail
