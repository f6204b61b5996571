// The stages of the per-request filter chain for chat-like requests.
#include <cmath>
#include <optional>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/credentials.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/failover.hpp"
#include "megarouter/routing/worst_case.hpp"
#include "megarouter/upstream/http.hpp"
#include "proxy/exchange.hpp"
#include "proxy/policy_models.hpp"
#include "proxy/translation_losses.hpp"

namespace megarouter::proxy {
namespace {

using nlohmann::json;

std::string presented_key(const http::Request& request) {
    return core::presented_key(request.headers.get("Authorization"), request.headers.get("x-api-key"));
}

// Counts are held to k_max_tokens when read, costs to k_max_request_cost;
// the sums over attempts saturate anyway.
void add_usage(catalog::Usage& into, const catalog::Usage& u) {
    using catalog::add_saturated;
    into.input = add_saturated(into.input, u.input);
    into.cached_input = add_saturated(into.cached_input, u.cached_input);
    into.cache_write = add_saturated(into.cache_write, u.cache_write);
    into.output = add_saturated(into.output, u.output);
    into.reasoning = add_saturated(into.reasoning, u.reasoning);
}

routing::RoutingContext context_for(const Exchange& exchange, const routing::HealthSnapshot& health) {
    const Snapshot& snapshot = *exchange.snapshot;
    return {.catalog = &snapshot.catalog, .providers = snapshot.providers, .config = &snapshot.routing,
            .health = &health, .now = core::system_clock().now_ms()};
}

// A cut stream that reported no usage is still metered: the estimate of
// its prompt and of what was relayed.
catalog::Usage estimate_if_silent(const Exchange& exchange, catalog::Usage used, bool streamed) {
    if (used.input || used.output || used.cached_input || !streamed || !exchange.plan) return used;
    used.input = exchange.plan->analysis.input_tokens;
    return used;
}

// The output cap a call to `target` goes out with: the caller's max_tokens,
// lowered to fit a budget. Anthropic's encoder raises max_tokens above a
// thinking budget, so a request with reasoning translated to Anthropic is
// held at the model's maximum (nullopt).
bool thinking_raises_cap(const Exchange& exchange, const routing::Candidate& target) {
    if (exchange.chat.reasoning_effort.empty()) return false;
    auto endpoint = exchange.snapshot->endpoints.find(target.offering->provider);
    return endpoint != exchange.snapshot->endpoints.end() &&
           endpoint->second.format == providers::WireFormat::anthropic && !passes_through(exchange.api, endpoint->second);
}

std::optional<std::int64_t> output_cap(const Exchange& exchange, const routing::Candidate& target) {
    if (thinking_raises_cap(exchange, target)) return std::nullopt;
    std::optional<std::int64_t> cap = exchange.max_tokens_asked;
    if (exchange.budget_max_tokens) cap = cap ? std::min(*cap, *exchange.budget_max_tokens) : *exchange.budget_max_tokens;
    return cap;
}

routing::WorstCase worst_of(const Exchange& exchange, const routing::Candidate& target) {
    return routing::worst_case(*target.model, *target.offering, exchange.input_bound, output_cap(exchange, target));
}

// Below this many output tokens a fitted answer is not worth its input.
constexpr std::int64_t k_min_fitted_output = 64;

std::int64_t tokens_of(const catalog::Usage& u) {
    using catalog::add_saturated;
    return add_saturated(add_saturated(u.input, u.cached_input), add_saturated(u.cache_write, u.output));
}

// [governance] fit_to_budget: the largest max_tokens for `target` whose
// worst case, on top of what earlier attempts already cost, fits in the room
// the gate reports. Two pointers: std::function holds it without allocating.
struct Fitter {
    Exchange* exchange;
    const routing::Candidate* target;

    std::optional<governance::Hold> operator()(catalog::Nanos room, std::int64_t room_tokens) const {
        catalog::Nanos spent = exchange->cost;
        std::int64_t spent_tokens = tokens_of(exchange->usage);
        if (room <= spent || room_tokens <= spent_tokens || thinking_raises_cap(*exchange, *target)) return std::nullopt;
        routing::WorstCase full = worst_of(*exchange, *target);
        std::int64_t output = routing::output_that_fits(*target->model, *target->offering, exchange->input_bound,
                                                        full.output_tokens, room - spent, room_tokens - spent_tokens);
        if (output < std::min(k_min_fitted_output, full.output_tokens)) return std::nullopt;
        exchange->budget_max_tokens = output;
        routing::WorstCase fitted = worst_of(*exchange, *target);
        return governance::Hold{catalog::add_saturated(spent, fitted.cost),
                                catalog::add_saturated(spent_tokens, fitted.tokens())};
    }
};

// Where the price of what answered came from, when it is not the catalog's:
// a model passed through before the catalog lists it.
const routing::PassThrough* passthrough_of(const Exchange& exchange) {
    const auto& plan = exchange.plan;
    if (!plan || !plan->passthrough || exchange.model != &plan->passthrough->model) return nullptr;
    return plan->passthrough.get();
}

} // namespace

Result<void> authenticate(Exchange& exchange, Shared& shared, const http::Request& request) {
    if (auto room = shared.governance->ledger_room(); !room) return room; // it could not be recorded
    auto caller = shared.governance->authenticate(presented_key(request));
    if (!caller) return std::unexpected(caller.error());
    exchange.caller = std::move(*caller);
    exchange.authenticated = true;
    auto guardrails = shared.governance->precheck(exchange.caller);
    if (!guardrails) return std::unexpected(guardrails.error());
    exchange.guardrails = std::move(*guardrails);
    return {};
}

Result<nlohmann::json> parse_client_body(std::string_view body, const Snapshot& snapshot) {
    auto parsed = core::parse_json_bounded(body, core::json_limits(snapshot.config.server));
    if (!parsed) return fail(ErrorCode::invalid_argument, "request body: " + parsed.error().message);
    return parsed;
}

Result<void> decode_request(Exchange& exchange, const http::Request& request) {
    auto parsed = parse_client_body(request.body, *exchange.snapshot);
    if (!parsed) return std::unexpected(parsed.error());
    exchange.body = std::move(*parsed);
    if (!exchange.body.is_object()) return fail(ErrorCode::invalid_argument, "the request body must be a JSON object");
    auto decoded = providers::client_adapter(exchange.api).decode(exchange.body);
    if (!decoded) return std::unexpected(decoded.error());
    exchange.chat = std::move(decoded->request);
    exchange.decode_losses = std::move(decoded->dropped);
    exchange.max_tokens_asked = exchange.chat.max_tokens;
    if (auto options = exchange.body.find("stream_options"); options != exchange.body.end() && options->is_object())
        exchange.usage_chunk_asked = options->value("include_usage", false) == true;
    // Refused here already, before anything is reserved; the upstream client
    // checks every header again where it writes the request.
    static const std::string k_forwarded[] = {"anthropic-version", "anthropic-beta"};
    for (const std::string& name : k_forwarded) {
        const std::string* value = request.headers.find(name);
        if (!value) continue;
        if (!upstream::is_field_value(*value))
            return fail(ErrorCode::invalid_argument, "the " + name + " header contains a control character");
        exchange.forward_headers.emplace_back(name, *value);
    }
    return {};
}

Result<void> route(Exchange& exchange, Shared& shared) {
    exchange.trace.route.begin_us = core::monotonic_us();
    routing::RouteRequest ask{.model = exchange.chat.model, .defer_comparable = true};
    if (const auto& principal = exchange.caller.principal) {
        const auto& policy = principal->policy;
        auto& c = ask.constraints;
        c.allow_models = allowed_model_ids(policy.allowed_models, *exchange.snapshot); // aliases, groups -> ids
        c.allow_vendors = policy.allowed_vendors;
        c.allow_providers = policy.allowed_providers;
        c.max_price_per_mtok = policy.max_price_per_mtok;
    }
    // A model the key may not use, asked for by name: 403 naming the policy
    // (rather than the router's "no route" once the policy filtered it out).
    governance::ModelExpander expand = model_expander(*exchange.snapshot);
    if (const catalog::Model* named = exchange.snapshot->catalog.find(exchange.chat.model); named && exchange.caller.principal)
        if (auto allowed = shared.governance->check_policy(exchange.caller, named->id, named->vendor, "", "", expand);
            !allowed)
            return std::unexpected(allowed.error());
    if (exchange.guardrails.downgrade) {
        ask.constraints.forced_mode = routing::parse_mode(exchange.guardrails.forced_mode);
        ask.constraints.downgrade_price_ceiling = exchange.guardrails.price_ceiling_per_mtok;
    }
    auto health = shared.health->snapshot();
    auto plan = routing::plan(ask, exchange.chat, context_for(exchange, health));
    exchange.trace.route.end_us = core::monotonic_us();
    // Deployments cooling down after a 429 are why: that is a 429.
    if (!plan) return fail(routing::explain_no_route(plan.error(), exchange.chat.model, context_for(exchange, health)));
    exchange.plan = std::move(*plan);
    exchange.mode = exchange.plan->mode;
    const auto& chosen = exchange.plan->chosen;
    if (auto allowed = shared.governance->check_policy(exchange.caller, chosen.model->id, chosen.model->vendor,
                                                      chosen.offering->provider, routing::to_string(exchange.mode),
                                                      expand);
        !allowed)
        return std::unexpected(allowed.error());
    // The hold is the request's worst case, so that no budget can be
    // overspent by what is in flight (docs/governance.md, Exact budgets).
    exchange.input_bound = routing::input_token_bound(exchange.chat);
    routing::WorstCase worst = worst_of(exchange, chosen);
    exchange.trace.budget.begin_us = core::monotonic_us();
    auto hold = shared.governance->reserve(exchange.caller, worst.cost, worst.tokens(), Fitter{&exchange, &chosen});
    exchange.trace.budget.end_us = core::monotonic_us();
    if (!hold) return std::unexpected(hold.error());
    exchange.hold = std::move(*hold);
    return {};
}

Result<void> call_with_failover(Exchange& exchange, Shared& shared, StreamRelay* relay) {
    routing::Failover walk(*exchange.plan);
    const std::atomic<bool>* cancel = relay ? &relay->cancel_flag() : &shared.abort_streams;
    Error last = make_error(ErrorCode::no_route, "no deployment could be called for " + exchange.chat.model);
    while (const routing::Candidate* next = walk.next()) {
        if (core::monotonic_us() >= exchange.deadline_us) {
            last = make_error(ErrorCode::upstream_timeout, "the request's deadline passed before an answer came");
            break;
        }
        const routing::Candidate& target = *next;
        auto endpoint = exchange.snapshot->endpoints.find(target.offering->provider);
        if (endpoint == exchange.snapshot->endpoints.end()) continue;
        // A [[models]] entry may name its own server under its provider.
        std::optional<providers::Endpoint> own_server;
        if (target.offering->base_url) own_server = providers::endpoint_for(endpoint->second, *target.offering);
        const providers::Endpoint& where = own_server ? *own_server : endpoint->second;
        // Translating may lose part of the request: a loss that changes the
        // answer's meaning skips this deployment (the next may speak the
        // client's format); the rest is named in x-megarouter-dropped.
        exchange.dropped.clear();
        if (!passes_through(exchange.api, where)) {
            TranslationLosses losses = translation_losses(exchange.api, where.format, exchange.body);
            if (losses.refused) {
                last = *losses.refused;
                continue;
            }
            exchange.dropped = exchange.decode_losses;
            exchange.dropped.insert(exchange.dropped.end(), losses.named.begin(), losses.named.end());
        }
        // A dearer fallback needs a larger hold: what was spent so far plus its worst case.
        routing::WorstCase worst = worst_of(exchange, target);
        catalog::Nanos need = catalog::add_saturated(exchange.cost, worst.cost);
        std::int64_t need_tokens = catalog::add_saturated(tokens_of(exchange.usage), worst.tokens());
        if (need > exchange.hold.amount || need_tokens > exchange.hold.tokens) {
            if (auto more = shared.governance->extend(exchange.caller, exchange.hold, need, need_tokens,
                                                      Fitter{&exchange, &target});
                !more) {
                if (exchange.attempts == 0) last = more.error();
                continue;
            }
        }
        exchange.attempts++;
        exchange.model = target.model;
        exchange.offering = target.offering;
        exchange.fallback = walk.handed_out() > 1;
        catalog::Usage partial;
        std::int64_t began = core::monotonic_us();
        std::size_t traced = exchange.trace.attempts.size();
        begin_attempt(exchange.trace, target.offering->provider, target.model->id, where.base_url);
        auto outcome = attempt(exchange, *shared.transport, target, where, relay, partial, cancel);
        AttemptTrace& attempt_trace = exchange.trace.attempts[traced];
        attempt_trace.time.end_us = core::monotonic_us();
        attempt_trace.ok = outcome.has_value();
        if (!outcome) {
            attempt_trace.error = std::string(to_string(outcome.error().code));
            attempt_trace.upstream_status = outcome.error().upstream_status;
        }
        catalog::Usage used =
            outcome ? outcome->usage : estimate_if_silent(exchange, partial, relay && relay->committed());
        add_usage(exchange.usage, used);
        exchange.cost = catalog::add_saturated(exchange.cost, catalog::cost(*target.offering, used));
        double elapsed_ms = (core::monotonic_us() - began) / 1000.0;
        if (outcome) {
            double ttft = relay ? (exchange.ttfb_us > 0 ? exchange.ttfb_us / 1000.0 : 0) : 0;
            double tps = elapsed_ms > 0 && used.output > 0 ? used.output * 1000.0 / elapsed_ms : 0;
            shared.health->record_success(target.key(), ttft, tps);
            exchange.body_out = std::move(outcome->body);
            return {};
        }
        last = outcome.error();
        if (last.code == ErrorCode::cancelled) break; // the client left or the server is stopping
        // A request refused before it was sent says nothing about the deployment.
        bool sent = !(last.code == ErrorCode::invalid_argument && last.upstream_status == 0);
        if (sent) shared.health->record_failure(target.key(), routing::FailureInfo::from(last));
        if (relay && relay->committed()) break; // bytes went out: no silent switch
        if (relay) relay->discard_uncommitted();
        std::optional<routing::HealthSnapshot> health;
        auto now = [&] { return context_for(exchange, health.emplace(shared.health->snapshot())); };
        if (!walk.failed(last, now)) break;
    }
    return std::unexpected(last);
}

// What the same tokens would have cost without routing: the requested model
// when the caller named one, else the snapshot's baseline model, at its
// cheapest offering. Equal to the cost (no savings claimed) when neither is known.
catalog::Nanos baseline_cost(const Exchange& exchange) {
    if (!exchange.snapshot || exchange.cost == 0) return exchange.cost;
    const catalog::Model* baseline = exchange.snapshot->catalog.find(exchange.chat.model);
    if (baseline == nullptr) baseline = exchange.snapshot->baseline_model;
    const catalog::Offering* offering = baseline ? catalog::cheapest_offering(*baseline) : nullptr;
    return offering ? catalog::cost(*offering, exchange.usage) : exchange.cost;
}

void finish(Exchange& exchange, Shared& shared, const std::string& method) {
    std::int64_t latency_ms = (core::monotonic_us() - exchange.started_us) / 1000;
    const catalog::Usage& u = exchange.usage;
    if (exchange.authenticated) {
        governance::LedgerEntry entry{
            .request_id = exchange.request_id,
            .key_id = exchange.caller.key_id(),
            .endpoint = exchange.path,
            .requested_model = exchange.chat.model,
            .routed_model = exchange.model ? exchange.model->id : "",
            .vendor = exchange.model ? exchange.model->vendor : "",
            .provider = exchange.offering ? exchange.offering->provider : "",
            .mode = exchange.plan ? std::string(routing::to_string(exchange.mode)) : "",
            .tier = exchange.model ? std::string(catalog::to_string(exchange.model->tier)) : "",
            .input_tokens = u.input,
            .cached_tokens = u.cached_input,
            .cache_write_tokens = u.cache_write,
            .output_tokens = u.output,
            .reasoning_tokens = u.reasoning,
            .cost_nanos = exchange.cost,
            .baseline_nanos = baseline_cost(exchange),
            .latency_ms = latency_ms,
            .ttft_ms = exchange.ttfb_us / 1000,
            .status = exchange.status,
            .attempts = exchange.attempts,
            .fallback = exchange.fallback,
            .error_code = exchange.error_code,
            .pricing = passthrough_of(exchange) ? passthrough_of(exchange)->pricing : ""};
        shared.governance->settle(exchange.caller, exchange.hold, entry);
    }
    record_prompt(exchange, shared, latency_ms);
    if (shared.tracer && exchange.trace.recording)
        shared.tracer->submit(request_spans(exchange, method, shared.tracer->settings().capture_content));
    double duration_s = static_cast<double>(core::monotonic_us() - exchange.started_us) / 1e6;
    std::vector<FailedAttempt> failed;
    for (const AttemptTrace& a : exchange.trace.attempts)
        if (!a.ok) failed.push_back({a.provider, a.error});
    std::string key_id = exchange.caller.key_id();
    shared.metrics.record({.endpoint = exchange.path,
                           .model = exchange.model ? std::string_view(exchange.model->id) : std::string_view(),
                           .provider = exchange.offering ? std::string_view(exchange.offering->provider)
                                                         : std::string_view(),
                           .mode = exchange.plan ? routing::to_string(exchange.mode) : std::string_view(),
                           .status = exchange.status,
                           .duration_s = duration_s,
                           .overhead_s = std::max(0.0, duration_s - static_cast<double>(exchange.upstream_us) / 1e6),
                           .ttft_s = static_cast<double>(exchange.ttfb_us) / 1e6,
                           .usage = u,
                           .cost_usd = static_cast<double>(exchange.cost) / catalog::k_nanos_per_usd,
                           .fallback = exchange.fallback,
                           .error = exchange.error_code,
                           .operation = operation_name(exchange),
                           .failed_attempts = std::move(failed),
                           .key_id = key_id});
    shared.access_log->write({.ts_ms = core::system_clock().now_ms(),
                              .request_id = exchange.request_id,
                              .method = method,
                              .path = exchange.path,
                              .key_id = exchange.caller.key_id(),
                              .requested_model = exchange.chat.model,
                              .model = exchange.model ? exchange.model->id : "",
                              .provider = exchange.offering ? exchange.offering->provider : "",
                              .mode = exchange.plan ? std::string(routing::to_string(exchange.mode)) : "",
                              .status = exchange.status,
                              .stream = exchange.chat.stream,
                              .input_tokens = u.input + u.cached_input + u.cache_write,
                              .output_tokens = u.output,
                              .cost_usd = static_cast<double>(exchange.cost) / catalog::k_nanos_per_usd,
                              .latency_ms = latency_ms,
                              .ttfb_ms = exchange.ttfb_us / 1000,
                              .overhead_ms = static_cast<double>(std::max<std::int64_t>(
                                                 core::monotonic_us() - exchange.started_us - exchange.upstream_us, 0)) /
                                             1000.0,
                              .attempts = exchange.attempts,
                              .error = exchange.error_code});
}

double overhead_ms(const Exchange& exchange) {
    std::int64_t own = exchange.ttfb_us > 0 ? exchange.ttfb_us - exchange.upstream_at_first_byte_us
                                            : core::monotonic_us() - exchange.started_us - exchange.upstream_us;
    return static_cast<double>(std::max<std::int64_t>(own, 0)) / 1000.0;
}

void set_outcome_headers(const Exchange& exchange, http::Response& response, bool include_cost) {
    response.set_header("x-request-id", exchange.request_id);
    char overhead[32];
    std::snprintf(overhead, sizeof overhead, "%.3f", overhead_ms(exchange));
    response.set_header("x-megarouter-overhead-ms", overhead);
    if (exchange.model) response.set_header("x-megarouter-model", exchange.model->id);
    if (exchange.offering) response.set_header("x-megarouter-provider", exchange.offering->provider);
    if (exchange.plan) response.set_header("x-megarouter-mode", std::string(routing::to_string(exchange.mode)));
    response.set_header("x-megarouter-attempts", std::to_string(exchange.attempts));
    if (exchange.fallback) response.set_header("x-megarouter-fallback", "true");
    if (include_cost) {
        char cost[32];
        std::snprintf(cost, sizeof cost, "%.9f", static_cast<double>(exchange.cost) / catalog::k_nanos_per_usd);
        response.set_header("x-megarouter-cost-usd", cost);
    }
    // Known before the answer, so streams carry it too.
    if (const routing::PassThrough* pass = passthrough_of(exchange))
        response.set_header("x-megarouter-pricing",
                            pass->pricing == "estimate" ? "estimate from " + pass->sibling : pass->pricing);
    if (exchange.guardrails.downgrade) response.set_header("x-megarouter-budget-downgrade", exchange.guardrails.reason);
    if (exchange.budget_max_tokens)
        response.set_header("x-megarouter-budget-fit", "max_tokens=" + std::to_string(*exchange.budget_max_tokens));
    if (!exchange.dropped.empty()) {
        std::string dropped;
        for (const auto& d : exchange.dropped) dropped += (dropped.empty() ? "" : ",") + d;
        response.set_header("x-megarouter-dropped", dropped);
    }
}

void write_error(http::Response& response, providers::WireFormat format, const Error& error,
                 const std::string& request_id) {
    providers::ClientError out = providers::client_adapter(format)->encode_client_error(error);
    response.status = out.status;
    response.set_content(out.body, "application/json");
    if (!out.should_retry) response.set_header("x-should-retry", "false");
    if (error.retry_after_seconds && *error.retry_after_seconds >= 0)
        response.set_header("Retry-After", std::to_string(static_cast<long>(std::ceil(*error.retry_after_seconds))));
    if (!request_id.empty()) response.set_header("x-request-id", request_id);
}

} // namespace megarouter::proxy
