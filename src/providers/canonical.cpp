#include "megarouter/providers/canonical.hpp"

#include "providers/adapter_util.hpp"

namespace megarouter::providers {

std::string Message::text() const {
    std::string out;
    for (const ContentPart& part : content) {
        if (part.kind != ContentPart::Kind::text) continue;
        if (!out.empty()) out += "\n";
        out += part.text;
    }
    return out;
}

bool ChatRequest::has_images() const {
    for (const Message& m : messages)
        for (const ContentPart& p : m.content)
            if (p.kind == ContentPart::Kind::image) return true;
    return false;
}

Result<void> check_model_name(std::string_view name) {
    if (name.size() <= k_max_model_name_bytes) return {};
    return fail(ErrorCode::invalid_argument,
                "model name longer than " + std::to_string(k_max_model_name_bytes) + " bytes");
}

std::string_view to_string(Role role) {
    switch (role) {
    case Role::system: return "system";
    case Role::user: return "user";
    case Role::assistant: return "assistant";
    case Role::tool: return "tool";
    }
    return "user";
}

std::string_view to_string(FinishReason reason) {
    switch (reason) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::tool_calls: return "tool_calls";
    case FinishReason::content_filter: return "content_filter";
    case FinishReason::error: return "error";
    case FinishReason::unknown: return "unknown";
    }
    return "unknown";
}

ContentPart image_part(std::string url) {
    ContentPart part{ContentPart::Kind::image, "", std::move(url), "", ""};
    detail::split_data_url(part.image_url, part.media_type, part.image_data);
    return part;
}

} // namespace megarouter::providers
