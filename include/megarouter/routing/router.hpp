// The router: turns a canonical request plus what the caller asked for into a
// plan -- the deployment to call, an ordered fallback chain, the estimated
// cost, and why. Pure: the catalog, the configured providers, the routing
// config, the health snapshot and the time are all passed in, so the dry run
// (`megarouter route`) and the proxy run exactly this code.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/health.hpp"
#include "megarouter/routing/routing_config.hpp"

namespace megarouter::routing {

// What the caller asked for.
struct RouteRequest {
    // "auto", "auto:cost" | "auto:balanced" | "auto:latency" | "auto:availability",
    // a model id or alias, a [aliases] name, or a [groups] name. "" = "auto".
    std::string model;
    std::optional<Mode> mode;        // overrides the mode of auto:<mode>, group and config
    Constraints constraints;         // key + team + request limits, already merged
    std::optional<std::int64_t> max_output_tokens; // overrides the request's max_tokens
    std::uint64_t seed = 0;          // picks among weighted group deployments (0: highest weight)
    // For a named model, leave out comparable models of other ids (a scan of
    // the whole catalog) and let the caller ask comparable_fallbacks() once
    // the model's own deployments have failed. The proxy sets it; dry runs don't.
    bool defer_comparable = false;
};

// Everything the router reads. Pointers must outlive the call; the plan refers
// into `catalog` and must not outlive it either.
struct RoutingContext {
    const catalog::Catalog* catalog = nullptr;
    std::span<const std::string> providers; // providers with credentials
    const RoutingConfig* config = nullptr;  // nullptr = defaults
    const HealthSnapshot* health = nullptr; // nullptr = no data, everything healthy
    core::Millis now = 0;                   // for deprecation dates and health
};

// Why a deployment cannot take the request.
enum class Exclusion {
    context_too_small, // input + output do not fit the context window
    output_too_small,  // the requested max output exceeds the model's max output
    lacks_tools,
    lacks_vision,
    lacks_json_schema,
    no_credentials,    // its provider is not configured
    ejected,           // outlier ejection (and not in panic mode)
    cooling_down,      // Retry-After has not passed
    over_price_cap,    // max_price_per_mtok
    over_budget_ceiling, // budget downgrade price ceiling
    over_cost_cap,     // max_cost_per_request
    denied_by_policy,  // allow/deny lists of vendors, providers, models
    wrong_region,
    deprecated,
    below_tier,        // auto routing: weaker than the required tier
};

std::string_view to_string(Exclusion reason);

// A deployment that passed every hard requirement, with its score components
// (each 0..1, higher is better) and the mode's final score.
struct Candidate {
    const catalog::Model* model = nullptr;
    const catalog::Offering* offering = nullptr;
    catalog::Nanos estimated_cost = 0; // at the expected output
    catalog::Nanos max_cost = 0;       // at the requested max output
    double quality = 0;
    double price = 0;
    double latency = 0;
    double availability = 0;
    double expected_latency_ms = 0;    // TTFT + expected output / tokens per second
    bool latency_observed = false;     // from health data rather than catalog priors
    double error_rate = 0;
    int independent_providers = 1;     // eligible offerings of the same model
    int weight = 0;                    // group deployment weight (0 outside groups)
    // Cost mode: within [routing] cost_quality_tolerance of the best
    // candidate's quality (always true at the default tolerance of 1).
    bool within_tolerance = true;
    HealthState health = HealthState::healthy;
    double score = 0;

    std::string key() const; // "provider/model"
};

struct Excluded {
    const catalog::Model* model = nullptr;
    const catalog::Offering* offering = nullptr;
    Exclusion reason = Exclusion::denied_by_policy;
    std::int64_t needed = 0; // context_too_small / output_too_small: tokens needed
};

// A model the catalog does not list yet, passed through to its provider
// ([routing] unknown_models = "pass"). The plan's candidates point into
// `model`, so the plan holds it.
struct PassThrough {
    catalog::Model model;     // one offering: the provider, the id as asked, the prices used
    std::string pricing;      // "config" ([prices]), "estimate" (a sibling's), "unpriced" (the default price)
    std::string sibling;      // the listed model an estimate comes from
};

struct Plan {
    std::string requested;            // as asked ("auto:cost", "gpt-4o", "team-default")
    std::string route_kind;           // "auto", "model", "alias", "group", "passthrough"
    std::string resolved;             // the model id or group name it resolved to
    Mode mode = Mode::balanced;
    catalog::Tier required_tier = catalog::Tier::light;
    Analysis analysis;
    // The learned predictor's P(a cheap model does worse than a strong one)
    // on this request (see difficulty.hpp), and which model said so.
    double difficulty = 0.5;
    std::string difficulty_model;
    catalog::Tier difficulty_tier = catalog::Tier::light; // tier_for_difficulty(difficulty)
    Candidate chosen;
    std::vector<Candidate> fallbacks; // ordered; excludes `chosen`
    catalog::Nanos estimated_cost = 0;
    // Every eligible deployment. The head (at least the 64 best) is in rank
    // order; the tail is unordered -- ranked_candidates() orders all of it.
    std::vector<Candidate> candidates;
    std::vector<Excluded> excluded;
    std::vector<std::string> notes;   // panic mode, relaxed tier, deprecated model...
    bool panic = false;               // ejection ignored: too few healthy deployments
    bool comparable_deferred = false; // defer_comparable left comparable models out
    Constraints constraints;          // the effective constraints (request + group)
    std::shared_ptr<const PassThrough> passthrough; // set for a model the catalog does not list
};

// Plans one request. Fails with
// - not_found: the model is neither auto, a catalog model or alias, a config
//   alias nor a group, and cannot pass through: [routing] unknown_models is
//   "refuse", or no configured provider is named by it or by its naming
//   (the message lists catalog suggestions and what to do);
// - no_route: nothing can serve it (the message summarises the exclusion
//   reasons; when only Retry-After blocks, retryable with retry_after_seconds);
// - invalid_argument: `context.catalog` is null.
// Thread-safe (pure); about 20-50 microseconds over the full catalog.
Result<Plan> plan(const RouteRequest& request, const providers::ChatRequest& chat, const RoutingContext& context);

// Whether `a` ranks before `b` in `mode`: cost mode by estimated cost, latency
// mode by expected latency, balanced and availability by score; ties by cost,
// then model id, then provider. Deterministic.
bool ranks_before(const Candidate& a, const Candidate& b, Mode mode);

// Every candidate of `plan` in rank order (pointers into the plan).
std::vector<const Candidate*> ranked_candidates(const Plan& plan);

// Deployments of models with a larger context window than `failed`'s model,
// ordered as the plan's mode would, for retrying after a context-length error.
// Reuses the plan's analysis; returns at most config.max_fallbacks entries.
std::vector<Candidate> larger_context_fallbacks(const Plan& plan, const Candidate& failed,
                                                const RoutingContext& context);

// Comparable models (same tier or better, other ids) for a plan made with
// defer_comparable, ranked as the plan's mode would and not already in its
// chain; at most config.max_fallbacks minus the plan's own fallbacks. Empty
// when the plan did not defer them.
std::vector<Candidate> comparable_fallbacks(const Plan& plan, const RoutingContext& context);

// How much of the candidate and exclusion lists a JSON plan carries. A
// catalog-wide plan ranks hundreds of deployments and excludes hundreds more;
// `summary` keeps the best k_summary_candidates and up to
// k_summary_examples exclusions per reason (with every count), `full` all.
enum class PlanDetail { summary, full };
inline constexpr std::size_t k_summary_candidates = 10;
inline constexpr std::size_t k_summary_examples = 3;

// The plan as the JSON document of `megarouter route --json` and the proxy's
// POST /v1/route: requested, mode, tier, signals, chosen, fallbacks,
// estimated_cost_usd, candidates (with scores; candidates_total), excluded
// (with reasons; excluded_total, excluded_by_reason), notes.
nlohmann::json plan_to_json(const Plan& plan, PlanDetail detail = PlanDetail::summary);

} // namespace megarouter::routing
