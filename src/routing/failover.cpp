#include "megarouter/routing/failover.hpp"

#include <optional>

namespace megarouter::routing {

Failover::Failover(const Plan& plan) : m_plan(&plan) {
    m_queue.reserve(1 + plan.fallbacks.size());
    m_queue.push_back(plan.chosen);
    m_queue.insert(m_queue.end(), plan.fallbacks.begin(), plan.fallbacks.end());
}

const Candidate* Failover::next() {
    if (m_next >= m_queue.size()) return nullptr;
    return &m_queue[m_next++];
}

bool Failover::failed(const Error& error, const std::function<RoutingContext()>& context) {
    if (m_next == 0) return true; // nothing handed out yet
    if (error.code == ErrorCode::context_length_exceeded) {
        Candidate failed = m_queue[m_next - 1];
        auto larger = larger_context_fallbacks(*m_plan, failed, context());
        m_queue.erase(m_queue.begin() + static_cast<std::ptrdiff_t>(m_next), m_queue.end());
        m_queue.insert(m_queue.end(), larger.begin(), larger.end());
        return true;
    }
    if (!error.retryable && error.code != ErrorCode::rate_limited) return false;
    // The named model's own deployments are used up: now comparable models.
    if (m_next == m_queue.size() && !m_comparable_added) {
        m_comparable_added = true;
        auto comparable = comparable_fallbacks(*m_plan, context());
        m_queue.insert(m_queue.end(), comparable.begin(), comparable.end());
    }
    return true;
}

std::vector<Candidate> failover_chain(const Plan& plan, const RoutingContext& context) {
    std::vector<Candidate> chain;
    Failover walk(plan);
    const Error down = make_error(ErrorCode::upstream_unavailable, "dry run", true);
    while (const Candidate* next = walk.next()) {
        chain.push_back(*next);
        walk.failed(down, [&] { return context; });
    }
    return chain;
}

void spell_out_failover(Plan& plan, const RoutingContext& context) {
    std::vector<Candidate> chain = failover_chain(plan, context);
    plan.fallbacks.assign(chain.begin() + 1, chain.end());
    plan.comparable_deferred = false;
    auto larger = larger_context_fallbacks(plan, plan.chosen, context);
    if (larger.empty()) return;
    std::string names;
    for (std::size_t i = 0; i < larger.size() && i < 3; ++i) names += (i ? ", " : "") + larger[i].key();
    plan.notes.push_back("after a context-length error the rest of the chain becomes " + std::to_string(larger.size()) +
                         " deployment" + (larger.size() == 1 ? "" : "s") + " with a larger window: " + names +
                         (larger.size() > 3 ? ", ..." : ""));
}

Error explain_no_route(Error error, std::string_view model, const RoutingContext& context) {
    if (error.code != ErrorCode::no_route || !context.catalog || !context.health) return error;
    const catalog::Model* named = context.catalog->find(model);
    if (!named) return error;
    const HealthSnapshot& health = *context.health;
    std::optional<double> shortest;
    for (const auto& offering : named->offerings) {
        const auto* h = health.find(offering.provider, named->id);
        if (!h || h->state != HealthState::cooling || h->retry_after_until <= health.at) continue;
        double wait = static_cast<double>(h->retry_after_until - health.at) / 1000.0;
        if (!shortest || wait < *shortest) shortest = wait;
    }
    if (!shortest) return error;
    error.code = ErrorCode::rate_limited;
    error.retry_after_seconds = shortest;
    error.retryable = true;
    return error;
}

} // namespace megarouter::routing
