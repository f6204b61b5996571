// The ledger writer's side of the spend rollup (migration 42): a batch's rows
// summed per rollup cell in memory and written as one upsert per cell, in the
// batch's own transaction, instead of the trigger's four upserts per row.
// Rows the writer inserts carry rolled_up = 1, which the trigger skips (it
// still covers rows inserted any other way). Private to governance; used on
// the writer's thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <string>
#include <unordered_map>

#include "megarouter/core/error.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::governance {

// The UTC cells a timestamp (ms) falls in, as the trigger computes them:
// level 0 the hour, 1 the day, 2 the month, 3 the week from Monday; each
// start in ms.
struct RollupCell {
    int level = 0;
    std::int64_t start = 0;
};
std::array<RollupCell, 4> rollup_cells(std::int64_t ts_ms);

// ledger_combos ids by their dimension values, kept across batches. Ids
// stay valid once committed (combos are never deleted); ids found inside a
// transaction become known only when it commits.
class ComboIds {
public:
    std::optional<std::int64_t> find(const std::string& key) const;
    void stage(const std::string& key, std::int64_t id) { m_staged[key] = id; }
    void committed();  // staged ids become known
    void rolled_back() { m_staged.clear(); }

private:
    std::unordered_map<std::string, std::int64_t> m_known, m_staged;
};

class RollupBatch {
public:
    // A row the batch inserted (not a re-sent request id, which changed nothing).
    void add(const LedgerEntry& row);
    bool empty() const { return m_sums.empty(); }
    std::size_t cells() const { return m_sums.size(); }
    // Writes the combos it needs and one upsert per cell. Call inside the
    // batch's transaction.
    Result<void> write(store::Database& db, ComboIds& ids) const;

private:
    struct Sums {
        std::int64_t requests = 0, input = 0, cached = 0, output = 0, cost = 0, baseline = 0, errors = 0, fallbacks = 0;
    };
    // (combo key, level, start) -> sums; the combo key encodes the eleven
    // dimension values (org ... endpoint), which m_values holds apart.
    std::map<std::tuple<std::string, int, std::int64_t>, Sums> m_sums;
    std::unordered_map<std::string, std::array<std::string, 11>> m_values;
};

} // namespace megarouter::governance
