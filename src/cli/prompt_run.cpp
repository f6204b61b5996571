// Runs one `megarouter prompt`: route, call the chosen deployment, fail over
// on retryable errors, and fill the log entry.
#include <chrono>
#include <ctime>

#include "megarouter/core/ids.hpp"
#include "megarouter/providers/call.hpp"
#include "megarouter/providers/registry.hpp"
#include "megarouter/routing/failover.hpp"
#include "megarouter/routing/router.hpp"
#include "prompt.hpp"

namespace megarouter::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}


// A plan with what its walk needs to grow the chain (comparable models,
// larger windows): the routing config and the configured providers.
struct PromptRoute {
    routing::RoutingConfig config;
    std::vector<std::string> providers;
    routing::Plan plan;
    core::Millis now = 0;

    routing::RoutingContext context(const catalog::Catalog& catalog) const {
        return {&catalog, providers, &config, nullptr, now};
    }
};

// Why nothing is configured for `model`, naming the variables that would help.
Error explain_no_route(const Error& error, const catalog::Catalog& catalog, const std::string& model) {
    std::vector<std::string> hints;
    auto hint_for = [&](const std::string& provider) {
        if (const providers::ProviderInfo* info = providers::find_provider(provider); info && !info->key_env.empty())
            hints.push_back(info->key_env.front() + " (" + provider + ")");
    };
    if (const catalog::Model* known = catalog.find(model)) {
        for (const catalog::Offering& offering : known->offerings) hint_for(offering.provider);
    } else {
        for (const char* provider : {"openai", "anthropic", "google"}) hint_for(provider);
    }
    Error out = error;
    std::string list;
    for (std::size_t i = 0; i < hints.size() && i < 4; ++i) list += (i ? ", " : "") + hints[i];
    if (!list.empty()) out.message += "; set " + list + " to enable a provider";
    return out;
}

Result<std::unique_ptr<PromptRoute>> plan_prompt(Context& context, const core::Config& config, const catalog::Catalog& catalog,
                                                 const PromptOptions& options, const providers::ChatRequest& request) {
    std::string model = options.model.empty() ? config.default_model : options.model;
    auto out = std::make_unique<PromptRoute>();
    out->providers = providers::configured_providers(config, context.env);
    const std::vector<std::string>& configured = out->providers;
    auto routing_config = routing::parse_routing_config(config);
    if (!routing_config) return fail(routing_config.error());
    out->config = std::move(*routing_config);
    out->now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    routing::RouteRequest route;
    route.model = model;
    route.defer_comparable = true; // the walk adds them if the model's own deployments fail
    std::string mode_text = options.mode.empty() ? config.default_mode : options.mode;
    route.mode = routing::parse_mode(mode_text);
    if (!route.mode) return fail(ErrorCode::invalid_argument, "--mode must be balanced, cost, latency or availability");
    auto plan = routing::plan(route, request, out->context(catalog));
    if (!plan) {
        // No key at all is the newcomer's case: say only that (an unknown
        // model, a typo, is still reported as such first).
        if (plan.error().code == ErrorCode::no_route && configured.empty())
            return fail(ErrorCode::no_route,
                        "no provider has an API key, so nothing can answer: export OPENAI_API_KEY=... (or "
                        "ANTHROPIC_API_KEY, GEMINI_API_KEY, ...), or add [providers.<name>] api_key to " +
                            context.paths.config_file.string());
        if (plan.error().code == ErrorCode::no_route) return fail(explain_no_route(plan.error(), catalog, model));
        return fail(plan.error());
    }
    if (options.max_cost_usd && plan->estimated_cost > static_cast<catalog::Nanos>(*options.max_cost_usd * catalog::k_nanos_per_usd))
        return fail(ErrorCode::budget_exceeded, "estimated cost " + catalog::format_usd(plan->estimated_cost) + " of " +
                                                    plan->chosen.model->id + " exceeds --max-cost " + catalog::format_usd(
                                                    static_cast<catalog::Nanos>(*options.max_cost_usd * catalog::k_nanos_per_usd)));
    out->plan = std::move(*plan);
    return out;
}

// A connection that never opened says which provider, at which address, and
// where that address comes from: the usual first-day cause is a local server
// (or the mock) that is not running, or a mistyped base_url.
Error unreachable_hint(Error error, const providers::Endpoint& endpoint) {
    if (error.code != ErrorCode::upstream_unavailable || error.upstream_status != 0) return error;
    std::string why = error.message;
    if (why.starts_with("cannot reach ")) // "cannot reach host:port: what"
        if (std::size_t colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
    const providers::ProviderInfo* info = providers::find_provider(endpoint.provider);
    bool public_address = info && info->default_base_url == endpoint.base_url;
    error.message = "cannot reach " + endpoint.provider + " at " + endpoint.base_url + " (" + why + "); " +
                    (public_address ? "is this machine online?"
                                    : "is that server running? The address comes from [providers." +
                                          endpoint.provider + "] base_url");
    return error;
}

} // namespace

PromptOutcome run_prompt(Context& context, const core::Config& config, const catalog::Catalog& catalog,
                         const PromptOptions& options, providers::ChatRequest request,
                         const std::function<void(std::string_view)>* on_text, const std::atomic<bool>& cancel) {
    PromptOutcome outcome;
    PromptLogEntry& entry = outcome.entry;
    entry.request_id = core::random_id("req_");
    entry.started_at = store::iso_timestamp_now();
    entry.model = options.model.empty() ? config.default_model : options.model;
    auto start = Clock::now();
    auto route = plan_prompt(context, config, catalog, options, request);
    if (!route) {
        outcome.error = route.error();
        entry.status = "error";
        entry.error = route.error().message;
        entry.finished_at = store::iso_timestamp_now();
        return outcome;
    }
    const routing::Plan& plan = (*route)->plan;
    const catalog::Offering* answered = nullptr;
    routing::Failover walk(plan);
    while (const routing::Candidate* next = walk.next()) {
        const routing::Candidate& target = *next;
        auto endpoint = providers::resolve_endpoint(target.offering->provider, config, context.env);
        if (!endpoint) {
            outcome.error = endpoint.error();
            continue;
        }
        *endpoint = providers::endpoint_for(*endpoint, *target.offering);
        entry.model = target.model->id;
        entry.provider = target.offering->provider;
        entry.provider_model = target.offering->provider_model_id;
        answered = target.offering;
        outcome.pricing = plan.passthrough && target.model == &plan.passthrough->model ? plan.passthrough->pricing : "";
        providers::ChatResponse partial;
        providers::CallOptions call_options;
        call_options.cancel = &cancel;
        call_options.partial = &partial;
        call_options.timeouts.connect_ms = config.server.connect_timeout_s * 1000;
        call_options.timeouts.idle_ms = config.server.idle_stream_timeout_s * 1000;
        call_options.timeouts.first_byte_ms = config.server.idle_stream_timeout_s * 1000;
        call_options.timeouts.total_ms = config.server.request_timeout_s * 1000;
        providers::StreamCallback relay = [&](const providers::StreamEvent& event) {
            if (event.kind == providers::StreamEvent::Kind::text_delta && !event.text.empty()) {
                if (!entry.first_token_ms) entry.first_token_ms = ms_since(start);
                outcome.streamed_to_stdout = true;
                (*on_text)(event.text);
            }
            return !cancel.load();
        };
        auto result = providers::call(*endpoint, request, target.offering->provider_model_id, call_options,
                                      on_text ? &relay : nullptr);
        if (result) {
            outcome.response = std::move(*result);
            outcome.error.reset();
            break;
        }
        outcome.error = unreachable_hint(result.error(), *endpoint);
        outcome.response = std::move(partial);
        if (cancel.load()) outcome.error = make_error(ErrorCode::cancelled, "interrupted");
        // Once text reached the terminal, another model cannot continue it.
        if (outcome.streamed_to_stdout || cancel.load()) break;
        if (!walk.failed(result.error(), [&] { return (*route)->context(catalog); })) break;
    }
    entry.latency_ms = ms_since(start);
    entry.finished_at = store::iso_timestamp_now();
    entry.response = outcome.response.text;
    entry.usage = outcome.response.usage;
    if (answered) entry.cost = catalog::cost(*answered, entry.usage);
    if (outcome.error) {
        entry.status = outcome.error->code == ErrorCode::cancelled ? "interrupted" : "error";
        entry.error = outcome.error->message;
    }
    return outcome;
}

} // namespace megarouter::cli
