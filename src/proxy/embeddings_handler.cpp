// POST /v1/embeddings: embeddings are not routed by the chat router; the body
// goes as it is to an OpenAI-format provider: the one named in a
// "provider/model" id, else a provider offering the model in the catalog,
// else the first configured OpenAI-format provider (openai first).
#include "megarouter/core/clock.hpp"
#include "megarouter/upstream/client.hpp"
#include "proxy/handlers.hpp"
#include "proxy/ids.hpp"

namespace megarouter::proxy {
namespace {

using nlohmann::json;

const providers::Endpoint* pick(const Snapshot& snapshot, std::string& model) {
    auto openai_format = [&](const std::string& provider) -> const providers::Endpoint* {
        auto it = snapshot.endpoints.find(provider);
        return it != snapshot.endpoints.end() && it->second.format == providers::WireFormat::openai ? &it->second : nullptr;
    };
    if (auto slash = model.find('/'); slash != std::string::npos)
        if (const auto* e = openai_format(model.substr(0, slash))) {
            model = model.substr(slash + 1);
            return e;
        }
    if (const auto* known = snapshot.catalog.find(model))
        for (const auto& offering : known->offerings)
            if (const auto* e = openai_format(offering.provider)) {
                model = offering.provider_model_id;
                return e;
            }
    if (const auto* e = openai_format("openai")) return e;
    for (const auto& name : snapshot.providers)
        if (const auto* e = openai_format(name)) return e;
    return nullptr;
}

} // namespace

void handle_embeddings(Shared& shared, const httplib::Request& request, httplib::Response& response) {
    std::string request_id = random_id("req_");
    auto snapshot = shared.snapshot();
    auto format = providers::WireFormat::openai;
    auto parsed = parse_client_body(request.body, *snapshot);
    if (!parsed) return write_error(response, format, parsed.error(), request_id);
    json& body = *parsed;
    if (!body.is_object() || !body.contains("model") || !body["model"].is_string() || !body.contains("input")) {
        write_error(response, format,
                    make_error(ErrorCode::invalid_argument, "an embeddings request needs 'model' (string) and 'input'"),
                    request_id);
        return;
    }
    if (auto named = providers::check_model_name(body["model"].get_ref<const std::string&>()); !named)
        return write_error(response, format, named.error(), request_id);
    std::string model = body["model"].get<std::string>();
    const providers::Endpoint* endpoint = pick(*snapshot, model);
    if (!endpoint) {
        write_error(response, format,
                    make_error(ErrorCode::no_route, "no configured OpenAI-format provider serves embeddings"), request_id);
        return;
    }
    body["model"] = model;
    auto where = providers::upstream_adapter(endpoint->format).target(*endpoint, model, false);
    const auto& server = snapshot->config.server;
    upstream::SendOptions options;
    options.timeouts.connect_ms = server.connect_timeout_s * 1000;
    options.timeouts.total_ms = server.request_timeout_s * 1000;
    options.cancel = &shared.abort_streams;
    auto answer = upstream::UpstreamClient::shared().send(
        {.method = "POST", .url = endpoint->base_url + "/embeddings", .headers = where.headers, .body = body.dump()},
        options);
    if (!answer) {
        write_error(response, format, answer.error(), request_id);
        return;
    }
    if (answer->status / 100 != 2) {
        auto error = providers::upstream_adapter(endpoint->format).decode_error(answer->status, answer->body, answer->headers);
        write_error(response, format, error, request_id);
        return;
    }
    response.set_header("x-request-id", request_id);
    response.set_header("x-megarouter-provider", endpoint->provider);
    response.set_header("x-megarouter-model", model);
    response.set_content(std::move(answer->body), "application/json");
}

} // namespace megarouter::proxy
