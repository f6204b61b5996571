#include "routing/pool.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace megarouter::routing {

namespace {

using catalog::Model;

void drop_exclusions_of(Pool& pool, const std::vector<Candidate>& returned) {
    std::erase_if(pool.excluded, [&](const Excluded& e) {
        return std::any_of(returned.begin(), returned.end(), [&](const Candidate& c) { return c.offering == e.offering; });
    });
}

void recount_providers(std::vector<Candidate>& candidates) {
    std::map<const Model*, int> counts;
    for (const Candidate& c : candidates) ++counts[c.model];
    for (Candidate& c : candidates) c.independent_providers = counts[c.model];
}

// Pools not currently leased on this thread (plan() leases up to two at once:
// its own and the one for comparable models or group fallbacks).
std::vector<std::unique_ptr<Pool>>& free_pools() {
    thread_local std::vector<std::unique_ptr<Pool>> pools;
    return pools;
}

} // namespace

PoolLease::PoolLease() {
    auto& pools = free_pools();
    if (pools.empty()) {
        m_pool = new Pool;
    } else {
        m_pool = pools.back().release();
        pools.pop_back();
    }
}

PoolLease::~PoolLease() {
    m_pool->clear();
    try {
        free_pools().emplace_back(m_pool);
    } catch (...) { // out of memory for the list: just drop this pool
        delete m_pool;
    }
}

void collect_model(const Model& model, const Requirements& req, Pool& pool, int weight, std::string_view only_provider) {
    Verdict model_verdict = check_model(model, req);
    if (model_verdict.reason && !pool.record_excluded) return;
    bool has_health = !model_verdict.reason && req.health && req.health_models.test(model_bit(model.id));
    std::size_t first = pool.candidates.size();
    // Copied into place for each offering: cheaper than value-initialising
    // every candidate (which compiles to a slow `rep stos`).
    Candidate prototype;
    prototype.model = &model;
    prototype.weight = weight;
    for (const catalog::Offering& offering : model.offerings) {
        if (!only_provider.empty() && offering.provider != only_provider) continue;
        // Without exclusion records, offerings nobody can call are dropped
        // before a candidate is built for them.
        if (!pool.record_excluded && !req.configured.contains(offering.provider)) continue;
        if (model_verdict.reason) {
            pool.excluded.push_back({&model, &offering, *model_verdict.reason, model_verdict.needed});
            continue;
        }
        // Built in place (most offerings pass); taken back when excluded.
        Candidate& candidate = pool.candidates.emplace_back(prototype);
        candidate.offering = &offering;
        Verdict verdict = check_offering(model, offering, req, has_health, candidate);
        if (!verdict.reason) continue;
        if (pool.record_excluded) pool.excluded.push_back({&model, &offering, *verdict.reason, verdict.needed});
        if (*verdict.reason == Exclusion::ejected) pool.ejected.push_back(candidate);
        pool.candidates.pop_back();
    }
    int count = static_cast<int>(pool.candidates.size() - first);
    for (std::size_t i = first; i < pool.candidates.size(); ++i) pool.candidates[i].independent_providers = count;
}

void settle_pool(Pool& pool, const Requirements& req, std::vector<std::string>& notes, bool& panic,
                 double panic_threshold) {
    std::size_t healthy = pool.candidates.size();
    std::size_t total = healthy + pool.ejected.size();
    if (!pool.ejected.empty() && static_cast<double>(healthy) < panic_threshold * static_cast<double>(total)) {
        panic = true;
        notes.push_back("panic mode: only " + std::to_string(healthy) + " of " + std::to_string(total) +
                        " deployments healthy, so ejected ones are used too");
        drop_exclusions_of(pool, pool.ejected);
        pool.candidates.insert(pool.candidates.end(), pool.ejected.begin(), pool.ejected.end());
        recount_providers(pool.candidates);
    }
    if (!pool.candidates.empty()) return;
    // Nothing meets the tier: take the strongest tier that can serve rather
    // than fail (e.g. only light models have credentials).
    std::vector<Candidate> usable;
    for (const Excluded& e : pool.excluded) {
        if (e.reason != Exclusion::below_tier) continue;
        Candidate c;
        c.model = e.model;
        c.offering = e.offering;
        bool has_health = req.health && req.health_models.test(model_bit(e.model->id));
        if (!check_offering(*e.model, *e.offering, req, has_health, c).reason) usable.push_back(c);
    }
    if (usable.empty()) return;
    catalog::Tier best = catalog::Tier::light;
    for (const Candidate& c : usable) best = std::max(best, c.model->tier);
    std::erase_if(usable, [&](const Candidate& c) { return c.model->tier != best; });
    notes.push_back("no deployment of the required tier can serve; using the strongest available (" +
                    std::string(catalog::to_string(best)) + ")");
    drop_exclusions_of(pool, usable);
    pool.candidates = std::move(usable);
    recount_providers(pool.candidates);
}

Error no_route_error(const Pool& pool, const Plan& plan, const RoutingContext& context) {
    std::map<Exclusion, int> counts;
    for (const Excluded& e : pool.excluded) ++counts[e.reason];
    std::vector<std::pair<int, Exclusion>> ordered;
    for (auto [reason, count] : counts) ordered.emplace_back(count, reason);
    std::sort(ordered.begin(), ordered.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::string message = "no deployment can serve " + plan.requested;
    if (ordered.empty()) message += ": nothing matched";
    for (std::size_t i = 0; i < ordered.size(); ++i)
        message += (i == 0 ? ": " : ", ") + std::to_string(ordered[i].first) + " " +
                   std::string(to_string(ordered[i].second)) + (ordered[i].first == 1 ? "" : "");
    if (counts.count(Exclusion::no_credentials) && context.providers.empty())
        message += " (no provider has credentials: set e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY)";
    Error error = make_error(ErrorCode::no_route, message);
    bool only_cooling = counts.size() == 1 && counts.count(Exclusion::cooling_down);
    if (only_cooling && context.health) {
        core::Millis soonest = 0;
        for (const Excluded& e : pool.excluded)
            if (const DeploymentHealth* h = context.health->find(e.offering->provider, e.model->id))
                soonest = soonest == 0 ? h->retry_after_until : std::min(soonest, h->retry_after_until);
        error.retryable = true;
        error.retry_after_seconds = std::max(0.0, static_cast<double>(soonest - context.now) / 1000.0);
    }
    return error;
}

} // namespace megarouter::routing
