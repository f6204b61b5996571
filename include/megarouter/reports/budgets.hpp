// Budgets beside the spend: each budget in view with what is spent, what
// remains, the guardrail it has reached, when its period resets, and a
// projection of the period's end spend at the current rate, flagged when
// that projection crosses the block line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/reports/spend.hpp"

namespace megarouter::reports {

struct BudgetView {
    std::int64_t id = 0;
    std::string scope_kind;          // "node", "key" or "pool"
    std::string scope;               // path, key id or pool name
    std::string period;              // "daily", "weekly", "monthly", "total"
    bool tokens = false;             // amounts in tokens rather than nano-dollars
    std::int64_t amount = 0;
    std::int64_t spent = 0;          // settled in the current period
    std::int64_t reserved = 0;       // held by requests in flight, when reserved_known
    bool reserved_known = false;     // only a running proxy knows (JSON shows null otherwise)
    std::int64_t remaining = 0;      // amount - spent - reserved, never below 0
    std::int64_t block_line = 0;     // amount * block_pct / 100
    int alert_pct = 0, downgrade_pct = 0, block_pct = 100;
    std::string level;               // "ok", "alert", "downgrade", "blocked"
    core::Millis period_start = 0;
    core::Millis resets_at = 0;      // INT64_MAX for total budgets
    std::int64_t projected = 0;      // period-end spend at the rate so far
    bool will_block = false;         // projected >= block_line while not blocked yet
    core::Millis blocks_at = 0;      // when the rate reaches the block line (0 = not in this period)
};

// The view of one budget at `now`: remaining, block line and projection.
// Pure; exact integer arithmetic.
BudgetView view_budget(const governance::BudgetInfo& budget, core::Millis now);

// Sets each view's reserved amount from a live gate's holds (limit id ->
// amount; absent = 0), marks it known and recomputes remaining. Pure.
void apply_reserved(std::vector<BudgetView>& budgets, const std::map<std::int64_t, std::int64_t>& reserved);

// The budgets that concern `query`: node budgets on the queried node, its
// ancestors and its descendants (every node when no node is given), the
// budget of a queried key, and pools with a member in view. `admin` applies
// the caller's permissions. Fails with storage.
Result<std::vector<BudgetView>> budgets_in_view(governance::Admin& admin, const SpendQuery& query, core::Millis now);

} // namespace megarouter::reports
