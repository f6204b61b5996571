// Guardrail arithmetic shared by the gate and the admin views: which level a
// usage figure reaches on a budget, with `>=` at every boundary, and how a
// budget is named in messages. Pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "megarouter/governance/admin.hpp"

namespace megarouter::governance {

enum class Level { ok = 0, alert = 1, downgrade = 2, blocked = 3 };

std::string_view to_string(Level level);

// The highest guardrail `usage` has reached: usage * 100 >= amount * pct.
// A zero pct disables alert or downgrade; block is always on.
Level level_of(std::int64_t usage, const BudgetSpec& spec);

// What may still be held or spent before usage passes the block level:
// the largest charge c with (usage + c) * 100 <= amount * block_pct, and 0
// once usage has reached it. A request is admitted when its whole worst case
// fits in this room, so settled spend plus holds never pass the block level.
std::int64_t room_left(std::int64_t usage, const BudgetSpec& spec);

// "team acme/eng/platform monthly budget", "pool shared monthly budget",
// "key key_ab12 daily budget".
std::string budget_label(const BudgetSpec& spec);

// "$12.00" or "1200000 tokens".
std::string format_amount(std::int64_t amount, bool tokens);

} // namespace megarouter::governance
