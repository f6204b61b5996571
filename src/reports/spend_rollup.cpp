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
#include <chrono>

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

// Rollup cells [from, to) of one level, to add (sign 1) or subtract (-1).
struct Cells {
    Level level;
    core::Millis from, to;
    int sign;
};

// Covers the whole-hour range [a, b) (b < a: minus [b, a)) with cells of
// `level` and below.
void cover(Level level, core::Millis a, core::Millis b, int sign, std::vector<Cells>& out) {
    if (a == b) return;
    if (a > b) return cover(level, b, a, -sign, out);
    if (level == hour) return out.push_back({hour, a, b, sign});
    core::Millis from = nearest_boundary(level, a), to = nearest_boundary(level, b);
    if (from >= to) return cover(finer(level), a, b, sign, out);
    out.push_back({level, from, to, sign});
    cover(finer(level), a, from, sign, out);
    cover(finer(level), to, b, sign, out);
}

struct Reader {
    store::Database& db;
    SpendReport& report;
    Groups groups;
    std::vector<std::ptrdiff_t> row_of_combo; // -1: filtered out
    store::Statement cells;
    RawScan raw;

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

    Result<void> read_cells(const Cells& c, std::ptrdiff_t bucket) {
        cells.reset();
        cells.bind_all(static_cast<std::int64_t>(c.level), c.from, c.to);
        while (true) {
            auto more = cells.step();
            if (!more) return std::unexpected(more.error());
            if (!*more) break;
            std::int64_t combo = cells.int64(0);
            if (combo < 0 || static_cast<std::size_t>(combo) >= row_of_combo.size()) continue;
            std::ptrdiff_t row = row_of_combo[static_cast<std::size_t>(combo)];
            if (row < 0) continue;
            Figures f;
            f.requests = c.sign * cells.int64(1);
            f.input_tokens = c.sign * cells.int64(2);
            f.cached_tokens = c.sign * cells.int64(3);
            f.output_tokens = c.sign * cells.int64(4);
            f.cost = c.sign * cells.int64(5);
            f.baseline = c.sign * cells.int64(6);
            f.errors = c.sign * cells.int64(7);
            f.fallbacks = c.sign * cells.int64(8);
            groups.add(static_cast<std::size_t>(row), bucket, f);
        }
        return {};
    }

    // Sums [from, to) into `bucket` (-1: no time series).
    Result<void> read_range(core::Millis from, core::Millis to, std::ptrdiff_t bucket) {
        core::Millis whole_from = ceil_to(from, k_hour), whole_to = floor_to(to, k_hour);
        if (whole_from >= whole_to) return raw.run(from, to, bucket, report, groups);
        if (auto head = raw.run(from, whole_from, bucket, report, groups); !head) return head;
        if (auto tail = raw.run(whole_to, to, bucket, report, groups); !tail) return tail;
        std::vector<Cells> pieces;
        cover(month, whole_from, whole_to, 1, pieces);
        for (const Cells& c : pieces)
            if (auto read = read_cells(c, bucket); !read) return read;
        return {};
    }
};

Result<bool> has_rollup(store::Database& db) {
    return db.has_table("ledger_rollup") && db.has_table("ledger_combos");
}

} // namespace

Result<std::optional<SpendReport>> run_from_rollup(store::Database& db, SpendReport report) {
    auto present = has_rollup(db);
    if (!present) return std::unexpected(present.error());
    if (!*present) return std::optional<SpendReport>();
    auto cells = db.prepare("SELECT combo, requests, input_tokens, cached_tokens, output_tokens, cost_nanos,"
                            " baseline_nanos, errors, fallbacks FROM ledger_rollup"
                            " WHERE level = ? AND start >= ? AND start < ?");
    if (!cells) return std::unexpected(cells.error());
    auto raw = RawScan::prepare(db, report.query);
    if (!raw) return std::unexpected(raw.error());
    Reader reader{db, report, Groups(report), {}, std::move(*cells), std::move(*raw)};
    if (auto loaded = reader.load_combos(); !loaded) return std::unexpected(loaded.error());
    const SpendQuery& query = report.query;
    if (report.buckets.empty()) {
        if (auto read = reader.read_range(query.since, query.until, -1); !read) return std::unexpected(read.error());
    } else {
        for (std::size_t b = 0; b < report.buckets.size(); ++b) {
            core::Millis from = std::max(query.since, report.buckets[b].start);
            core::Millis to = std::min(query.until, report.buckets[b].end);
            if (from >= to) continue;
            if (auto read = reader.read_range(from, to, static_cast<std::ptrdiff_t>(b)); !read)
                return std::unexpected(read.error());
        }
    }
    reader.groups.finish();
    return std::optional<SpendReport>(std::move(report));
}

} // namespace megarouter::reports::detail
