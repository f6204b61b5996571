// Spend reports over the ledger: who used which models, what it cost and what
// routing saved against the baseline model. A SpendQuery (period, grouping,
// filters, scope) is answered from the ledger rollup (exact sums per UTC
// hour/day/week/month and dimension combination) plus the raw rows of partial
// hours, all in integer nano-dollars; rendering lives in render.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/periods.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::reports {

using Nanos = std::int64_t; // USD x 10^9

// What rows can be grouped by; each maps to one ledger column.
enum class Dimension { org, dept, team, user, key, model, provider, vendor, mode, tier, endpoint };

// A time series step; `none` gives totals only.
enum class Granularity { none, day, week, month };

std::string_view to_string(Dimension dimension);
std::string_view to_string(Granularity granularity);
// "team,model" -> {team, model}. Fails with invalid_argument naming the bad word.
Result<std::vector<Dimension>> parse_dimensions(std::string_view text);
// "day" | "week" | "month" (also "daily", ...). Fails with invalid_argument.
Result<Granularity> parse_granularity(std::string_view text);

// Parses a --since/--until value into ms since the epoch: "7d", "12h", "2w",
// "30m" (that long before `now`), "today", "week", "month" (start of the
// current local period), "2026-11-01" or "2026-11-01T08:30[:00]" (local time
// in `zone`), or an integer of ms since the epoch. Fails with invalid_argument.
Result<core::Millis> parse_instant(std::string_view text, core::Millis now, const governance::TimeZone& zone);

struct SpendQuery {
    core::Millis since = 0;          // inclusive
    core::Millis until = 0;          // exclusive
    Granularity period = Granularity::none;
    std::vector<Dimension> by;       // empty: one total row
    std::string node;                // hierarchy path filter ("" = all)
    std::string key;                 // key id filter
    std::string model;               // routed model filter
    std::string provider;            // provider filter
    int top = 0;                     // keep the N most costly groups (0 = all); the rest fold into "(other)"
    // Visibility: rows must lie within one of these paths ("" = everything).
    // Empty vector = no restriction. Set from the caller's role.
    std::vector<std::string> scopes;
    // Further restriction for callers who may only see their own spend.
    std::string own_user;            // user path, or ""
    std::string own_key;             // key id, or ""
};

// Sums over a set of ledger rows. All integers: exact.
struct Figures {
    std::int64_t requests = 0;
    std::int64_t input_tokens = 0;  // uncached input, as in the ledger
    std::int64_t cached_tokens = 0;
    std::int64_t output_tokens = 0;
    Nanos cost = 0;
    Nanos baseline = 0;
    std::int64_t errors = 0;        // status >= 400 or an error code
    std::int64_t fallbacks = 0;

    Nanos savings() const { return baseline - cost; }
    // savings / baseline in percent; 0 when the baseline is 0.
    double savings_pct() const;
    // cost / requests, rounded down to a nano-dollar; 0 for no requests.
    Nanos average_cost() const { return requests ? cost / requests : 0; }
    // cost / total in percent; 0 when total is 0.
    double share_of(Nanos total) const;
    Figures& operator+=(const Figures& other);
};

// One step of a time series: [start, end) in ms, labelled in local time.
struct Bucket {
    core::Millis start = 0;
    core::Millis end = 0;
    std::string label; // "2026-11-01" (day, week: its Monday) or "2026-11" (month)
};

struct SpendRow {
    std::vector<std::string> group; // one value per dimension ("" shows as "-")
    Figures totals;
    std::vector<Figures> series;    // one per bucket when a period is set
    bool other = false;             // the fold of groups beyond --top
};

// Requests priced other than from the catalog: models passed through before
// the catalog listed them (ledger column `pricing`).
struct PricingShare {
    std::string pricing;            // "config", "estimate" or "unpriced"
    std::int64_t requests = 0;
    Nanos cost = 0;
};

struct SpendReport {
    SpendQuery query;
    std::string zone;               // the time zone's name
    std::vector<Bucket> buckets;    // empty without a period
    std::vector<SpendRow> rows;     // most costly first
    Figures total;                  // over every row
    std::vector<Figures> total_series;
    std::vector<PricingShare> pricing; // of `total`, by pricing; empty when all came from the catalog
};

// The UTC boundaries of every `granularity` step that overlaps [since,
// until), aligned to local calendar periods in `zone` (weeks start Monday).
// Empty for Granularity::none. Pure.
std::vector<Bucket> make_buckets(Granularity granularity, core::Millis since, core::Millis until,
                                 const governance::TimeZone& zone);

// Runs `query` over the ledger in `db`: whole UTC hours from the rollup
// tables, partial hours at the edges of the range and of each bucket from the
// raw ledger, inside one read transaction (one snapshot). Falls back to
// run_spend_report_scan when the store has no rollup. Fails with
// invalid_argument (until not after since, too many buckets) or storage.
// Not thread-safe (it uses `db`); safe beside the ledger writer on another
// connection.
Result<SpendReport> run_spend_report(store::Database& db, const SpendQuery& query, const governance::TimeZone& zone);

// The same report from one scan of every raw ledger row in range: the
// reference the rollup path must equal exactly (tests, benchmarks). Same
// errors as run_spend_report.
Result<SpendReport> run_spend_report_scan(store::Database& db, const SpendQuery& query,
                                          const governance::TimeZone& zone);

} // namespace megarouter::reports
