// POST /v1/embeddings: embeddings are not routed by the chat router; the body
// goes as it is to an OpenAI-format provider: the one named in a
// "provider/model" id, else a provider offering the model in the catalog,
// else the first configured OpenAI-format provider (openai first).
// It takes the same governance chain as chat (chain.cpp's stages): the key
// and its role (call_models), rate limits and guardrails, the key policy,
// a hold of the worst-case cost (every byte of text a token), and on every outcome past
// authentication one settlement and one ledger row priced from the answer's
// usage (catalog price of the model at that provider; 0 for a model the
// catalog does not price, add it with [[models]] to meter it in USD).
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/providers/json_pick.hpp"
#include "megarouter/upstream/client.hpp"
#include "providers/adapter_util.hpp"
#include "proxy/handlers.hpp"
#include "megarouter/core/ids.hpp"
#include "proxy/policy_models.hpp"

namespace megarouter::proxy {
namespace {

using nlohmann::json;

// Where an embeddings request goes, and what the catalog knows of it.
struct Target {
    const providers::Endpoint* endpoint = nullptr;
    std::string upstream_model;                    // the provider's id for it
    const catalog::Model* model = nullptr;         // null when the catalog does not know it
    const catalog::Offering* offering = nullptr;   // its price at endpoint's provider
};

Target pick(const Snapshot& snapshot, const std::string& asked) {
    auto openai_format = [&](const std::string& provider) -> const providers::Endpoint* {
        auto it = snapshot.endpoints.find(provider);
        return it != snapshot.endpoints.end() && it->second.format == providers::WireFormat::openai ? &it->second : nullptr;
    };
    auto offering_at = [](const catalog::Model* model, const std::string& provider) -> const catalog::Offering* {
        if (!model) return nullptr;
        for (const auto& offering : model->offerings)
            if (offering.provider == provider) return &offering;
        return nullptr;
    };
    if (auto slash = asked.find('/'); slash != std::string::npos)
        if (const auto* e = openai_format(asked.substr(0, slash))) {
            std::string id = asked.substr(slash + 1);
            const catalog::Model* known = snapshot.catalog.find(id);
            return {e, id, known, offering_at(known, e->provider)};
        }
    const catalog::Model* known = snapshot.catalog.find(asked);
    if (known)
        for (const auto& offering : known->offerings)
            if (const auto* e = openai_format(offering.provider)) return {e, offering.provider_model_id, known, &offering};
    const providers::Endpoint* fallback = openai_format("openai");
    for (std::size_t i = 0; !fallback && i < snapshot.providers.size(); ++i) fallback = openai_format(snapshot.providers[i]);
    if (!fallback) return {};
    return {fallback, asked, known, offering_at(known, fallback->provider)};
}

// The most tokens `input` can be billed for: one per byte of text (a token
// covers at least one byte), one per element of a token array. Used for the
// hold and the rate limit only; the answer's usage is what is billed.
std::int64_t token_bound(const json& input) {
    if (input.is_string()) return static_cast<std::int64_t>(input.get_ref<const std::string&>().size() + 1);
    if (!input.is_array()) return 1;
    std::int64_t tokens = 0;
    for (const json& item : input) tokens += item.is_number() ? 1 : item.is_array() ? static_cast<std::int64_t>(item.size())
                                                                                    : token_bound(item);
    return std::max<std::int64_t>(tokens, 1);
}

// Governance and the upstream call; fills the exchange (and `target`) as it goes.
Result<std::string> embed(Exchange& exchange, Shared& shared, const http::Request& request, Target& target) {
    exchange.trace.governance.begin_us = core::monotonic_us();
    auto authenticated = authenticate(exchange, shared, request);
    exchange.trace.governance.end_us = core::monotonic_us();
    if (!authenticated) return std::unexpected(authenticated.error());
    auto parsed = parse_client_body(request.body, *exchange.snapshot);
    if (!parsed) return std::unexpected(parsed.error());
    json& body = *parsed;
    if (!body.is_object() || !body.contains("model") || !body["model"].is_string() || !body.contains("input"))
        return fail(ErrorCode::invalid_argument, "an embeddings request needs 'model' (string) and 'input'");
    if (auto named = providers::check_model_name(body["model"].get_ref<const std::string&>()); !named)
        return std::unexpected(named.error());
    exchange.chat.model = body["model"].get<std::string>();
    const Snapshot& snapshot = *exchange.snapshot;
    target = pick(snapshot, exchange.chat.model);
    if (!target.endpoint) return fail(ErrorCode::no_route, "no configured OpenAI-format provider serves embeddings");
    exchange.model = target.model;
    exchange.offering = target.offering;
    std::string policy_model = target.model ? target.model->id : target.upstream_model;
    if (auto allowed = shared.governance->check_policy(exchange.caller, policy_model,
                                                      target.model ? target.model->vendor : "",
                                                      target.endpoint->provider, "", model_expander(snapshot));
        !allowed)
        return std::unexpected(allowed.error());
    catalog::Usage bound{.input = token_bound(body["input"])};
    catalog::Nanos max_cost = target.offering ? catalog::cost(*target.offering, bound) : 0;
    exchange.trace.budget.begin_us = core::monotonic_us();
    auto hold = shared.governance->reserve(exchange.caller, max_cost, bound.input, {});
    exchange.trace.budget.end_us = core::monotonic_us();
    if (!hold) return std::unexpected(hold.error());
    exchange.hold = std::move(*hold);

    body["model"] = target.upstream_model;
    auto where = providers::upstream_adapter(target.endpoint->format).target(*target.endpoint, target.upstream_model, false);
    const auto& server = snapshot.config.server;
    upstream::SendOptions options;
    options.timeouts.connect_ms = server.connect_timeout_s * 1000;
    options.timeouts.total_ms = server.request_timeout_s * 1000;
    options.cancel = &shared.abort_streams;
    exchange.attempts = 1;
    std::string base_url = target.offering ? providers::endpoint_for(*target.endpoint, *target.offering).base_url
                                           : target.endpoint->base_url;
    begin_attempt(exchange.trace, target.endpoint->provider, policy_model, base_url);
    upstream::Headers headers = where.headers;
    headers.insert(headers.end(), exchange.trace.upstream_headers.begin(), exchange.trace.upstream_headers.end());
    auto answer = shared.transport->send(
        {.method = "POST", .url = base_url + "/embeddings", .headers = std::move(headers), .body = body.dump()},
        options);
    AttemptTrace& attempt = exchange.trace.attempts.back();
    attempt.time.end_us = core::monotonic_us();
    if (!answer) {
        attempt.error = std::string(to_string(answer.error().code));
        return std::unexpected(answer.error());
    }
    attempt.upstream_status = answer->status;
    if (answer->status / 100 != 2) {
        Error error = providers::upstream_adapter(target.endpoint->format)
                          .decode_error(answer->status, answer->body, answer->headers);
        attempt.error = std::string(to_string(error.code));
        return std::unexpected(error);
    }
    attempt.ok = true;
    // Only the usage member is decoded: the vectors can be megabytes. Counts
    // are held to [0, k_max_tokens] whatever type or size the upstream sent.
    if (auto usage = providers::pick_member(answer->body, "usage"); usage && usage->is_object()) {
        exchange.usage.input = providers::detail::tokens(*usage, "prompt_tokens");
        if (exchange.usage.input == 0) exchange.usage.input = providers::detail::tokens(*usage, "total_tokens");
    }
    if (target.offering) exchange.cost = catalog::cost(*target.offering, exchange.usage);
    return std::move(answer->body);
}

} // namespace

void handle_embeddings(Shared& shared, const http::Request& request, http::Response& response) {
    Exchange exchange;
    exchange.path = request.path;
    exchange.started_us = core::monotonic_us();
    exchange.request_id = core::random_id("req_");
    exchange.snapshot = shared.snapshot();
    begin_trace(exchange.trace, request, shared.tracer ? &shared.tracer->settings() : nullptr);
    Target target;
    auto answer = embed(exchange, shared, request, target);
    if (!answer) {
        write_error(response, providers::WireFormat::openai, answer.error(), exchange.request_id);
        set_outcome_headers(exchange, response, false);
        exchange.status = response.status;
        exchange.error_code = std::string(to_string(answer.error().code));
    } else {
        exchange.status = 200;
        set_outcome_headers(exchange, response, true);
        // A model the catalog does not know: still say where it went.
        if (!exchange.offering) response.set_header("x-megarouter-provider", target.endpoint->provider);
        if (!exchange.model) response.set_header("x-megarouter-model", target.upstream_model);
        response.set_content(std::move(*answer), "application/json");
    }
    finish(exchange, shared, request.method); // settles and writes the ledger row once past authentication
}

} // namespace megarouter::proxy
