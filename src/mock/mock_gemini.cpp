// The Gemini format of the mock: POST /v1beta/models/{model}:generateContent
// and :streamGenerateContent (with ?alt=sse, one `data:` event per chunk, each
// ending in CRLF CRLF as Google's servers send it; without it, a JSON array),
// per ai.google.dev/api/generate-content.
#include "mock/mock_formats.hpp"

namespace megarouter::mock::detail {
namespace {

std::string parts_text(const json& content) {
    std::string text;
    const json& parts = member(content, "parts");
    if (!parts.is_array()) return text;
    for (const auto& part : parts)
        text += string_field(part, "text");
    return text;
}

// Tools may be spelt camelCase or snake_case in requests; both are accepted.
std::string first_function(const json& body) {
    const json& tools = member(body, "tools");
    if (!tools.is_array()) return {};
    for (const auto& tool : tools) {
        const json* declarations = &member(tool, "functionDeclarations");
        if (declarations->is_null()) declarations = &member(tool, "function_declarations");
        if (declarations->is_array() && !declarations->empty()) return string_field((*declarations)[0], "name");
    }
    return {};
}

// usageMetadata omits zero-valued optional counts, as proto3 JSON does.
json usage_metadata(const Answer& a, int candidates_tokens) {
    json usage = {{"promptTokenCount", a.prompt_tokens},
                  {"candidatesTokenCount", candidates_tokens},
                  {"totalTokenCount", a.prompt_tokens + candidates_tokens + a.reasoning_tokens}};
    if (a.cached_tokens > 0) usage["cachedContentTokenCount"] = a.cached_tokens;
    if (a.reasoning_tokens > 0) usage["thoughtsTokenCount"] = a.reasoning_tokens;
    return usage;
}

json function_call_part(const Answer& a) {
    json args = json::parse(a.tool_arguments, nullptr, false);
    return {{"functionCall", {{"name", a.tool_name}, {"args", args.is_object() ? args : json::object()}}}};
}

json response_chunk(const Answer& a, json part, bool last, int candidates_tokens) {
    json candidate = {{"content", {{"parts", json::array({std::move(part)})}, {"role", "model"}}}};
    if (last) candidate["finishReason"] = a.truncated ? "MAX_TOKENS" : "STOP";
    candidate["index"] = 0;
    return {{"candidates", json::array({std::move(candidate)})},
            {"usageMetadata", usage_metadata(a, candidates_tokens)},
            {"modelVersion", a.model},
            {"responseId", a.id_suffix}};
}

} // namespace

std::expected<Turn, std::string> gemini_turn(const json& body, std::string model) {
    Turn turn;
    turn.model = std::move(model);
    const json& contents = member(body, "contents");
    if (!contents.is_array() || contents.empty()) {
        return std::unexpected("* GenerateContentRequest.contents: contents is not specified");
    }
    for (const auto& content : contents) {
        std::string text = parts_text(content);
        turn.total_chars += text.size();
        std::string role = string_field(content, "role");
        if (role.empty() || role == "user") turn.last_user_text = std::move(text);
    }
    const json* system = &member(body, "systemInstruction");
    if (system->is_null()) system = &member(body, "system_instruction");
    turn.total_chars += parts_text(*system).size();
    turn.first_tool = first_function(body);
    if (const json& cap = member(member(body, "generationConfig"), "maxOutputTokens"); cap.is_number_integer())
        turn.max_tokens = cap.get<std::int64_t>();
    return turn;
}

std::string gemini_body(const Answer& a) {
    json part = a.tool_call ? function_call_part(a) : json{{"text", a.text}};
    return response_chunk(a, std::move(part), true, a.completion_tokens).dump();
}

EventList gemini_stream(const Answer& a, bool sse_mode) {
    std::vector<json> chunks;
    if (a.tool_call) {
        chunks.push_back(response_chunk(a, function_call_part(a), true, a.completion_tokens));
    } else if (a.chunks.empty()) {
        chunks.push_back(response_chunk(a, {{"text", ""}}, true, 0));
    } else {
        for (std::size_t i = 0; i < a.chunks.size(); ++i) {
            bool last = i + 1 == a.chunks.size();
            chunks.push_back(response_chunk(a, {{"text", a.chunks[i]}}, last, static_cast<int>(i + 1)));
        }
    }
    EventList events;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        std::string bytes;
        if (sse_mode) {
            bytes = "data: " + chunks[i].dump() + "\r\n\r\n";
        } else {
            bytes = (i == 0 ? "[" : ",\r\n") + chunks[i].dump();
        }
        events.push_back({std::move(bytes), true});
    }
    if (!sse_mode) events.push_back({"]", false});
    return events;
}

} // namespace megarouter::mock::detail
