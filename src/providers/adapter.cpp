#include "megarouter/providers/adapter.hpp"

#include "adapter_util.hpp"

namespace megarouter::providers {

const UpstreamAdapter& upstream_adapter(WireFormat format) {
    switch (format) {
    case WireFormat::openai: return detail::openai_upstream();
    case WireFormat::anthropic: return detail::anthropic_upstream();
    case WireFormat::gemini: return detail::gemini_upstream();
    }
    return detail::openai_upstream();
}

const ClientAdapter* client_adapter(WireFormat format) {
    switch (format) {
    case WireFormat::openai: return &detail::openai_client();
    case WireFormat::anthropic: return &detail::anthropic_client();
    case WireFormat::gemini: return nullptr;
    }
    return nullptr;
}

const ClientAdapter& client_adapter(ClientApi api) {
    switch (api) {
    case ClientApi::chat_completions: return detail::openai_client();
    case ClientApi::messages: return detail::anthropic_client();
    case ClientApi::responses: return detail::responses_client();
    }
    return detail::openai_client();
}

// Pass-through to an upstream of the client's own format: its upstream
// adapter sends and reads the body.
UpstreamTarget ClientAdapter::passthrough_target(const Endpoint& endpoint, std::string_view provider_model_id,
                                                 bool stream) const {
    return upstream_adapter(format()).target(endpoint, provider_model_id, stream);
}

std::string_view ClientAdapter::usage_member() const { return upstream_adapter(format()).usage_member(); }

catalog::Usage ClientAdapter::decode_usage(const nlohmann::json& member) const {
    return upstream_adapter(format()).decode_usage(member);
}

std::string ClientAdapter::answer_text(const nlohmann::json& answer) const {
    auto decoded = upstream_adapter(format()).decode_response(answer);
    return decoded ? decoded->text : std::string();
}

std::unique_ptr<StreamDecoder> ClientAdapter::passthrough_decoder(bool keep_text) const {
    const UpstreamAdapter& adapter = upstream_adapter(format());
    return keep_text ? adapter.stream_decoder() : adapter.usage_decoder();
}

FinishReason finish_from_openai(std::string_view reason) {
    if (reason == "stop") return FinishReason::stop;
    if (reason == "length") return FinishReason::length;
    if (reason == "tool_calls" || reason == "function_call") return FinishReason::tool_calls;
    if (reason == "content_filter") return FinishReason::content_filter;
    return FinishReason::unknown;
}

std::string_view finish_to_openai(FinishReason reason) {
    switch (reason) {
    case FinishReason::length: return "length";
    case FinishReason::tool_calls: return "tool_calls";
    case FinishReason::content_filter: return "content_filter";
    default: return "stop";
    }
}

FinishReason finish_from_anthropic(std::string_view reason) {
    if (reason == "end_turn" || reason == "stop_sequence" || reason == "pause_turn") return FinishReason::stop;
    if (reason == "max_tokens" || reason == "model_context_window_exceeded") return FinishReason::length;
    if (reason == "tool_use") return FinishReason::tool_calls;
    if (reason == "refusal") return FinishReason::content_filter;
    return FinishReason::unknown;
}

std::string_view finish_to_anthropic(FinishReason reason) {
    switch (reason) {
    case FinishReason::length: return "max_tokens";
    case FinishReason::tool_calls: return "tool_use";
    case FinishReason::content_filter: return "refusal";
    default: return "end_turn";
    }
}

FinishReason finish_from_gemini(std::string_view reason) {
    if (reason == "STOP") return FinishReason::stop;
    if (reason == "MAX_TOKENS") return FinishReason::length;
    if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT" ||
        reason == "SPII" || reason == "IMAGE_SAFETY")
        return FinishReason::content_filter;
    if (reason == "MALFORMED_FUNCTION_CALL") return FinishReason::error;
    return FinishReason::unknown;
}

} // namespace megarouter::providers
