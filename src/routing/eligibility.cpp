// The hard requirements: a deployment that fails any of them is never chosen.
#include <algorithm>

#include "routing/router_internal.hpp"

namespace megarouter::routing {

namespace {

using catalog::Model;
using catalog::Offering;

// The prices that apply at this input size (long-context tiers replace the base).
const catalog::PriceSet& effective_prices(const Offering& offering, std::int64_t input_tokens) {
    const catalog::PriceSet* prices = &offering.prices;
    for (const catalog::PriceTier& tier : offering.tiers)
        if (input_tokens > tier.above_input_tokens) prices = &tier.prices;
    return *prices;
}

bool model_named(const NameSet& set, const Model& model) {
    if (set.contains(model.id)) return true;
    return std::any_of(model.aliases.begin(), model.aliases.end(), [&](const std::string& a) { return set.contains(a); });
}

NameSet lowered(const std::vector<std::string>& names) { return NameSet(names); }

// Allow/deny model lists may name aliases; store canonical ids too.
NameSet model_set(const std::vector<std::string>& names, const catalog::Catalog& catalog) {
    NameSet set(names);
    for (const std::string& name : names)
        if (const Model* model = catalog.find(name)) set.insert(model->id);
    return set;
}

} // namespace

std::string civil_date(core::Millis ms) {
    // Howard Hinnant's days -> civil algorithm.
    std::int64_t days = ms / 86'400'000;
    if (ms < 0 && ms % 86'400'000 != 0) --days;
    days += 719468;
    std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    std::int64_t doe = days - era * 146097;
    std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    std::int64_t mp = (5 * doy + 2) / 153;
    std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", static_cast<int>(year), static_cast<int>(month),
                  static_cast<int>(day));
    return buffer;
}

Requirements make_requirements(const Analysis& analysis, const Constraints& c, const RoutingContext& context) {
    Requirements req;
    req.input_tokens = analysis.input_tokens;
    req.expected_output = analysis.output_tokens;
    req.max_output = analysis.max_output_tokens;
    req.tools = analysis.needs_tools;
    req.vision = analysis.needs_vision;
    req.json_schema = analysis.needs_json_schema;
    req.tier = analysis.tier;
    req.today = civil_date(context.now);
    req.configured = NameSet(context.providers);
    req.allow_vendors = lowered(c.allow_vendors);
    req.deny_vendors = lowered(c.deny_vendors);
    req.allow_providers = lowered(c.allow_providers);
    req.deny_providers = lowered(c.deny_providers);
    req.allow_models = model_set(c.allow_models, *context.catalog);
    req.deny_models = model_set(c.deny_models, *context.catalog);
    if (c.region) {
        std::string region = *c.region;
        for (char& ch : region) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        req.region = region;
    }
    req.max_price = c.max_price_per_mtok;
    req.ceiling = c.downgrade_price_ceiling;
    req.max_cost = c.max_cost_per_request;
    req.health = context.health;
    if (req.health)
        for (const auto& [key, entry] : req.health->deployments) {
            std::string_view view(key);
            std::size_t slash = view.find('/');
            req.health_models.set(model_bit(slash == std::string_view::npos ? view : view.substr(slash + 1)));
        }
    return req;
}

std::int64_t output_limit(const Model& model, const Requirements& req) {
    if (req.clamp_output && model.max_output > 0) return std::min(req.max_output, model.max_output);
    return req.max_output;
}

Verdict check_model(const Model& model, const Requirements& req) {
    if (!req.allow_vendors.empty() && !req.allow_vendors.contains(model.vendor)) return {Exclusion::denied_by_policy};
    if (req.deny_vendors.contains(model.vendor)) return {Exclusion::denied_by_policy};
    if (!req.allow_models.empty() && !model_named(req.allow_models, model)) return {Exclusion::denied_by_policy};
    if (!req.deny_models.empty() && model_named(req.deny_models, model)) return {Exclusion::denied_by_policy};
    if (req.skip_deprecated && !model.deprecated.empty() && model.deprecated <= req.today)
        return {Exclusion::deprecated};
    if (req.tools && !model.has(catalog::cap_tools)) return {Exclusion::lacks_tools};
    if (req.vision && !model.has(catalog::cap_vision)) return {Exclusion::lacks_vision};
    if (req.json_schema && !model.has(catalog::cap_json_schema)) return {Exclusion::lacks_json_schema};
    std::int64_t max_output = output_limit(model, req);
    std::int64_t output = max_output > 0 ? max_output : req.expected_output;
    std::int64_t needed = req.input_tokens + output;
    if (model.context_window > 0 && needed > model.context_window) return {Exclusion::context_too_small, needed};
    if (max_output > 0 && model.max_output > 0 && max_output > model.max_output)
        return {Exclusion::output_too_small, max_output};
    // Last of the model checks: the panic threshold and tier relaxation look
    // at deployments that pass everything else. Checking it before the
    // offering checks spares their cost for most of the catalog.
    if (req.enforce_tier && model.tier < req.tier) return {Exclusion::below_tier};
    return {};
}

std::size_t model_bit(std::string_view id) {
    if (id.empty()) return 0;
    auto at = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(id[i])); };
    std::size_t n = id.size();
    return (n * 2654435761u + at(0) * 131 + at(n / 2) * 31 + at(n - 1) * 7 + at(n * 3 / 4)) & 4095u;
}

Verdict check_offering(const Model& model, const Offering& offering, const Requirements& req, bool model_has_health,
                       Candidate& out) {
    if (!req.allow_providers.empty() && !req.allow_providers.contains(offering.provider))
        return {Exclusion::denied_by_policy};
    if (req.deny_providers.contains(offering.provider)) return {Exclusion::denied_by_policy};
    if (!req.configured.contains(offering.provider)) return {Exclusion::no_credentials};
    if (req.region && (!offering.region || *offering.region != *req.region)) return {Exclusion::wrong_region};
    const catalog::PriceSet& prices = effective_prices(offering, req.input_tokens);
    catalog::Nanos highest = std::max(prices.input, prices.output);
    if (req.max_price && highest > *req.max_price) return {Exclusion::over_price_cap};
    if (req.ceiling && highest > *req.ceiling) return {Exclusion::over_budget_ceiling};
    catalog::Usage usage;
    usage.input = req.input_tokens;
    usage.output = req.expected_output;
    out.estimated_cost = catalog::cost(offering, usage);
    std::int64_t max_output = output_limit(model, req);
    if (max_output > 0 && max_output != req.expected_output) {
        usage.output = max_output;
        out.max_cost = catalog::cost(offering, usage);
    } else {
        out.max_cost = out.estimated_cost;
    }
    if (req.max_cost && out.max_cost > *req.max_cost) return {Exclusion::over_cost_cap};
    LatencyPrior prior = latency_prior(model, offering);
    double ttft = prior.ttft_ms, speed = prior.tokens_per_s;
    const DeploymentHealth* health = model_has_health ? req.health->find(offering.provider, model.id) : nullptr;
    if (health) {
        out.health = health->state;
        out.error_rate = health->error_rate;
        if (health->latency_samples > 0) {
            out.latency_observed = true;
            ttft = health->ttft_ms;
            if (health->tokens_per_s > 0) speed = health->tokens_per_s;
        }
    }
    out.expected_latency_ms = ttft + static_cast<double>(req.expected_output) * 1000.0 / speed;
    if (health && health->state == HealthState::cooling) return {Exclusion::cooling_down};
    if (health && health->state == HealthState::ejected) return {Exclusion::ejected};
    return {};
}

} // namespace megarouter::routing
