// The plan as one JSON document, shared by `megarouter route --json` and the
// proxy's POST /v1/route. Money appears as USD numbers and as exact nanos.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "megarouter/routing/router.hpp"

namespace megarouter::routing {

namespace {

using nlohmann::json;

double usd(catalog::Nanos nanos) { return static_cast<double>(nanos) / 1e9; }

double round_to(double value, double step) { return std::round(value / step) * step; }

json deployment_json(const Candidate& c) {
    return {{"model", c.model->id},
            {"provider", c.offering->provider},
            {"provider_model_id", c.offering->provider_model_id},
            {"deployment", c.key()},
            {"tier", catalog::to_string(c.model->tier)},
            {"estimated_cost_usd", usd(c.estimated_cost)},
            {"estimated_cost_nanos", c.estimated_cost}};
}

json candidate_json(const Candidate& c) {
    json out = deployment_json(c);
    out["max_cost_usd"] = usd(c.max_cost);
    out["score"] = round_to(c.score, 1e-4);
    out["components"] = {{"quality", round_to(c.quality, 1e-4)},
                         {"price", round_to(c.price, 1e-4)},
                         {"latency", round_to(c.latency, 1e-4)},
                         {"availability", round_to(c.availability, 1e-4)}};
    out["expected_latency_ms"] = std::lround(c.expected_latency_ms);
    out["latency_source"] = c.latency_observed ? "observed" : "prior";
    out["error_rate"] = round_to(c.error_rate, 1e-4);
    out["health"] = to_string(c.health);
    out["independent_providers"] = c.independent_providers;
    if (c.weight > 0) out["weight"] = c.weight;
    return out;
}

json excluded_json(const Excluded& e) {
    json out = {{"model", e.model->id}, {"provider", e.offering->provider}, {"reason", to_string(e.reason)}};
    if (e.reason == Exclusion::context_too_small) {
        out["needed_tokens"] = e.needed;
        out["context_window"] = e.model->context_window;
    } else if (e.reason == Exclusion::output_too_small) {
        out["needed_tokens"] = e.needed;
        out["max_output"] = e.model->max_output;
    }
    return out;
}

json analysis_json(const Analysis& a) {
    json signals = json::array();
    for (const SignalHit& hit : a.signals)
        signals.push_back({{"signal", to_string(hit.signal)}, {"points", hit.points}, {"detail", hit.detail}});
    return {{"input_tokens", a.input_tokens},
            {"expected_output_tokens", a.output_tokens},
            {"max_output_tokens", a.max_output_tokens},
            {"score", a.score},
            {"tier", catalog::to_string(a.tier)},
            {"language", a.language},
            {"category", a.category},
            {"turns", a.turns},
            {"needs", {{"tools", a.needs_tools}, {"vision", a.needs_vision}, {"json_schema", a.needs_json_schema}}},
            {"signals", signals}};
}

} // namespace

std::string_view to_string(Exclusion reason) {
    switch (reason) {
    case Exclusion::context_too_small: return "context_too_small";
    case Exclusion::output_too_small: return "max_output_too_small";
    case Exclusion::lacks_tools: return "lacks_tools";
    case Exclusion::lacks_vision: return "lacks_vision";
    case Exclusion::lacks_json_schema: return "lacks_json_schema";
    case Exclusion::no_credentials: return "no_credentials";
    case Exclusion::ejected: return "ejected";
    case Exclusion::cooling_down: return "retry_after";
    case Exclusion::over_price_cap: return "over_price_cap";
    case Exclusion::over_budget_ceiling: return "over_budget_ceiling";
    case Exclusion::over_cost_cap: return "over_cost_cap";
    case Exclusion::denied_by_policy: return "denied_by_policy";
    case Exclusion::wrong_region: return "wrong_region";
    case Exclusion::deprecated: return "deprecated";
    case Exclusion::below_tier: return "below_tier";
    }
    return "denied_by_policy";
}

json plan_to_json(const Plan& plan, PlanDetail detail) {
    const bool full = detail == PlanDetail::full;
    json fallbacks = json::array();
    for (const Candidate& c : plan.fallbacks) fallbacks.push_back(deployment_json(c));
    json candidates = json::array();
    for (const Candidate* c : ranked_candidates(plan)) {
        if (!full && candidates.size() >= k_summary_candidates) break;
        candidates.push_back(candidate_json(*c));
    }
    json excluded = json::array();
    std::map<std::string, std::size_t> by_reason;
    for (const Excluded& e : plan.excluded) {
        std::size_t seen = by_reason[std::string(to_string(e.reason))]++;
        if (full || seen < k_summary_examples) excluded.push_back(excluded_json(e));
    }
    json decisive = json::array();
    for (const SignalHit& hit : plan.analysis.decisive()) decisive.push_back(hit.detail);
    json pricing = plan.passthrough ? json{{"pricing", plan.passthrough->pricing}, {"sibling", plan.passthrough->sibling}}
                                    : json{{"pricing", "catalog"}};
    return {{"object", "route.plan"},
            {"requested", plan.requested},
            {"route_kind", plan.route_kind},
            {"resolved", plan.resolved},
            {"mode", to_string(plan.mode)},
            {"tier", catalog::to_string(plan.required_tier)},
            {"decided_by", decisive},
            {"chosen", candidate_json(plan.chosen)},
            {"fallbacks", fallbacks},
            {"estimated_cost_usd", usd(plan.estimated_cost)},
            {"estimated_cost_nanos", plan.estimated_cost},
            {"price_source", pricing},
            {"analysis", analysis_json(plan.analysis)},
            {"difficulty", {{"predicted", plan.difficulty},
                            {"tier", catalog::to_string(plan.difficulty_tier)},
                            {"router_model", plan.difficulty_model}}},
            {"panic", plan.panic},
            {"notes", plan.notes},
            {"detail", full ? "full" : "summary"},
            {"candidates_total", plan.candidates.size()},
            {"candidates", candidates},
            {"excluded_total", plan.excluded.size()},
            {"excluded_by_reason", by_reason},
            {"excluded", excluded}};
}

} // namespace megarouter::routing
