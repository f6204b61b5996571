// Pieces shared by the two ways a spend report is computed: the scan of raw
// ledger rows (spend_report.cpp) and the read of the hourly/daily/monthly
// rollup (spend_rollup.cpp). Private to the reports module.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "megarouter/reports/spend.hpp"

namespace megarouter::reports::detail {

struct Sql {
    std::string text;
    std::vector<store::Value> values;
};

// Appends " AND ..." conditions for the query's filters and scopes to `sql`.
// Column names are those of both `ledger` and `ledger_combos`. Fails with
// invalid_argument for a malformed node path.
Result<void> add_filters(const SpendQuery& query, Sql& sql);

// `sql` prepared with its values bound, ready to step.
Result<store::Statement> prepare_bound(store::Database& db, const Sql& sql);

// An SQL expression giving a row's group key: the grouped columns joined by
// the unit separator (0x1f), or '' without grouping.
std::string group_expression(const std::vector<Dimension>& by);

// Collects figures per group key while rows are read, then turns them into
// the report's rows (dropping groups without requests), totals and ranking.
class Groups {
public:
    explicit Groups(SpendReport& report) : m_report(report) {}
    // The row index of group `key`, added when new.
    std::size_t find_or_add(std::string key);
    // Adds `figures` to row `row`, and to its bucket `bucket` when bucket >= 0.
    void add(std::size_t row, std::ptrdiff_t bucket, const Figures& figures);
    // Splits keys into group values, sums totals, ranks and folds beyond top.
    void finish();

private:
    SpendReport& m_report;
    std::unordered_map<std::string, std::size_t> m_index;
    std::vector<std::string> m_keys;
};

// Reads the raw ledger rows with from <= ts < to that pass the filters.
class RawScan {
public:
    // Prepares the statement. Fails with invalid_argument or storage.
    static Result<RawScan> prepare(store::Database& db, const SpendQuery& query);
    // Adds each row to `groups`: to bucket `bucket`, or (bucket < 0 and the
    // report has buckets) to the bucket holding its ts. Fails with storage.
    Result<void> run(core::Millis from, core::Millis to, std::ptrdiff_t bucket, const SpendReport& report,
                     Groups& groups);

private:
    store::Statement m_statement;
    std::vector<store::Value> m_values; // the filters' values, bound after from and to
};

// The rollup path of run_spend_report. Returns std::nullopt when the store
// has no rollup tables (then the caller scans the ledger). Fails with storage.
Result<std::optional<SpendReport>> run_from_rollup(store::Database& db, SpendReport report);

} // namespace megarouter::reports::detail
