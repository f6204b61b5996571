// Internal to routing: the pieces plan() is made of -- the hard requirements
// of one request (eligibility.cpp), the scores of each mode (scoring.cpp) and
// the latency priors used when there is no health data.
#pragma once

#include <algorithm>
#include <bitset>
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
    // A named model: a requested max output above the model's own is capped
    // to it (the caller chose this model) rather than excluding the model.
    bool clamp_output = false;
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
    // Which model ids the snapshot has entries for (a Bloom-style filter), so
    // that most offerings skip the hash lookup.
    std::bitset<4096> health_models;
};

// The most output tokens a request may get from `model`: the requested max,
// capped to the model's own when req.clamp_output (0 = none requested).
std::int64_t output_limit(const catalog::Model& model, const Requirements& req);

// The filter hash of a model id (FNV-1a, 12 bits).
std::size_t model_bit(std::string_view model_id);

Requirements make_requirements(const Analysis& analysis, const Constraints& constraints,
                               const RoutingContext& context);

// The outcome of checking one offering: a candidate (with costs and health
// filled in) or the first reason it cannot serve.
struct Verdict {
    std::optional<Exclusion> reason;
    std::int64_t needed = 0;
};

// Model-level checks (policy on vendor/model, deprecation, capabilities,
// context, output size, then the tier): the same for every offering.
Verdict check_model(const catalog::Model& model, const Requirements& req);
// Offering-level checks (provider policy, credentials, region, price and cost
// caps, health); fills `out`'s costs, expected latency and health fields.
// `model_has_health` is whether the snapshot may hold this model (the filter).
Verdict check_offering(const catalog::Model& model, const catalog::Offering& offering, const Requirements& req,
                       bool model_has_health, Candidate& out);

// What a candidate's expected quality on this request is judged against:
// the tier the request needs, the kind of work (the model's figure for that
// category where the catalog has one, else its overall figure), and the
// learned difficulty (the harder the request, the more a better model's
// figure counts: on easy prompts cheap models do as well).
struct QualityBasis {
    catalog::Tier required = catalog::Tier::light;
    std::string category; // "" = overall quality
    double difficulty = 0.5;
    double cost_tolerance = 1.0; // cost mode: only candidates this close to the best quality compete on price
};

// Fills quality/price/latency/availability and score for `mode`, then puts
// the best `ranked_prefix` first in rank order (ranks_before); the rest
// follow unordered.
void score_and_sort(std::vector<Candidate>& candidates, Mode mode, const Weights& weights, const QualityBasis& basis,
                    std::size_t ranked_prefix);

// How many candidates plan() ranks: enough distinct models for any chain.
inline std::size_t ranked_prefix(int max_fallbacks) {
    return std::max<std::size_t>(64, 8 * static_cast<std::size_t>(std::max(max_fallbacks, 0) + 1));
}

// Expected time to first token and output speed with no observations.
struct LatencyPrior {
    double ttft_ms;
    double tokens_per_s;
};
LatencyPrior latency_prior(const catalog::Model& model, const catalog::Offering& offering);

// "YYYY-MM-DD" (UTC) of a time in ms since the epoch.
std::string civil_date(core::Millis ms);

} // namespace megarouter::routing
