// Routing settings: the modes, routing constraints, model groups and aliases,
// as read from the config file's [routing], [groups.<name>] and [aliases]
// tables. Parsed once per config load; immutable and shareable afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/difficulty.hpp"
#include "megarouter/routing/health.hpp"

namespace megarouter::routing {

// How the router ranks deployments that can all serve the request.
enum class Mode { cost, balanced, latency, availability };

std::string_view to_string(Mode mode);
// "cost", "balanced", "latency", "availability" (case-sensitive).
std::optional<Mode> parse_mode(std::string_view text);

// Balanced mode's weights; they need not sum to 1 (they are normalised).
struct Weights {
    double quality = 0.5;
    double price = 0.3;
    double latency = 0.2;
};

// Hard limits on where a request may go. Empty allow lists allow everything.
// Names compare case-insensitively. Prices are nano-dollars.
struct Constraints {
    std::vector<std::string> allow_vendors, deny_vendors;
    std::vector<std::string> allow_providers, deny_providers;
    std::vector<std::string> allow_models, deny_models; // canonical ids or aliases
    std::optional<std::string> region;                  // required data residency ("eu", "us")
    std::optional<catalog::Nanos> max_price_per_mtok;   // input and output price each at most this
    std::optional<catalog::Nanos> max_cost_per_request; // estimated cost at the request's max output
    // Budget downgrade (set by governance): force this mode and this price
    // ceiling (same meaning as max_price_per_mtok, reported separately).
    std::optional<Mode> forced_mode;
    std::optional<catalog::Nanos> downgrade_price_ceiling;

    // Combines two sets of constraints (key + team + request): allow lists
    // intersect (a non-empty one restricts), deny lists unite, caps take the
    // smaller, a region or forced mode from `other` wins when this has none.
    void merge(const Constraints& other);
};

// One explicit deployment of a model group.
struct GroupDeployment {
    std::string model;    // catalog id or alias
    std::string provider; // "" = any provider offering the model
    int weight = 1;       // share of traffic among healthy deployments
};

// A name clients may ask for. Either a list of deployments with weights, or a
// rule (tier + mode + constraints) that routes over the whole catalog.
struct Group {
    std::string name;
    std::vector<GroupDeployment> deployments;
    std::optional<catalog::Tier> tier; // rule: the required tier (replaces the analyser's)
    std::optional<Mode> mode;          // rule or list: the ranking mode
    Constraints constraints;
    std::vector<std::string> fallbacks; // models or groups tried after the group's own deployments
};

struct RoutingConfig {
    Mode default_mode = Mode::balanced;
    Weights weights;
    AnalyserSettings analyser;
    HealthSettings health;
    // Cost mode's willingness to pay: the cheapest candidate whose expected
    // quality (0..1, as --explain's qual column) is within this of the best
    // candidate's. 1 = any candidate of the required tier (the default).
    double cost_quality_tolerance = 1.0;
    int max_fallbacks = 4;               // deployments after the chosen one
    bool fallback_to_other_models = true; // explicit model requests may fall back to comparable models
    // A comparable model's quality (0..100) may be at most this far below the
    // named model's, where both are known: a fallback is never clearly weaker
    // than what was asked for. 100 allows any.
    double fallback_max_quality_drop = 5;
    std::string baseline_model = "gpt-5"; // what spend reports measure savings of auto routing against
    // Models the catalog does not list yet: pass them through to the provider
    // they name ("openai/gpt-6.2-sol") or whose naming they follow
    // ("gpt-6.2-sol"), or refuse them with 404.
    bool pass_unknown_models = true;
    // What a passed-through model with no price (no [prices] entry, no listed
    // sibling) is reserved against and charged at, per million tokens.
    catalog::Nanos unpriced_input = 15 * catalog::k_nanos_per_usd;
    catalog::Nanos unpriced_output = 75 * catalog::k_nanos_per_usd;
    std::map<std::string, std::string> aliases; // name -> model id, alias or group
    std::map<std::string, Group> groups;
    // The difficulty predictor: [routing] router_model (a file from `megarouter
    // route train`, or "builtin"), else router_model.txt beside the config
    // file when `route train` wrote one there, else (null) the built-in model.
    std::shared_ptr<const DifficultyModel> difficulty_model;

    // The model to predict with: the file's, or the built-in one, read from
    // the binary on first use (1.6 ms once per process), so commands that
    // never predict do not pay for it.
    const DifficultyModel& predictor() const {
        return difficulty_model ? *difficulty_model : *builtin_difficulty_model();
    }
};

// The file `megarouter route train` writes by default and the config picks up
// when [routing] router_model is not set: router_model.txt beside the config.
// ("" when the config has no file location, as in tests.)
std::filesystem::path default_router_model_path(const core::Config& config);

// The difficulty model the config selects (see RoutingConfig): null for the
// built-in one. Reads the file when there is one; fails with `config` naming
// it when it cannot be used.
Result<std::shared_ptr<const DifficultyModel>> load_router_model(const core::Config& config);

// One router model file. Fails with io (unreadable) or invalid_argument
// (not a model, naming file:line).
Result<std::shared_ptr<const DifficultyModel>> read_router_model(const std::filesystem::path& file);

// Reads the routing sections of `config.document`:
//   [routing] default_mode, router_model, cost_quality_tolerance, max_fallbacks, fallback_to_other_models, fallback_max_quality_drop, baseline_model,
//     unknown_models = "pass" | "refuse", unpriced_input_price, unpriced_output_price (USD per Mtok),
//     weights = {quality, price, latency}, thresholds = {standard, strong,
//     frontier, long_input_tokens, very_long_input_tokens,
//     deep_conversation_turns, default_output_tokens}, signal_weights = {code = 1.5, ...},
//     health = {ewma_alpha, consecutive_failures, base_ejection_s, max_ejection_s, panic_threshold}
//   [groups.<name>] deployments = [{model, provider, weight}] | tier, mode,
//     allow_vendors/deny_vendors/allow_providers/deny_providers/allow_models/
//     deny_models, region, max_price (USD per Mtok), max_cost (USD); fallbacks = [...]
//   [aliases] name = "model"
// The default mode is [routing] default_mode, else config.default_mode
// ([defaults] mode / MEGAROUTER_MODE). Fails with `config`, naming the
// place via config.where(pointer).
Result<RoutingConfig> parse_routing_config(const core::Config& config);

} // namespace megarouter::routing
