// How the gate keeps its in-memory view coherent with the store, which the
// CLI and other gateway processes write while this one runs: every request
// reads SQLite's `PRAGMA data_version` on an open connection (it moves when
// any other connection commits; a read of the WAL index in shared memory)
// and only then the gov_version change counter, which triggers bump on every
// settings write. A moved counter reloads the whole snapshot, so a key
// created or revoked by the CLI holds from the next request on. A change
// that cannot be loaded fails the request (closed), never serves the old view.
//
// On PostgreSQL a read per request would be a round trip on the event loop,
// so the writer thread polls gov_version every k_settings_poll (250 ms)
// instead: a change made anywhere reaches this gateway within that plus one
// snapshot load. While the server is unreachable the last snapshot serves.
#include "gate_impl.hpp"
#include "sql.hpp"

namespace megarouter::governance {

namespace {

// The grants of every key: its owner's grants and its own role at its owner
// node, bound to the key's ceiling when it was minted by a principal.
void resolve_key_grants(Snapshot& snap, const std::unordered_map<std::string, std::vector<Grant>>& ceilings,
                        const std::unordered_map<std::string, bool>& bounded) {
    for (auto& [hash, key] : snap.keys_by_hash) {
        if (auto it = snap.grants_by_subject.find(key.owner); it != snap.grants_by_subject.end()) key.grants = it->second;
        key.grants.push_back({key.role, key.owner});
        if (auto b = bounded.find(key.id); b == bounded.end() || !b->second) continue;
        auto ceiling = ceilings.find(key.id);
        key.grants = ceiling == ceilings.end() ? std::vector<Grant>{} : bound_grants(key.grants, ceiling->second);
    }
}

} // namespace

Result<std::shared_ptr<const Snapshot>> load_snapshot(store::Database& db) {
    auto snap = std::make_shared<Snapshot>();
    auto version = sql::each(db, "SELECT version FROM gov_version WHERE id = 1",
                             [&](const store::Statement& s) { snap->version = s.int64(0); });
    if (!version) return std::unexpected(version.error());
    std::unordered_map<std::string, bool> bounded;
    auto keys = sql::each(db, "SELECT hash, id, prefix, owner, role, expires_ms, revoked_ms, policy, bounded FROM gov_keys",
                          [&](const store::Statement& s) {
                              KeyRecord key{s.text(1), s.text(2), s.text(3), parse_role(s.text(4)).value_or(Role::member),
                                            sql::optional_int(s, 5), sql::optional_int(s, 6),
                                            policy_from_json(nlohmann::json::parse(s.text(7), nullptr, false)), {}};
                              bounded[key.id] = s.int64(8) != 0;
                              snap->keys_by_hash.emplace(s.text(0), std::move(key));
                          });
    if (!keys) return std::unexpected(keys.error());
    snap->any_keys = !snap->keys_by_hash.empty();
    auto grants = sql::each(db, "SELECT subject, role, scope FROM gov_grants", [&](const store::Statement& s) {
        snap->grants_by_subject[s.text(0)].push_back({parse_role(s.text(1)).value_or(Role::viewer), s.text(2)});
    });
    if (!grants) return std::unexpected(grants.error());
    std::unordered_map<std::string, std::vector<Grant>> ceilings;
    auto bounds = sql::each(db, "SELECT key_id, role, scope FROM gov_key_ceilings", [&](const store::Statement& s) {
        // An unknown role in a ceiling grants nothing (viewer carries no manage_roles).
        ceilings[s.text(0)].push_back({parse_role(s.text(1)).value_or(Role::viewer), s.text(2)});
    });
    if (!bounds) return std::unexpected(bounds.error());
    resolve_key_grants(*snap, ceilings, bounded);
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

// Steps a cached one-integer query and resets it at once: a statement left
// stepped would hold its read transaction (and an old view) open.
Result<std::int64_t> Gate::Impl::read_counter(std::optional<store::Statement>& query, const char* text) {
    if (!query) {
        auto prepared = check_db->prepare(text);
        if (!prepared) return std::unexpected(prepared.error());
        query.emplace(std::move(*prepared));
    }
    auto row = query->step();
    std::int64_t value = row && *row ? query->int64(0) : -1;
    query->reset();
    if (!row) return std::unexpected(row.error());
    if (value < 0) return fail(ErrorCode::storage, std::string("no value from ") + text);
    return value;
}

Result<void> Gate::Impl::refresh_settings() {
    Result<std::int64_t> current_version = 0;
    if (!settings_polled) {
        current_version = read_counter(data_version_query, "PRAGMA data_version");
        if (!current_version) return std::unexpected(current_version.error());
        if (*current_version == data_version && snapshot) return {};
    }
    auto settings_version = read_counter(settings_version_query, "SELECT version FROM gov_version WHERE id = 1");
    if (!settings_version) return std::unexpected(settings_version.error());
    if (snapshot && *settings_version == snapshot->version) {
        data_version = *current_version; // another connection wrote spend, not settings
        return {};
    }
    // One read transaction: the snapshot is one consistent state of the store.
    if (auto begun = check_db->begin_read(); !begun) return begun;
    auto loaded = load_snapshot(*check_db);
    (void)check_db->exec("COMMIT");
    if (!loaded) return std::unexpected(loaded.error()); // data_version kept: the next request retries
    sync_limits(**loaded, *check_db);
    snapshot = *loaded;
    published.store(snapshot);
    any_keys = snapshot->any_keys;
    data_version = *current_version;
    return {};
}

void Gate::Impl::poll_settings() {
    std::lock_guard lock(check_mutex);
    (void)refresh_settings(); // kept: the last snapshot; the next poll retries
}

Result<std::shared_ptr<const Snapshot>> Gate::Impl::current() {
    if (settings_polled) return published.load();
    std::lock_guard lock(check_mutex);
    // Fail closed: a change that cannot be loaded must not be served from
    // the old view (a revoked key would still pass).
    if (auto refreshed = refresh_settings(); !refreshed) return std::unexpected(refreshed.error());
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
            state.leased = settings_polled; // PostgreSQL: admitted against a lease (leases.cpp)
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
    state.lease = 0; // a new period: a new lease (the old one's row expires)
    state.lease_until = 0;
    state.lease_wanted = 0;
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

// Gateways sharing a store (PostgreSQL) each enforce an even share of every
// rpm/tpm limit: the limit divided by the gateways running (gov_replicas,
// refreshed every lease_ttl_ms / 4), rounded up. Behind a load balancer that
// spreads requests evenly the limit holds across them within one request
// (or token) per gateway and window; docs/postgresql.md.
std::vector<RateRule> Gate::Impl::rate_rules(const Snapshot& snap, const Principal& principal) const {
    std::vector<RateRule> rules;
    std::int64_t gateways = settings_polled ? std::max(1, active_replicas.load(std::memory_order_relaxed)) : 1;
    auto share = [&](std::optional<std::int64_t> limit) -> std::optional<std::int64_t> {
        if (!limit || gateways == 1) return limit;
        return (*limit + gateways - 1) / gateways;
    };
    if (principal.policy.rpm || principal.policy.tpm)
        rules.push_back({"key " + principal.key_prefix, share(principal.policy.rpm), share(principal.policy.tpm)});
    for (const std::string* path : {&principal.user, &principal.team}) {
        if (path->empty()) continue;
        if (auto it = snap.node_limits.find(*path); it != snap.node_limits.end())
            rules.push_back({(path == &principal.user ? "user " : "team ") + *path, share(it->second.rpm),
                             share(it->second.tpm)});
    }
    return rules;
}

} // namespace megarouter::governance
