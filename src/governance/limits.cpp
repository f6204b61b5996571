#include "limits.hpp"
#include "megarouter/catalog/catalog.hpp"

namespace megarouter::governance {

std::string_view to_string(Level level) {
    switch (level) {
    case Level::ok: return "ok";
    case Level::alert: return "alert";
    case Level::downgrade: return "downgrade";
    case Level::blocked: return "blocked";
    }
    return "ok";
}

namespace {

bool reached(std::int64_t usage, std::int64_t amount, int pct) {
    // 128-bit so that a token or nano-dollar figure times 100 cannot overflow.
    return static_cast<__int128>(usage) * 100 >= static_cast<__int128>(amount) * pct;
}

} // namespace

Level level_of(std::int64_t usage, const BudgetSpec& spec) {
    if (reached(usage, spec.amount, spec.block_pct)) return Level::blocked;
    if (spec.downgrade_pct > 0 && reached(usage, spec.amount, spec.downgrade_pct)) return Level::downgrade;
    if (spec.alert_pct > 0 && reached(usage, spec.amount, spec.alert_pct)) return Level::alert;
    return Level::ok;
}

std::int64_t room_left(std::int64_t usage, const BudgetSpec& spec) {
    if (reached(usage, spec.amount, spec.block_pct)) return 0;
    __int128 limit = static_cast<__int128>(spec.amount) * spec.block_pct / 100; // floor: amounts are >= 0
    __int128 room = limit - usage;
    if (room <= 0) return 0;
    return room > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(room);
}

std::string budget_label(const BudgetSpec& spec) {
    std::string who;
    if (spec.scope_kind == ScopeKind::node) {
        auto kind = kind_of_path(spec.scope);
        who = std::string(kind ? to_string(*kind) : "node") + " " + spec.scope;
    } else {
        who = std::string(to_string(spec.scope_kind)) + " " + spec.scope;
    }
    return who + " " + std::string(to_string(spec.period)) + " budget";
}

std::string format_amount(std::int64_t amount, bool tokens) {
    return tokens ? std::to_string(amount) + " tokens" : catalog::format_usd(amount);
}

} // namespace megarouter::governance
