// Internal to routing: the pool of deployments one plan() call collects --
// eligible candidates, the ones held back only by ejection (for panic mode),
// and every exclusion with its reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "routing/router_internal.hpp"

namespace megarouter::routing {

struct Pool {
    std::vector<Candidate> candidates;
    std::vector<Candidate> ejected;    // passed everything but outlier ejection
    std::vector<Excluded> excluded;
    // Off for pools whose exclusions nobody reads (comparable-model fallbacks):
    // excluded models are then skipped without looking at their offerings.
    bool record_excluded = true;

    void reserve(std::size_t n) {
        candidates.reserve(n / 2);
        excluded.reserve(n);
    }
    // Empties the pool, keeping the capacity.
    void clear() {
        candidates.clear();
        ejected.clear();
        excluded.clear();
        record_excluded = true;
    }
};

// A Pool borrowed from a per-thread free list and returned (emptied, its
// capacity kept) when the lease ends. A plan() call over the full catalog
// fills ~100 KB of candidates; allocating and freeing that on every request
// made glibc grow and trim the heap each time, which cost more than routing.
class PoolLease {
public:
    PoolLease();
    ~PoolLease();
    PoolLease(const PoolLease&) = delete;
    PoolLease& operator=(const PoolLease&) = delete;

    Pool& operator*() const { return *m_pool; }
    Pool* operator->() const { return m_pool; }

private:
    Pool* m_pool;
};

// Checks every offering of `model` (or only `only_provider`'s) and files each
// into the pool. Sets independent_providers on the model's candidates.
void collect_model(const catalog::Model& model, const Requirements& req, Pool& pool, int weight = 0,
                   std::string_view only_provider = {});

// Applies the panic threshold (too few healthy: ejected deployments return)
// and tier relaxation (nothing meets the tier: the strongest tier available
// is used), adding a note for each.
// Relaxation re-checks the below-tier exclusions with the tier waived.
void settle_pool(Pool& pool, const Requirements& req, std::vector<std::string>& notes, bool& panic,
                 double panic_threshold);

// The no_route error for an empty pool: the exclusion reasons by count, a
// hint when credentials are missing, and retryable with retry_after_seconds
// when only Retry-After holds deployments back.
Error no_route_error(const Pool& pool, const Plan& plan, const RoutingContext& context);

} // namespace megarouter::routing
