// Anthropic Messages answers and errors, both directions, and the Anthropic
// adapter objects.
#include "adapter_util.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

catalog::Usage anthropic_usage(const json& usage) {
    catalog::Usage out;
    out.input = tokens(usage, "input_tokens");
    out.cached_input = tokens(usage, "cache_read_input_tokens");
    out.cache_write = tokens(usage, "cache_creation_input_tokens");
    out.output = tokens(usage, "output_tokens");
    return out;
}

json anthropic_usage_json(const catalog::Usage& usage) {
    return {{"input_tokens", usage.input},
            {"cache_creation_input_tokens", usage.cache_write},
            {"cache_read_input_tokens", usage.cached_input},
            {"output_tokens", usage.output}};
}

Result<ChatResponse> anthropic_decode_response(const json& body) {
    if (!body.is_object() || !body.contains("content") || !body["content"].is_array())
        return fail(ErrorCode::upstream_error, "upstream answer has no content");
    ChatResponse response;
    response.id = str(body, "id");
    response.model = str(body, "model");
    for (const json& block : body["content"]) {
        std::string type = str(block, "type");
        if (type == "text") response.text += str(block, "text");
        else if (type == "thinking") response.reasoning_text += str(block, "thinking");
        else if (type == "tool_use")
            response.tool_calls.push_back({str(block, "id"), str(block, "name"),
                                           block.contains("input") ? block["input"].dump() : std::string("{}")});
    }
    response.finish = finish_from_anthropic(str(body, "stop_reason"));
    if (body.contains("usage")) response.usage = anthropic_usage(body["usage"]);
    return response;
}

json anthropic_encode_client_response(const ChatResponse& response, std::string_view model) {
    json content = json::array();
    if (!response.reasoning_text.empty()) content.push_back({{"type", "thinking"}, {"thinking", response.reasoning_text}, {"signature", ""}});
    if (!response.text.empty() || response.tool_calls.empty()) content.push_back({{"type", "text"}, {"text", response.text}});
    for (const ToolCall& call : response.tool_calls) {
        json input = parse_or_null(call.arguments.empty() ? "{}" : call.arguments);
        content.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", input.is_object() ? input : json::object()}});
    }
    return {{"id", response.id.empty() ? std::string("msg_megarouter") : response.id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", model},
            {"content", content},
            {"stop_reason", finish_to_anthropic(response.finish)},
            {"stop_sequence", nullptr},
            {"usage", anthropic_usage_json(response.usage)}};
}

Error anthropic_decode_error(int status, std::string_view body, const upstream::Headers& headers) {
    json parsed = parse_or_null(body);
    const json& error = parsed.is_object() && parsed.contains("error") ? parsed["error"] : json();
    std::string message = str(error, "message");
    if (message.empty()) message = std::string(body.substr(0, 300));
    Error out = classify_status(status, message, headers);
    if (str(error, "type") == "overloaded_error") {
        out.code = ErrorCode::upstream_unavailable;
        out.retryable = true;
    }
    return out;
}

std::string anthropic_error_type(const Error& error) {
    switch (error.code) {
    case ErrorCode::unauthenticated: return "authentication_error";
    case ErrorCode::permission_denied:
    case ErrorCode::budget_exceeded: return "permission_error";
    case ErrorCode::not_found: return "not_found_error";
    case ErrorCode::payload_too_large: return "request_too_large";
    case ErrorCode::rate_limited: return "rate_limit_error";
    case ErrorCode::overloaded:
    case ErrorCode::upstream_unavailable: return "overloaded_error";
    case ErrorCode::invalid_argument:
    case ErrorCode::context_length_exceeded:
    case ErrorCode::content_policy: return "invalid_request_error";
    case ErrorCode::upstream_timeout: return "timeout_error";
    default: return "api_error";
    }
}

ClientError anthropic_encode_client_error(const Error& error) {
    json body = {{"type", "error"}, {"error", {{"type", anthropic_error_type(error)}, {"message", error.message}}}};
    return {http_status_for(error), body.dump(-1, ' ', false, json::error_handler_t::replace), retry_can_help(error)};
}

namespace {

class AnthropicUpstream final : public UpstreamAdapter {
public:
    WireFormat format() const override { return WireFormat::anthropic; }
    json encode_request(const ChatRequest& request, std::string_view model) const override {
        return anthropic_encode_request(request, model);
    }
    UpstreamTarget target(const Endpoint& endpoint, std::string_view, bool stream) const override {
        UpstreamTarget target;
        target.url = endpoint.base_url + "/v1/messages";
        target.headers.emplace_back("x-api-key", endpoint.api_key);
        target.headers.emplace_back("anthropic-version", "2023-06-01");
        target.headers.emplace_back("Content-Type", "application/json");
        target.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
        return target;
    }
    Result<ChatResponse> decode_response(const json& body) const override { return anthropic_decode_response(body); }
    std::string_view usage_member() const override { return "usage"; }
    catalog::Usage decode_usage(const json& member) const override {
        return member.is_object() ? anthropic_usage(member) : catalog::Usage{};
    }
    std::unique_ptr<StreamDecoder> stream_decoder() const override { return anthropic_stream_decoder(); }
    std::unique_ptr<StreamDecoder> usage_decoder() const override { return anthropic_stream_decoder(true); }
    Error decode_error(int status, std::string_view body, const upstream::Headers& headers) const override {
        return anthropic_decode_error(status, body, headers);
    }
};

class AnthropicClient final : public ClientAdapter {
public:
    ClientApi api() const override { return ClientApi::messages; }
    WireFormat format() const override { return WireFormat::anthropic; }
    Result<ClientRequest> decode(const json& body) const override {
        auto decoded = anthropic_decode_client_request(body);
        if (!decoded) return fail(decoded.error());
        return ClientRequest{.request = std::move(*decoded), .dropped = {}};
    }
    const char* output_cap_field(const Endpoint&) const override { return "max_tokens"; }
    json encode_client_response(const ChatResponse& response, std::string_view model) const override {
        return anthropic_encode_client_response(response, model);
    }
    std::unique_ptr<StreamEncoder> stream_encoder(std::string_view model) const override {
        return anthropic_stream_encoder(model);
    }
    ClientError encode_client_error(const Error& error) const override { return anthropic_encode_client_error(error); }
};

} // namespace

const UpstreamAdapter& anthropic_upstream() {
    static const AnthropicUpstream adapter;
    return adapter;
}

const ClientAdapter& anthropic_client() {
    static const AnthropicClient adapter;
    return adapter;
}

} // namespace megarouter::providers::detail
