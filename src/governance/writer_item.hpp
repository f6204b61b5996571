// What a request hands the ledger writer: its ledger row, what it charged
// each budget, and the alert events it raised. Committed together, or kept
// together in the local spool (ledger_spool.hpp) while the store is away.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/governance/ledger.hpp"

namespace megarouter::governance {

struct Charge {
    std::int64_t budget_id = 0;
    core::Millis period_start = 0;
    std::int64_t amount = 0;
};

struct QueuedEvent {
    std::string id, type, node, summary;
    core::Millis ts = 0;
    nlohmann::json figures;
};

struct WriterItem {
    std::optional<LedgerEntry> row;
    std::vector<Charge> charges;
    std::vector<QueuedEvent> events;
};

} // namespace megarouter::governance
