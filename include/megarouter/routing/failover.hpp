// The walk over a plan's deployments: the one order the proxy and
// `megarouter prompt` try them in, and the chain the dry run prints.
//
// It starts with the chosen deployment and the plan's fallbacks; then each
// failure decides what comes next:
//   - a context-length error replaces the rest with deployments of models
//     with a larger window (larger_context_fallbacks);
//   - any other retryable failure, or a 429, moves on; when it was the last
//     deployment, comparable models are appended once (a plan made with
//     defer_comparable leaves them out to keep routing cheap);
//   - anything else ends the walk (the client's own error, a cancel).
// Pure like the router: the health the chain grows with is passed in.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "megarouter/core/error.hpp"
#include "megarouter/routing/router.hpp"

namespace megarouter::routing {

class Failover {
public:
    // `plan` must outlive the walk.
    explicit Failover(const Plan& plan);

    // The next deployment to try, or nullptr when the walk is over. The
    // pointer is valid until the next call to next() or failed().
    const Candidate* next();
    // How many deployments next() has handed out (1: the chosen one).
    std::size_t handed_out() const { return m_next; }

    // What the failure of the deployment last handed out means for the rest;
    // false when the walk ends here. `context` is called (for the health
    // now) only when the chain grows: most failures cost no health snapshot.
    bool failed(const Error& error, const std::function<RoutingContext()>& context);

private:
    const Plan* m_plan;
    std::vector<Candidate> m_queue;
    std::size_t m_next = 0;
    bool m_comparable_added = false;
};

// Every deployment a walk tries when each fails with a retryable error: the
// plan's fallbacks followed by the comparable models a deferred plan left out.
std::vector<Candidate> failover_chain(const Plan& plan, const RoutingContext& context);

// For dry runs (`megarouter route`, POST /v1/route), from a plan made with
// defer_comparable as the proxy makes it: its fallbacks become the whole
// failover_chain, and a note names where a context-length error would go.
void spell_out_failover(Plan& plan, const RoutingContext& context);

// A no_route because the named model's deployments are cooling down after a
// Retry-After becomes a retryable rate_limited error with the shortest wait,
// which is what a client should hear (a 429). Other errors come back as given.
Error explain_no_route(Error error, std::string_view model, const RoutingContext& context);

} // namespace megarouter::routing
