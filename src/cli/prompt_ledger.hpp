// Terminal spend in the ledger: `megarouter prompt` writes one ledger row
// per request that reached a provider, as the proxy does, so that
// `megarouter spend` and the reports show who spent what from a terminal too.
#pragma once

#include <string>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/store/database.hpp"
#include "megarouter/store/prompt_log.hpp"

namespace megarouter::cli {

// Whose spend a terminal request is: the config's [defaults] identity (a
// hierarchy path, split into org, dept, team and user), else
// "local:<login>" as the user with no org. Pure apart from reading the
// login name.
void set_identity(governance::LedgerEntry& row, const std::string& identity);

// What a finished prompt adds to its log entry for the ledger.
struct PromptSpend {
    std::string requested;  // the model as asked ("auto", an alias, ...)
    std::string mode;       // the routing mode used
    std::string error_code; // ErrorCode name, "" on success
    std::string pricing;    // LedgerEntry::pricing
};

// The ledger row of one finished prompt: endpoint "cli", the model asked,
// the one that answered with its vendor and tier, tokens, cost, latency and
// status (200, 499 interrupted, 502 failed). Identity fields are left empty.
// Pure.
governance::LedgerEntry ledger_row(const store::PromptLogEntry& entry, const PromptSpend& spend,
                                   const catalog::Catalog& catalog);

// Whether a finished prompt reached a provider: tokens or cost recorded.
bool reached_provider(const store::PromptLogEntry& entry);

// Writes `entry` to the ledger in `db` when it reached a provider; does
// nothing otherwise. The request id makes a second write of the same
// prompt a no-op. Fails with storage.
Result<void> record_prompt_spend(store::Database& db, const store::PromptLogEntry& entry, const PromptSpend& spend,
                                 const core::Config& config, const catalog::Catalog& catalog);

} // namespace megarouter::cli
