// How the gate keeps its in-memory view coherent with the store, which the
// CLI and other gateway processes write while this one runs: every request
// reads SQLite's `PRAGMA data_version` (cheap; it moves when any other
// connection commits) and only then the gov_version change counter, which
// triggers bump on every settings write. A moved counter reloads the whole
// snapshot, so a revocation holds from the next request on.
#include "gate_impl.hpp"
#include "sql.hpp"

namespace megarouter::governance {

Result<std::shared_ptr<const Snapshot>> load_snapshot(store::Database& db) {
    auto snap = std::make_shared<Snapshot>();
    auto version = sql::each(db, "SELECT version FROM gov_version WHERE id = 1",
                             [&](const store::Statement& s) { snap->version = s.int64(0); });
    if (!version) return std::unexpected(version.error());
    auto keys = sql::each(db, "SELECT hash, id, prefix, owner, role, expires_ms, revoked_ms, policy FROM gov_keys",
                          [&](const store::Statement& s) {
                              KeyRecord key{s.text(1), s.text(2), s.text(3), parse_role(s.text(4)).value_or(Role::member),
                                            sql::optional_int(s, 5), sql::optional_int(s, 6),
                                            policy_from_json(nlohmann::json::parse(s.text(7), nullptr, false))};
                              snap->keys_by_hash.emplace(s.text(0), std::move(key));
                          });
    if (!keys) return std::unexpected(keys.error());
    snap->any_keys = !snap->keys_by_hash.empty();
    auto grants = sql::each(db, "SELECT subject, role, scope FROM gov_grants", [&](const store::Statement& s) {
        snap->grants_by_subject[s.text(0)].push_back({parse_role(s.text(1)).value_or(Role::viewer), s.text(2)});
    });
    if (!grants) return std::unexpected(grants.error());
    auto nodes = sql::each(db, "SELECT path, rpm, tpm FROM gov_nodes WHERE rpm IS NOT NULL OR tpm IS NOT NULL",
                           [&](const store::Statement& s) {
                               snap->node_limits[s.text(0)] = {sql::optional_int(s, 1), sql::optional_int(s, 2)};
                           });
    if (!nodes) return std::unexpected(nodes.error());
    auto budgets = sql::each(db, "SELECT id, scope_kind, scope, period, unit, amount, alert_pct, downgrade_pct, block_pct, "
                                 "price_ceiling_nanos FROM gov_budgets",
                             [&](const store::Statement& s) {
                                 BudgetSpec spec;
                                 std::string kind = s.text(1);
                                 spec.scope_kind = kind == "key" ? ScopeKind::key : kind == "pool" ? ScopeKind::pool : ScopeKind::node;
                                 spec.scope = s.text(2);
                                 spec.period = parse_period(s.text(3)).value_or(Period::total);
                                 spec.tokens = s.text(4) == "tokens";
                                 spec.amount = s.int64(5);
                                 spec.alert_pct = static_cast<int>(s.int64(6));
                                 spec.downgrade_pct = static_cast<int>(s.int64(7));
                                 spec.block_pct = static_cast<int>(s.int64(8));
                                 spec.price_ceiling_nanos = sql::optional_int(s, 9);
                                 snap->budgets_by_scope[kind + ":" + spec.scope].push_back(s.int64(0));
                                 snap->budgets.emplace(s.int64(0), std::move(spec));
                             });
    if (!budgets) return std::unexpected(budgets.error());
    auto members = sql::each(db, "SELECT pool, node FROM gov_pool_members", [&](const store::Statement& s) {
        snap->pools_by_node[s.text(1)].push_back(s.text(0));
    });
    if (!members) return std::unexpected(members.error());
    return std::shared_ptr<const Snapshot>(std::move(snap));
}

Result<std::shared_ptr<const Snapshot>> Gate::Impl::load_snapshot(store::Database& db) {
    return governance::load_snapshot(db);
}

Result<void> Gate::Impl::refresh_settings() {
    auto pragma = check_db->prepare("PRAGMA data_version");
    if (!pragma) return std::unexpected(pragma.error());
    auto row = pragma->step();
    if (!row) return std::unexpected(row.error());
    std::int64_t current_version = pragma->int64(0);
    if (current_version == data_version && snapshot) return {};
    data_version = current_version;
    std::int64_t settings_version = -1;
    auto counter = sql::each(*check_db, "SELECT version FROM gov_version WHERE id = 1",
                             [&](const store::Statement& s) { settings_version = s.int64(0); });
    if (!counter) return std::unexpected(counter.error());
    if (snapshot && settings_version == snapshot->version) return {};
    auto loaded = load_snapshot(*check_db);
    if (!loaded) return std::unexpected(loaded.error());
    sync_limits(**loaded, *check_db);
    snapshot = *loaded;
    any_keys = snapshot->any_keys;
    return {};
}

Result<std::shared_ptr<const Snapshot>> Gate::Impl::current() {
    std::lock_guard lock(check_mutex);
    if (auto refreshed = refresh_settings(); !refreshed) {
        if (!snapshot) return std::unexpected(refreshed.error());
        // A busy or failing store must not stop traffic: keep the last view.
    }
    return snapshot;
}

// Brings the live counters in line with a new snapshot: new budgets get their
// current period's usage from the store, changed ones their new spec.
void Gate::Impl::sync_limits(const Snapshot& snap, store::Database& db) {
    core::Millis now = clock->now_ms();
    std::vector<std::pair<std::int64_t, PeriodBounds>> fresh;
    {
        std::lock_guard lock(limits_mutex);
        for (auto it = limits.begin(); it != limits.end();)
            it = snap.budgets.contains(it->first) ? std::next(it) : limits.erase(it);
        for (const auto& [id, spec] : snap.budgets) {
            auto found = limits.find(id);
            if (found != limits.end() && found->second.spec.period == spec.period) {
                found->second.spec = spec;
                continue;
            }
            LimitState state;
            state.spec = spec;
            state.bounds = period_bounds(spec.period, now, zone);
            limits[id] = state;
            fresh.emplace_back(id, state.bounds);
        }
    }
    for (const auto& [id, bounds] : fresh) {
        std::int64_t spent = 0;
        (void)sql::each(db, "SELECT spent FROM gov_usage WHERE budget_id = ? AND period_start = ?",
                        [&](const store::Statement& s) { spent = s.int64(0); }, id, bounds.start);
        std::lock_guard lock(limits_mutex);
        if (auto it = limits.find(id); it != limits.end() && it->second.bounds.start == bounds.start) {
            it->second.db_spent = spent;
            it->second.fired = level_of(spent, it->second.spec); // crossings before start were already sent
        }
    }
}

// Re-reads committed usage (other processes' spend). Runs on the writer
// thread, which also commits this process's spend, so pending stays exact.
void Gate::Impl::reload_usage(store::Database& db) {
    std::unordered_map<std::int64_t, std::pair<core::Millis, std::int64_t>> rows;
    std::vector<std::pair<std::int64_t, core::Millis>> wanted;
    {
        std::lock_guard lock(limits_mutex);
        for (const auto& [id, state] : limits) wanted.emplace_back(id, state.bounds.start);
    }
    for (const auto& [id, start] : wanted) {
        auto read = sql::each(db, "SELECT spent FROM gov_usage WHERE budget_id = ? AND period_start = ?",
                              [&](const store::Statement& s) { rows[id] = {start, s.int64(0)}; }, id, start);
        if (!read) return;
    }
    std::lock_guard lock(limits_mutex);
    for (const auto& [id, row] : rows)
        if (auto it = limits.find(id); it != limits.end() && it->second.bounds.start == row.first)
            it->second.db_spent = row.second;
}

void Gate::Impl::roll_period(std::int64_t id, LimitState& state, core::Millis now, std::vector<QueuedEvent>& events) {
    if (now < state.bounds.end) return;
    PeriodBounds next = period_bounds(state.spec.period, now, zone);
    if (state.fired != Level::ok)
        events.push_back({"evt_b" + std::to_string(id) + "_" + std::to_string(next.start) + "_reset", "budget.reset",
                          state.spec.scope_kind == ScopeKind::node ? state.spec.scope : "",
                          budget_label(state.spec) + " reset for a new period; it resets again at " +
                              format_local(next.end, zone),
                          now,
                          {{"budget_id", id}, {"scope", state.spec.scope}, {"period", to_string(state.spec.period)},
                           {"previous_spent", state.spent()}, {"amount", state.spec.amount}}});
    state.bounds = next;
    state.db_spent = 0;
    state.pending = 0;
    state.fired = Level::ok;
}

std::vector<std::int64_t> Gate::Impl::limits_for(const Snapshot& snap, const Principal& principal,
                                                 std::string* pools) const {
    std::vector<std::int64_t> ids;
    auto add_scope = [&](const std::string& scope) {
        if (auto it = snap.budgets_by_scope.find(scope); it != snap.budgets_by_scope.end())
            for (std::int64_t id : it->second)
                if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    };
    if (!principal.key_id.empty()) add_scope("key:" + principal.key_id);
    std::vector<std::string> pool_names;
    for (const std::string* path : {&principal.user, &principal.team, &principal.dept, &principal.org}) {
        if (path->empty()) continue;
        add_scope("node:" + *path);
        if (auto it = snap.pools_by_node.find(*path); it != snap.pools_by_node.end())
            for (const std::string& pool : it->second)
                if (std::find(pool_names.begin(), pool_names.end(), pool) == pool_names.end()) pool_names.push_back(pool);
    }
    for (const std::string& pool : pool_names) add_scope("pool:" + pool);
    if (pools) {
        pools->clear();
        for (const std::string& pool : pool_names) *pools += (pools->empty() ? "" : ",") + pool;
    }
    return ids;
}

std::vector<RateRule> Gate::Impl::rate_rules(const Snapshot& snap, const Principal& principal) const {
    std::vector<RateRule> rules;
    if (principal.policy.rpm || principal.policy.tpm)
        rules.push_back({"key " + principal.key_prefix, principal.policy.rpm, principal.policy.tpm});
    for (const std::string* path : {&principal.user, &principal.team}) {
        if (path->empty()) continue;
        if (auto it = snap.node_limits.find(*path); it != snap.node_limits.end())
            rules.push_back({(path == &principal.user ? "user " : "team ") + *path, it->second.rpm, it->second.tpm});
    }
    return rules;
}

} // namespace megarouter::governance
