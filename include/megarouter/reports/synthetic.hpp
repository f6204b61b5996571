// Synthetic ledgers for benchmarks, demos and end-to-end tests: a seeded,
// reproducible stream of plausible ledger rows (organisations, teams, users,
// keys, models, providers, errors, fallbacks) and a fast bulk insert.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::reports {

struct SyntheticSpec {
    std::int64_t rows = 1000;
    core::Millis start = 0;     // first row's time
    core::Millis end = 0;       // rows are spread evenly over [start, end)
    std::uint64_t seed = 42;
    std::string id_prefix = "syn"; // request ids are <prefix>-<n>
};

// Row `index` of the synthetic ledger described by `spec`. Pure and
// deterministic: the same spec and index always give the same row.
governance::LedgerEntry synthetic_row(const SyntheticSpec& spec, std::int64_t index);

// Inserts `rows` into the ledger table in one transaction (a duplicate
// request_id is ignored). Fails with storage.
Result<void> insert_ledger_rows(store::Database& db, std::span<const governance::LedgerEntry> rows);

// Writes spec.rows synthetic rows in transactions of `batch` rows, calling
// `progress(done)` after each. Fails with storage.
Result<void> write_synthetic_ledger(store::Database& db, const SyntheticSpec& spec, std::int64_t batch = 50'000,
                                    const std::function<void(std::int64_t)>& progress = {});

} // namespace megarouter::reports
