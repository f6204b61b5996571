#include <algorithm>
#include <charconv>
#include <cstdio>

#include "limits.hpp"
#include "megarouter/governance/admin.hpp"
#include "sql.hpp"

namespace megarouter::governance {

std::string_view to_string(ScopeKind kind) {
    switch (kind) {
    case ScopeKind::node: return "node";
    case ScopeKind::key: return "key";
    case ScopeKind::pool: return "pool";
    }
    return "node";
}

Result<Nanos> parse_usd(std::string_view text) {
    if (!text.empty() && text.front() == '$') text.remove_prefix(1);
    auto dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    auto bad = [&] { return fail(ErrorCode::invalid_argument, "'" + std::string(text) + "' is not a USD amount (e.g. 12.50)"); };
    if ((whole.empty() && fraction.empty()) || fraction.size() > 9 || whole.size() > 9) return bad();
    if (!whole.empty() && (whole.front() < '0' || whole.front() > '9')) return bad(); // "-0.5" is not $0.50
    std::int64_t dollars = 0, nanos = 0;
    if (!whole.empty()) {
        auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), dollars);
        if (ec != std::errc() || end != whole.data() + whole.size()) return bad();
    }
    for (std::size_t i = 0; i < 9; ++i) {
        char c = i < fraction.size() ? fraction[i] : '0';
        if (c < '0' || c > '9') return bad();
        nanos = nanos * 10 + (c - '0');
    }
    return dollars * 1'000'000'000LL + nanos;
}

namespace {

constexpr const char* k_budget_columns = "id, scope_kind, scope, period, unit, amount, alert_pct, downgrade_pct, "
                                         "block_pct, price_ceiling_nanos, set_by";

BudgetInfo read_budget(const store::Statement& s) {
    BudgetInfo info;
    info.id = s.int64(0);
    std::string kind = s.text(1);
    info.spec.scope_kind = kind == "key" ? ScopeKind::key : kind == "pool" ? ScopeKind::pool : ScopeKind::node;
    info.spec.scope = s.text(2);
    info.spec.period = parse_period(s.text(3)).value_or(Period::total);
    info.spec.tokens = s.text(4) == "tokens";
    info.spec.amount = s.int64(5);
    info.spec.alert_pct = static_cast<int>(s.int64(6));
    info.spec.downgrade_pct = static_cast<int>(s.int64(7));
    info.spec.block_pct = static_cast<int>(s.int64(8));
    info.spec.price_ceiling_nanos = sql::optional_int(s, 9);
    info.set_by = s.text(10);
    return info;
}

Result<void> validate(const BudgetSpec& spec) {
    if (spec.amount < 0) return fail(ErrorCode::invalid_argument, "a budget amount cannot be negative");
    for (int pct : {spec.alert_pct, spec.downgrade_pct, spec.block_pct})
        if (pct < 0 || pct > 1000) return fail(ErrorCode::invalid_argument, "guardrail percentages must be 0..1000");
    if (spec.block_pct == 0) return fail(ErrorCode::invalid_argument, "the block guardrail cannot be 0%");
    if ((spec.alert_pct && spec.alert_pct > spec.block_pct) || (spec.downgrade_pct && spec.downgrade_pct > spec.block_pct))
        return fail(ErrorCode::invalid_argument, "alert and downgrade must not be above block");
    return {};
}

} // namespace

// What a budget's permission is checked against: the node itself, a key's
// owner, or (for pools) every member — here the pool's first member or the root.
std::string Admin::budget_target(const BudgetSpec& spec) {
    if (spec.scope_kind == ScopeKind::node) return spec.scope;
    if (spec.scope_kind == ScopeKind::key) {
        auto key = find_key(spec.scope);
        return key ? key->owner : spec.scope;
    }
    return ""; // pools span nodes: only root-scoped grants (or local/master) manage them
}

Result<BudgetInfo> Admin::load_budget(std::int64_t id) {
    std::optional<BudgetInfo> found;
    auto rows = sql::each(m_db, std::string("SELECT ") + k_budget_columns + " FROM gov_budgets WHERE id = ?",
                          [&](const store::Statement& s) { found = read_budget(s); }, id);
    if (!rows) return std::unexpected(rows.error());
    if (!found) return fail(ErrorCode::not_found, "no budget " + std::to_string(id));
    found->bounds = period_bounds(found->spec.period, m_clock.now_ms(), m_zone);
    auto usage = sql::each(m_db, "SELECT spent FROM gov_usage WHERE budget_id = ? AND period_start = ?",
                           [&](const store::Statement& s) { found->spent = s.int64(0); }, id, found->bounds.start);
    if (!usage) return std::unexpected(usage.error());
    found->level = std::string(to_string(level_of(found->spent, found->spec)));
    return *found;
}

Result<void> Admin::may_change_limit(std::int64_t id, const std::string& scope, const std::string& set_by) const {
    if (require(Permission::manage_budgets, set_by)) return {};
    return fail(ErrorCode::permission_denied, "budget " + std::to_string(id) + " on '" + scope + "' was set at '" +
                                                  set_by + "'; only a role with manage_budgets over '" + set_by +
                                                  "' may change or remove it");
}

// Checks and writes one budget; runs inside the caller's transaction so that
// the check and the write see the same state. Returns the budget's id.
Result<std::int64_t> Admin::write_budget(const BudgetSpec& spec_in) {
    BudgetSpec spec = spec_in;
    if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
    if (spec.scope_kind == ScopeKind::node) {
        if (auto node = show_node(spec.scope); !node) return std::unexpected(node.error());
    } else if (spec.scope_kind == ScopeKind::key) {
        auto key = find_key(spec.scope);
        if (!key) return std::unexpected(key.error());
        spec.scope = key->id;
    }
    std::string target = budget_target(spec);
    auto set_by = authority(Permission::manage_budgets, target);
    if (!set_by) return std::unexpected(require(Permission::manage_budgets, target).error());
    std::optional<std::pair<std::int64_t, std::string>> existing;
    auto found = sql::each(m_db, "SELECT id, set_by FROM gov_budgets WHERE scope_kind = ? AND scope = ? AND period = ?",
                           [&](const store::Statement& s) { existing.emplace(s.int64(0), s.text(1)); },
                           std::string(to_string(spec.scope_kind)), spec.scope, std::string(to_string(spec.period)));
    if (!found) return std::unexpected(found.error());
    if (existing)
        if (auto allowed = may_change_limit(existing->first, spec.scope, existing->second); !allowed)
            return std::unexpected(allowed.error());
    auto written = sql::run(
        m_db,
        "INSERT INTO gov_budgets(scope_kind, scope, period, unit, amount, alert_pct, downgrade_pct, block_pct, "
        "price_ceiling_nanos, created_ms, set_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(scope_kind, scope, period) DO UPDATE SET unit = excluded.unit, amount = excluded.amount, "
        "alert_pct = excluded.alert_pct, downgrade_pct = excluded.downgrade_pct, block_pct = excluded.block_pct, "
        "price_ceiling_nanos = excluded.price_ceiling_nanos, set_by = excluded.set_by",
        std::string(to_string(spec.scope_kind)), spec.scope, std::string(to_string(spec.period)),
        std::string(spec.tokens ? "tokens" : "usd"), spec.amount, spec.alert_pct, spec.downgrade_pct, spec.block_pct,
        spec.price_ceiling_nanos, m_clock.now_ms(), *set_by);
    if (!written) return std::unexpected(written.error());
    std::int64_t id = 0;
    auto rows = sql::each(m_db, "SELECT id FROM gov_budgets WHERE scope_kind = ? AND scope = ? AND period = ?",
                          [&](const store::Statement& s) { id = s.int64(0); }, std::string(to_string(spec.scope_kind)),
                          spec.scope, std::string(to_string(spec.period)));
    if (!rows) return std::unexpected(rows.error());
    return id;
}

Result<BudgetInfo> Admin::set_budget(const BudgetSpec& spec) {
    std::int64_t id = 0;
    auto written = m_db.transaction([&]() -> Result<void> {
        auto made = write_budget(spec);
        if (!made) return std::unexpected(made.error());
        id = *made;
        return {};
    });
    if (!written) return std::unexpected(written.error());
    return load_budget(id);
}

Result<std::vector<BudgetInfo>> Admin::list_budgets(std::string_view under) {
    std::vector<std::int64_t> ids;
    auto rows = sql::each(m_db, "SELECT id FROM gov_budgets ORDER BY scope_kind, scope, period",
                          [&](const store::Statement& s) { ids.push_back(s.int64(0)); });
    if (!rows) return std::unexpected(rows.error());
    std::vector<BudgetInfo> budgets;
    for (std::int64_t id : ids) {
        auto budget = load_budget(id);
        if (!budget) return std::unexpected(budget.error());
        std::string target = budget_target(budget->spec);
        if (budget->spec.scope_kind != ScopeKind::pool && !path_within(target, under)) continue;
        if (require(Permission::view_spend, target)) budgets.push_back(std::move(*budget));
    }
    return budgets;
}

Result<BudgetInfo> Admin::show_budget(std::int64_t id) {
    auto budget = load_budget(id);
    if (!budget) return budget;
    if (auto allowed = require(Permission::view_spend, budget_target(budget->spec)); !allowed)
        return std::unexpected(allowed.error());
    return budget;
}

Result<void> Admin::delete_budget(std::int64_t id) {
    return m_db.transaction([&]() -> Result<void> {
        auto budget = load_budget(id);
        if (!budget) return std::unexpected(budget.error());
        if (auto allowed = require(Permission::manage_budgets, budget_target(budget->spec)); !allowed) return allowed;
        if (auto allowed = may_change_limit(id, budget->spec.scope, budget->set_by); !allowed) return allowed;
        if (auto r = sql::run(m_db, "DELETE FROM gov_usage WHERE budget_id = ?", id); !r) return r;
        return sql::run(m_db, "DELETE FROM gov_budgets WHERE id = ?", id);
    });
}

// Before a node leaves (delete) or escapes its ancestors (move): every
// budget on the nodes and keys of `subtree` and on the `nodes` listed must be
// one the actor may remove (its set_by), and their pool memberships need the
// root. Runs inside the caller's transaction.
Result<void> Admin::may_drop_limits(std::string_view subtree, const std::vector<std::string>& nodes) {
    if (!m_actor.principal || m_actor.principal->master) return {};
    auto affected = [&](const std::string& path) {
        return (!subtree.empty() && path_within(path, subtree)) || std::find(nodes.begin(), nodes.end(), path) != nodes.end();
    };
    std::optional<Error> refused;
    auto budgets = sql::each(m_db,
                             "SELECT b.id, b.scope, b.set_by, CASE b.scope_kind WHEN 'node' THEN b.scope "
                             "ELSE COALESCE(k.owner, '') END FROM gov_budgets b "
                             "LEFT JOIN gov_keys k ON b.scope_kind = 'key' AND k.id = b.scope WHERE b.scope_kind <> 'pool'",
                             [&](const store::Statement& s) {
                                 if (refused || !affected(s.text(3))) return;
                                 if (auto ok = may_change_limit(s.int64(0), s.text(1), s.text(2)); !ok) refused = ok.error();
                             });
    if (!budgets) return std::unexpected(budgets.error());
    if (refused) return fail(*refused);
    auto members = sql::each(m_db, "SELECT pool, node FROM gov_pool_members", [&](const store::Statement& s) {
        if (refused || !affected(s.text(1))) return;
        if (!require(Permission::manage_budgets, ""))
            refused = make_error(ErrorCode::permission_denied, "'" + s.text(1) + "' is a member of pool '" + s.text(0) +
                                                                   "'; only a root-scoped role may take it out");
    });
    if (!members) return std::unexpected(members.error());
    if (refused) return fail(*refused);
    return {};
}

Result<PoolInfo> Admin::create_pool(std::string_view name, std::string_view description, const BudgetSpec& limit) {
    if (name.empty() || name.find('/') != std::string_view::npos)
        return fail(ErrorCode::invalid_argument, "a pool name is one word without '/'");
    if (auto allowed = require(Permission::manage_budgets, ""); !allowed) return std::unexpected(allowed.error());
    BudgetSpec spec = limit;
    spec.scope_kind = ScopeKind::pool;
    spec.scope = std::string(name);
    if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
    auto created = m_db.transaction([&]() -> Result<void> {
        auto inserted = sql::run(m_db, "INSERT INTO gov_pools(name, description, created_ms) VALUES (?, ?, ?) "
                                       "ON CONFLICT(name) DO NOTHING",
                                 std::string(name), std::string(description), m_clock.now_ms());
        if (!inserted) return inserted;
        if (m_db.changes() == 0) return fail(ErrorCode::invalid_argument, "pool '" + std::string(name) + "' exists already");
        auto budget = write_budget(spec);
        if (!budget) return std::unexpected(budget.error());
        return {};
    });
    if (!created) return std::unexpected(created.error());
    return show_pool(name);
}

// Membership puts a node under the pool's limit and lets it draw on what the
// other members share, so both directions need the root (docs/governance.md).
Result<PoolInfo> Admin::add_pool_member(std::string_view pool, std::string_view node) {
    if (auto allowed = require(Permission::manage_budgets, ""); !allowed) return std::unexpected(allowed.error());
    auto added = m_db.transaction([&]() -> Result<void> {
        if (auto p = show_pool(pool); !p) return std::unexpected(p.error());
        if (auto n = show_node(node); !n) return std::unexpected(n.error());
        return sql::run(m_db, "INSERT INTO gov_pool_members(pool, node) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        std::string(pool), std::string(node));
    });
    if (!added) return std::unexpected(added.error());
    return show_pool(pool);
}

Result<PoolInfo> Admin::remove_pool_member(std::string_view pool, std::string_view node) {
    if (auto allowed = require(Permission::manage_budgets, ""); !allowed)
        return fail(ErrorCode::permission_denied, "only a root-scoped role may take '" + std::string(node) +
                                                      "' out of pool '" + std::string(pool) + "': " +
                                                      allowed.error().message);
    auto removed = m_db.transaction([&]() -> Result<void> {
        auto deleted = sql::run(m_db, "DELETE FROM gov_pool_members WHERE pool = ? AND node = ?", std::string(pool),
                                std::string(node));
        if (!deleted) return deleted;
        if (m_db.changes() == 0)
            return fail(ErrorCode::not_found, "'" + std::string(node) + "' is not in pool '" + std::string(pool) + "'");
        return {};
    });
    if (!removed) return std::unexpected(removed.error());
    return show_pool(pool);
}

Result<PoolInfo> Admin::show_pool(std::string_view name) {
    std::optional<PoolInfo> pool;
    auto rows = sql::each(m_db, "SELECT name, description FROM gov_pools WHERE name = ?",
                          [&](const store::Statement& s) { pool = PoolInfo{s.text(0), s.text(1), {}, {}}; },
                          std::string(name));
    if (!rows) return std::unexpected(rows.error());
    if (!pool) return fail(ErrorCode::not_found, "no pool '" + std::string(name) + "'");
    auto members = sql::each(m_db, "SELECT node FROM gov_pool_members WHERE pool = ? ORDER BY node",
                             [&](const store::Statement& s) { pool->members.push_back(s.text(0)); }, std::string(name));
    if (!members) return std::unexpected(members.error());
    std::vector<std::int64_t> ids;
    auto budgets = sql::each(m_db, "SELECT id FROM gov_budgets WHERE scope_kind = 'pool' AND scope = ? ORDER BY period",
                             [&](const store::Statement& s) { ids.push_back(s.int64(0)); }, std::string(name));
    if (!budgets) return std::unexpected(budgets.error());
    for (std::int64_t id : ids) {
        auto budget = load_budget(id);
        if (!budget) return std::unexpected(budget.error());
        pool->budgets.push_back(std::move(*budget));
    }
    bool visible = !require(Permission::view_spend, "").has_value() ? false : true;
    for (const std::string& member : pool->members) visible = visible || require(Permission::view_spend, member).has_value();
    if (!visible) return fail(ErrorCode::permission_denied, "no view_spend on any member of pool '" + std::string(name) + "'");
    return *pool;
}

Result<std::vector<PoolInfo>> Admin::list_pools() {
    std::vector<std::string> names;
    auto rows = sql::each(m_db, "SELECT name FROM gov_pools ORDER BY name",
                          [&](const store::Statement& s) { names.push_back(s.text(0)); });
    if (!rows) return std::unexpected(rows.error());
    std::vector<PoolInfo> pools;
    for (const std::string& name : names)
        if (auto pool = show_pool(name)) pools.push_back(std::move(*pool));
    return pools;
}

} // namespace megarouter::governance
