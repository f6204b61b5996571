// plan(): resolve what was asked for, analyse the request, collect every
// deployment that can serve it, rank them by the mode, and lay out the
// fallback chain. See router.hpp for the contract.
#include "megarouter/routing/router.hpp"
#include "megarouter/routing/difficulty.hpp"

#include <algorithm>
#include <map>

#include "routing/passthrough.hpp"
#include "routing/pool.hpp"
#include "routing/resolve.hpp"
#include "routing/router_internal.hpp"

namespace megarouter::routing {

namespace {

using catalog::Model;

const RoutingConfig& config_of(const RoutingContext& context) {
    static const RoutingConfig k_defaults;
    return context.config ? *context.config : k_defaults;
}

QualityBasis quality_basis(const Plan& plan, catalog::Tier required, const RoutingConfig& config) {
    return {required, std::string(plan.analysis.category), plan.difficulty, config.cost_quality_tolerance};
}

Mode choose_mode(const RouteRequest& request, const Target& target, const Constraints& constraints,
                 const RoutingConfig& config) {
    if (constraints.forced_mode) return *constraints.forced_mode;
    if (request.mode) return *request.mode;
    if (target.mode) return *target.mode;
    if (target.group && target.group->mode) return *target.group->mode;
    return config.default_mode;
}

// Collects the deployments `target` names into `pool`. Auto routing and tier
// rules scan the catalog with the tier enforced.
void collect_target(const Target& target, Requirements& req, const catalog::Catalog& catalog, Pool& pool) {
    if (target.kind == Target::Kind::model) {
        collect_model(*target.model, req, pool);
    } else if (target.kind == Target::Kind::group && !target.group->deployments.empty()) {
        for (const GroupDeployment& deployment : target.group->deployments)
            if (const Model* model = catalog.find(deployment.model))
                collect_model(*model, req, pool, deployment.weight, deployment.provider);
    } else {
        req.enforce_tier = true;
        req.skip_deprecated = true;
        for (const Model& model : catalog.models()) collect_model(model, req, pool);
    }
}

// Moves the chosen deployment of a weighted group to the front: with seed 0
// the highest weight (ranking order among equals), otherwise a weighted pick.
void apply_group_weights(std::vector<Candidate>& ranked, std::uint64_t seed) {
    if (ranked.size() < 2) return;
    std::size_t pick = 0;
    std::int64_t total = 0;
    for (const Candidate& c : ranked) total += std::max(c.weight, 0);
    if (total <= 0) return;
    if (seed == 0) {
        for (std::size_t i = 1; i < ranked.size(); ++i)
            if (ranked[i].weight > ranked[pick].weight) pick = i;
    } else {
        std::int64_t point = static_cast<std::int64_t>(seed % static_cast<std::uint64_t>(total));
        for (pick = 0; pick < ranked.size(); ++pick) {
            point -= std::max(ranked[pick].weight, 0);
            if (point < 0) break;
        }
        pick = std::min(pick, ranked.size() - 1);
    }
    std::rotate(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(pick),
                ranked.begin() + static_cast<std::ptrdiff_t>(pick) + 1);
}

bool in_chain(const Plan& plan, const Candidate& c) {
    if (plan.chosen.offering == c.offering) return true;
    return std::any_of(plan.fallbacks.begin(), plan.fallbacks.end(),
                       [&](const Candidate& f) { return f.offering == c.offering; });
}

bool model_in_chain(const Plan& plan, const Model* model) {
    if (plan.chosen.model == model) return true;
    return std::any_of(plan.fallbacks.begin(), plan.fallbacks.end(),
                       [&](const Candidate& f) { return f.model == model; });
}

// Same model on other providers first (in rank order, wherever they sit in
// the list), then the best deployment of each further model, up to `limit`.
void append_chain(Plan& plan, const std::vector<Candidate>& ranked, std::size_t limit) {
    std::vector<const Candidate*> same;
    for (const Candidate& c : ranked)
        if (c.model == plan.chosen.model && !in_chain(plan, c)) same.push_back(&c);
    std::sort(same.begin(), same.end(),
              [&](const Candidate* a, const Candidate* b) { return ranks_before(*a, *b, plan.mode); });
    for (const Candidate* c : same)
        if (plan.fallbacks.size() < limit) plan.fallbacks.push_back(*c);
    for (const Candidate& c : ranked)
        if (plan.fallbacks.size() < limit && !model_in_chain(plan, c.model)) plan.fallbacks.push_back(c);
}

// Explicit model requests: comparable models (same tier or better) after the
// model's own providers.
void add_comparable(Plan& plan, Requirements req, const RoutingContext& context, const RoutingConfig& config) {
    std::size_t limit = static_cast<std::size_t>(config.max_fallbacks);
    if (!config.fallback_to_other_models || plan.fallbacks.size() >= limit) return;
    req.tier = std::max(plan.chosen.model->tier, plan.required_tier);
    Target any;
    PoolLease lease;
    Pool& pool = *lease;
    pool.record_excluded = false;
    collect_target(any, req, *context.catalog, pool);
    // Never clearly weaker than what was asked for, where both are measured.
    if (const std::optional<double>& asked = plan.chosen.model->quality)
        std::erase_if(pool.candidates, [&](const Candidate& c) {
            return c.model->quality && *c.model->quality < *asked - config.fallback_max_quality_drop;
        });
    score_and_sort(pool.candidates, plan.mode, config.weights, quality_basis(plan, req.tier, config),
                   ranked_prefix(config.max_fallbacks));
    append_chain(plan, pool.candidates, limit);
}

// A group's configured fallbacks, each contributing its best deployment.
void add_group_fallbacks(Plan& plan, const Group& group, const Requirements& base, const RoutingContext& context,
                         const RoutingConfig& config) {
    for (const std::string& name : group.fallbacks) {
        auto target = resolve_target(name, *context.catalog, config);
        if (!target || target->kind == Target::Kind::group) {
            if (!target || target->group == &group) continue;
        }
        Requirements req = base;
        if (target->group && target->group->tier) req.tier = *target->group->tier;
        PoolLease lease;
        Pool& pool = *lease;
        collect_target(*target, req, *context.catalog, pool);
        score_and_sort(pool.candidates, plan.mode, config.weights, quality_basis(plan, req.tier, config),
                   ranked_prefix(config.max_fallbacks));
        for (const Candidate& c : pool.candidates)
            if (!in_chain(plan, c)) {
                plan.fallbacks.push_back(c);
                break;
            }
    }
}

void note_deprecated(Plan& plan, const Requirements& req) {
    const Model& model = *plan.chosen.model;
    if (!model.deprecated.empty() && model.deprecated <= req.today)
        plan.notes.push_back(model.id + " is deprecated since " + model.deprecated + "; consider a newer model");
}

} // namespace

Result<Plan> plan(const RouteRequest& request, const providers::ChatRequest& chat, const RoutingContext& context) {
    if (!context.catalog) return fail(ErrorCode::invalid_argument, "routing needs a catalog");
    const RoutingConfig& config = config_of(context);
    auto target = resolve_target(request.model, *context.catalog, config);
    std::shared_ptr<const PassThrough> passthrough;
    if (!target && target.error().code == ErrorCode::not_found && config.pass_unknown_models &&
        !request.model.starts_with("auto:")) {
        auto pass = pass_through(request.model, *context.catalog, config, context.providers, target.error());
        if (!pass) return fail(pass.error());
        passthrough = std::move(*pass);
        target = Target{.kind = Target::Kind::model,
                        .route_kind = "passthrough",
                        .resolved = passthrough->model.id,
                        .model = &passthrough->model};
    }
    if (!target) return fail(target.error());

    Plan plan;
    plan.passthrough = passthrough;
    plan.requested = request.model.empty() ? "auto" : request.model;
    plan.route_kind = target->route_kind;
    plan.resolved = target->kind == Target::Kind::automatic ? "auto" : target->resolved;
    plan.analysis = analyse(chat, config.analyser);
    const DifficultyModel& predictor = config.predictor();
    plan.difficulty = predictor.predict(difficulty_features(chat, plan.analysis));
    plan.difficulty_model = predictor.name;
    plan.difficulty_tier = tier_for_difficulty(plan.difficulty, config.analyser);
    if (request.max_output_tokens && *request.max_output_tokens > 0) {
        plan.analysis.max_output_tokens = *request.max_output_tokens;
        plan.analysis.output_tokens = std::min(*request.max_output_tokens, config.analyser.default_output_tokens);
    }
    plan.constraints = request.constraints;
    if (target->group) plan.constraints.merge(target->group->constraints);
    plan.mode = choose_mode(request, *target, plan.constraints, config);
    // The keyword score and the learned difficulty each ask for a tier; the
    // request needs the higher. A group's tier rule replaces both.
    plan.required_tier = target->group && target->group->tier ? *target->group->tier
                                                              : std::max(plan.analysis.tier, plan.difficulty_tier);

    Requirements req = make_requirements(plan.analysis, plan.constraints, context);
    req.tier = plan.required_tier;
    req.clamp_output = target->kind == Target::Kind::model;
    PoolLease lease;
    Pool& pool = *lease;
    pool.reserve(context.catalog->models().size() * 3);
    collect_target(*target, req, *context.catalog, pool);
    settle_pool(pool, req, plan.notes, plan.panic, config.health.panic_threshold);
    if (pool.candidates.empty()) return fail(no_route_error(pool, plan, context));

    score_and_sort(pool.candidates, plan.mode, config.weights, quality_basis(plan, plan.required_tier, config),
                   ranked_prefix(config.max_fallbacks));
    if (target->group && !target->group->deployments.empty()) apply_group_weights(pool.candidates, request.seed);
    plan.chosen = pool.candidates.front();
    plan.estimated_cost = plan.chosen.estimated_cost;
    append_chain(plan, pool.candidates, static_cast<std::size_t>(config.max_fallbacks));
    if (passthrough) {
        plan.notes.push_back(passthrough->model.id + " is not in the catalog; passed through to " +
                             passthrough->model.offerings[0].provider +
                             (passthrough->pricing == "config"     ? ", priced from [prices]"
                              : passthrough->pricing == "estimate" ? ", priced as an estimate from " + passthrough->sibling
                                                                   : ", unpriced: charged at [routing] unpriced prices") +
                             " (`megarouter models refresh` learns it)");
    } else if (target->kind == Target::Kind::model) {
        if (request.defer_comparable)
            plan.comparable_deferred = true;
        else
            add_comparable(plan, req, context, config);
    }
    if (target->group) add_group_fallbacks(plan, *target->group, req, context, config);
    note_deprecated(plan, req);
    if (std::int64_t limit = output_limit(*plan.chosen.model, req); limit < plan.analysis.max_output_tokens)
        plan.notes.push_back("max_tokens " + std::to_string(plan.analysis.max_output_tokens) + " is above " +
                             plan.chosen.model->id + "'s maximum output; capped to " + std::to_string(limit));
    // Copies of exactly the right size: the pool keeps its buffers for the
    // next call on this thread.
    plan.candidates.assign(pool.candidates.begin(), pool.candidates.end());
    plan.excluded.assign(pool.excluded.begin(), pool.excluded.end());
    return plan;
}

std::vector<Candidate> larger_context_fallbacks(const Plan& plan, const Candidate& failed,
                                                const RoutingContext& context) {
    std::vector<Candidate> out;
    if (!context.catalog || !failed.model) return out;
    const RoutingConfig& config = config_of(context);
    Requirements req = make_requirements(plan.analysis, plan.constraints, context);
    req.tier = std::min(plan.required_tier, failed.model->tier);
    req.clamp_output = plan.route_kind == "model" || plan.route_kind == "alias";
    req.enforce_tier = true;
    req.skip_deprecated = true;
    // The failure proved the estimate low: ask for more than the failed window.
    req.input_tokens = std::max(req.input_tokens, failed.model->context_window);
    PoolLease lease;
    Pool& pool = *lease;
    for (const Model& model : context.catalog->models())
        if (model.context_window > failed.model->context_window) collect_model(model, req, pool);
    std::vector<std::string> notes;
    bool panic = false;
    settle_pool(pool, req, notes, panic, config.health.panic_threshold);
    score_and_sort(pool.candidates, plan.mode, config.weights, quality_basis(plan, req.tier, config),
                   ranked_prefix(config.max_fallbacks));
    for (const Candidate& c : pool.candidates) {
        if (out.size() >= static_cast<std::size_t>(config.max_fallbacks)) break;
        out.push_back(c);
    }
    return out;
}

std::vector<Candidate> comparable_fallbacks(const Plan& plan, const RoutingContext& context) {
    if (!plan.comparable_deferred || !context.catalog || !plan.chosen.model) return {};
    Requirements req = make_requirements(plan.analysis, plan.constraints, context);
    req.tier = plan.required_tier;
    req.clamp_output = true; // only named models defer their comparable ones
    Plan extended;
    extended.chosen = plan.chosen;
    extended.fallbacks = plan.fallbacks;
    extended.required_tier = plan.required_tier;
    extended.mode = plan.mode;
    add_comparable(extended, req, context, config_of(context));
    return {extended.fallbacks.begin() + static_cast<std::ptrdiff_t>(plan.fallbacks.size()), extended.fallbacks.end()};
}

std::string Candidate::key() const {
    return model && offering ? deployment_key(offering->provider, model->id) : std::string();
}

} // namespace megarouter::routing
