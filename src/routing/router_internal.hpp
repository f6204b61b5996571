// Internal to routing: the pieces plan() is made of -- the hard requirements
// of one request (eligibility.cpp), the scores of each mode (scoring.cpp) and
// the latency priors used when there is no health data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "megarouter/routing/router.hpp"
#include "routing/name_set.hpp"

namespace megarouter::routing {

// Everything eligibility needs, prepared once per plan() call.
struct Requirements {
    std::int64_t input_tokens = 0;
    std::int64_t expected_output = 0;
    std::int64_t max_output = 0; // requested, 0 = none
    bool tools = false, vision = false, json_schema = false;
    catalog::Tier tier = catalog::Tier::light;
    bool enforce_tier = false;    // auto routing and tier rules
    bool skip_deprecated = false; // auto routing only
    std::string today;            // "YYYY-MM-DD" of `now`
    NameSet configured;           // providers with credentials
    NameSet allow_vendors, deny_vendors, allow_providers, deny_providers, allow_models, deny_models;
    std::optional<std::string> region;
    std::optional<catalog::Nanos> max_price, ceiling, max_cost;
    const HealthSnapshot* health = nullptr;
};

Requirements make_requirements(const Analysis& analysis, const Constraints& constraints,
                               const RoutingContext& context);

// The outcome of checking one offering: a candidate (with costs and health
// filled in) or the first reason it cannot serve.
struct Verdict {
    std::optional<Exclusion> reason;
    std::int64_t needed = 0;
};

// Model-level checks (policy on vendor/model, deprecation, capabilities,
// context, output size): the same for every offering of the model.
Verdict check_model(const catalog::Model& model, const Requirements& req);
// Offering-level checks (provider policy, credentials, region, price and cost
// caps, tier, health); fills `out`'s costs and health fields.
Verdict check_offering(const catalog::Model& model, const catalog::Offering& offering, const Requirements& req,
                       Candidate& out);

// Fills quality/price/latency/availability and score for `mode`, then sorts
// best first with deterministic tie-breaking (cost, then "provider/model").
void score_and_sort(std::vector<Candidate>& candidates, Mode mode, const Weights& weights,
                    const Analysis& analysis, catalog::Tier required);

// Expected time to first token and output speed with no observations.
struct LatencyPrior {
    double ttft_ms;
    double tokens_per_s;
};
LatencyPrior latency_prior(const catalog::Model& model, const catalog::Offering& offering);

// "YYYY-MM-DD" (UTC) of a time in ms since the epoch.
std::string civil_date(core::Millis ms);

} // namespace megarouter::routing
