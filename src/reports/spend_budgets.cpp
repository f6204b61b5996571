// Budgets beside the spend: the governance budgets in view and a linear
// projection of each period's end spend.
#include <limits>

#include "megarouter/governance/roles.hpp"
#include "megarouter/reports/budgets.hpp"

namespace megarouter::reports {

namespace {

using Wide = __int128;

bool related(std::string_view path, std::string_view node) {
    return node.empty() || governance::path_within(path, node) || governance::path_within(node, path);
}

bool in_view(const governance::BudgetInfo& budget, const SpendQuery& query, const std::vector<std::string>& members) {
    switch (budget.spec.scope_kind) {
    case governance::ScopeKind::node: return related(budget.spec.scope, query.node);
    case governance::ScopeKind::key: return query.key.empty() ? query.node.empty() : budget.spec.scope == query.key;
    case governance::ScopeKind::pool:
        if (query.node.empty()) return true;
        for (const std::string& member : members)
            if (related(member, query.node)) return true;
        return false;
    }
    return false;
}

} // namespace

BudgetView view_budget(const governance::BudgetInfo& budget, core::Millis now) {
    BudgetView view;
    view.id = budget.id;
    view.scope_kind = std::string(governance::to_string(budget.spec.scope_kind));
    view.scope = budget.spec.scope;
    view.period = std::string(governance::to_string(budget.spec.period));
    view.tokens = budget.spec.tokens;
    view.amount = budget.spec.amount;
    view.spent = budget.spent;
    view.remaining = std::max<std::int64_t>(0, view.amount - view.spent - view.reserved);
    view.block_line = static_cast<std::int64_t>(Wide(view.amount) * budget.spec.block_pct / 100);
    view.alert_pct = budget.spec.alert_pct;
    view.downgrade_pct = budget.spec.downgrade_pct;
    view.block_pct = budget.spec.block_pct;
    view.level = budget.level;
    view.period_start = budget.bounds.start;
    view.resets_at = budget.bounds.end;
    view.projected = view.spent;
    bool bounded = budget.bounds.end != std::numeric_limits<core::Millis>::max();
    core::Millis elapsed = now - budget.bounds.start;
    if (bounded && elapsed > 0 && now < budget.bounds.end) {
        Wide length = budget.bounds.end - budget.bounds.start;
        view.projected = static_cast<std::int64_t>(Wide(view.spent) * length / elapsed);
        if (view.spent > 0 && view.spent < view.block_line)
            view.blocks_at = budget.bounds.start +
                             static_cast<core::Millis>(Wide(view.block_line) * elapsed / view.spent);
        if (view.blocks_at >= budget.bounds.end) view.blocks_at = 0;
    }
    view.will_block = view.level != "blocked" && view.block_line > 0 && view.projected >= view.block_line;
    return view;
}

void apply_reserved(std::vector<BudgetView>& budgets, const std::map<std::int64_t, std::int64_t>& reserved) {
    for (BudgetView& view : budgets) {
        auto it = reserved.find(view.id);
        view.reserved = it == reserved.end() ? 0 : it->second;
        view.reserved_known = true;
        view.remaining = std::max<std::int64_t>(0, view.amount - view.spent - view.reserved);
    }
}

Result<std::vector<BudgetView>> budgets_in_view(governance::Admin& admin, const SpendQuery& query, core::Millis now) {
    auto budgets = admin.list_budgets("");
    if (!budgets) return std::unexpected(budgets.error());
    std::vector<BudgetView> out;
    for (const governance::BudgetInfo& budget : *budgets) {
        std::vector<std::string> members;
        if (budget.spec.scope_kind == governance::ScopeKind::pool) {
            auto pool = admin.show_pool(budget.spec.scope);
            if (!pool) continue; // not visible to this caller
            members = pool->members;
        }
        if (in_view(budget, query, members)) out.push_back(view_budget(budget, now));
    }
    return out;
}

} // namespace megarouter::reports
