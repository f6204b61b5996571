// OpenAI chat completions answers and errors, both directions, and the
// OpenAI adapter objects.
#include <chrono>

#include "adapter_util.hpp"
#include "megarouter/providers/registry.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

catalog::Usage openai_usage(const json& usage) {
    catalog::Usage out;
    if (!usage.is_object()) return out;
    std::int64_t prompt = tokens(usage, "prompt_tokens");
    const json& prompt_details = usage.contains("prompt_tokens_details") ? usage["prompt_tokens_details"] : json();
    const json& completion_details = usage.contains("completion_tokens_details") ? usage["completion_tokens_details"] : json();
    out.cached_input = tokens(prompt_details, "cached_tokens");
    if (out.cached_input == 0) out.cached_input = tokens(usage, "prompt_cache_hit_tokens"); // DeepSeek
    out.cache_write = tokens(prompt_details, "cache_write_tokens");                          // OpenRouter
    out.input = std::max<std::int64_t>(0, prompt - out.cached_input - out.cache_write);
    out.output = tokens(usage, "completion_tokens");
    out.reasoning = tokens(completion_details, "reasoning_tokens");
    return out;
}

json openai_usage_json(const catalog::Usage& usage) {
    using catalog::add_saturated;
    std::int64_t prompt = add_saturated(add_saturated(usage.input, usage.cached_input), usage.cache_write);
    return {{"prompt_tokens", prompt},
            {"completion_tokens", usage.output},
            {"total_tokens", add_saturated(prompt, usage.output)},
            {"prompt_tokens_details", {{"cached_tokens", usage.cached_input}}},
            {"completion_tokens_details", {{"reasoning_tokens", usage.reasoning}}}};
}

Result<ChatResponse> openai_decode_response(const json& body) {
    if (!body.is_object() || !body.contains("choices") || !body["choices"].is_array())
        return fail(ErrorCode::upstream_error, "upstream answer has no choices");
    ChatResponse response;
    response.id = str(body, "id");
    response.model = str(body, "model");
    if (!body["choices"].empty()) {
        const json& choice = body["choices"][0];
        const json& message = choice.contains("message") ? choice["message"] : json();
        response.text = str(message, "content");
        response.reasoning_text = str(message, "reasoning_content");
        if (response.reasoning_text.empty()) response.reasoning_text = str(message, "reasoning");
        if (message.contains("tool_calls") && message["tool_calls"].is_array())
            for (const json& call : message["tool_calls"]) {
                const json& function = call.contains("function") ? call["function"] : json();
                response.tool_calls.push_back({str(call, "id"), str(function, "name"), str(function, "arguments")});
            }
        response.finish = finish_from_openai(str(choice, "finish_reason"));
    }
    if (body.contains("usage")) response.usage = openai_usage(body["usage"]);
    return response;
}

json openai_encode_client_response(const ChatResponse& response, std::string_view model) {
    json message = {{"role", "assistant"}, {"content", response.text}};
    if (!response.reasoning_text.empty()) message["reasoning_content"] = response.reasoning_text;
    if (!response.tool_calls.empty()) {
        if (response.text.empty()) message["content"] = nullptr;
        json calls = json::array();
        for (const ToolCall& call : response.tool_calls)
            calls.push_back({{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
        message["tool_calls"] = calls;
    }
    auto now = std::chrono::system_clock::now().time_since_epoch();
    return {{"id", response.id.empty() ? std::string("chatcmpl-megarouter") : response.id},
            {"object", "chat.completion"},
            {"created", std::chrono::duration_cast<std::chrono::seconds>(now).count()},
            {"model", model},
            {"choices", json::array({{{"index", 0},
                                      {"message", message},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_to_openai(response.finish)}}})},
            {"usage", openai_usage_json(response.usage)}};
}

Error openai_decode_error(int status, std::string_view body, const upstream::Headers& headers) {
    json parsed = parse_or_null(body);
    const json& error = parsed.is_object() && parsed.contains("error") ? parsed["error"] : json();
    std::string message = error.is_string() ? error.get<std::string>() : str(error, "message");
    std::string code = str(error, "code");
    std::string type = str(error, "type");
    if (message.empty()) message = std::string(body.substr(0, 300));
    Error out = classify_status(status, message, headers);
    if (code == "context_length_exceeded" || code == "string_above_max_length") {
        out.code = ErrorCode::context_length_exceeded;
        out.retryable = false;
    } else if (code == "content_policy_violation" || code == "content_filter") {
        out.code = ErrorCode::content_policy;
        out.retryable = false;
    } else if (code == "insufficient_quota" || type == "insufficient_quota") {
        out.retryable = false; // billing, not load: waiting will not help
    }
    return out;
}

bool retry_can_help(const Error& error) {
    switch (error.code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::not_found:
    case ErrorCode::unauthenticated:
    case ErrorCode::permission_denied:
    case ErrorCode::budget_exceeded:
    case ErrorCode::payload_too_large:
    case ErrorCode::context_length_exceeded:
    case ErrorCode::content_policy:
    case ErrorCode::config: return false;
    case ErrorCode::rate_limited: return error.retryable || error.upstream_status == 0;
    // Nothing can serve this request as it is (capabilities, window,
    // credentials, policy): only a route blocked for a while (retryable) may clear.
    case ErrorCode::no_route: return error.retryable;
    default: return true;
    }
}

namespace {

std::string openai_error_type(const Error& error) {
    switch (error.code) {
    case ErrorCode::unauthenticated: return "authentication_error";
    case ErrorCode::permission_denied: return "permission_error";
    case ErrorCode::rate_limited: return "rate_limit_error";
    case ErrorCode::budget_exceeded: return "insufficient_quota";
    case ErrorCode::invalid_argument:
    case ErrorCode::not_found:
    case ErrorCode::payload_too_large:
    case ErrorCode::context_length_exceeded:
    case ErrorCode::content_policy: return "invalid_request_error";
    default: return "server_error";
    }
}

json openai_error_code(const Error& error) {
    switch (error.code) {
    case ErrorCode::not_found: return "model_not_found";
    case ErrorCode::unauthenticated: return "invalid_api_key";
    case ErrorCode::rate_limited: return "rate_limit_exceeded";
    case ErrorCode::budget_exceeded: return "insufficient_quota";
    case ErrorCode::context_length_exceeded: return "context_length_exceeded";
    case ErrorCode::content_policy: return "content_policy_violation";
    default: return std::string(to_string(error.code));
    }
}

} // namespace

ClientError openai_encode_client_error(const Error& error) {
    json body = {{"error",
                  {{"message", error.message}, {"type", openai_error_type(error)}, {"param", nullptr}, {"code", openai_error_code(error)}}}};
    return {http_status_for(error), body.dump(-1, ' ', false, json::error_handler_t::replace), retry_can_help(error)};
}

namespace {

class OpenAiUpstream final : public UpstreamAdapter {
public:
    WireFormat format() const override { return WireFormat::openai; }
    json encode_request(const ChatRequest& request, std::string_view model) const override {
        return openai_encode_request(request, model);
    }
    UpstreamTarget target(const Endpoint& endpoint, std::string_view model, bool stream) const override {
        UpstreamTarget target;
        if (endpoint.provider == "azure") {
            target.url = endpoint.base_url + "/openai/deployments/" + path_segment(model) +
                         "/chat/completions?api-version=" + endpoint.api_version;
            target.headers.emplace_back("api-key", endpoint.api_key);
        } else {
            target.url = endpoint.base_url + "/chat/completions";
            if (!endpoint.api_key.empty()) target.headers.emplace_back("Authorization", "Bearer " + endpoint.api_key);
        }
        target.headers.emplace_back("Content-Type", "application/json");
        target.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
        return target;
    }
    Result<ChatResponse> decode_response(const json& body) const override { return openai_decode_response(body); }
    std::string_view usage_member() const override { return "usage"; }
    catalog::Usage decode_usage(const json& member) const override {
        return member.is_object() ? openai_usage(member) : catalog::Usage{};
    }
    std::unique_ptr<StreamDecoder> stream_decoder() const override { return openai_stream_decoder(); }
    std::unique_ptr<StreamDecoder> usage_decoder() const override { return openai_stream_decoder(true); }
    Error decode_error(int status, std::string_view body, const upstream::Headers& headers) const override {
        return openai_decode_error(status, body, headers);
    }
};

class OpenAiClient final : public ClientAdapter {
public:
    ClientApi api() const override { return ClientApi::chat_completions; }
    WireFormat format() const override { return WireFormat::openai; }
    Result<ClientRequest> decode(const json& body) const override {
        auto decoded = openai_decode_client_request(body);
        if (!decoded) return fail(decoded.error());
        return ClientRequest{.request = std::move(*decoded), .dropped = {}};
    }
    // OpenAI's own chat completions read max_completion_tokens (max_tokens is
    // deprecated there and refused by its reasoning models); other
    // OpenAI-format providers read max_tokens.
    const char* output_cap_field(const Endpoint& endpoint) const override {
        return endpoint.provider == "openai" ? "max_completion_tokens" : "max_tokens";
    }
    json encode_client_response(const ChatResponse& response, std::string_view model) const override {
        return openai_encode_client_response(response, model);
    }
    std::unique_ptr<StreamEncoder> stream_encoder(std::string_view model) const override {
        return openai_stream_encoder(model);
    }
    ClientError encode_client_error(const Error& error) const override { return openai_encode_client_error(error); }
};

} // namespace

const UpstreamAdapter& openai_upstream() {
    static const OpenAiUpstream adapter;
    return adapter;
}

const ClientAdapter& openai_client() {
    static const OpenAiClient adapter;
    return adapter;
}

} // namespace megarouter::providers::detail
