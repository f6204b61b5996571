// The Anthropic Messages format of the mock (POST /v1/messages), plain and
// streamed as documented at docs.anthropic.com/en/docs/build-with-claude/streaming:
// message_start, content_block_start, ping, content_block_delta (text_delta or
// input_json_delta)..., content_block_stop, message_delta, message_stop.
#include "mock/mock_formats.hpp"

namespace megarouter::mock::detail {
namespace {

// Text of a content value: a string, or blocks with text (tool results nest).
std::string block_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (!content.is_array()) return text;
    for (const auto& block : content) {
        text += string_field(block, "text");
        const json& nested = member(block, "content");
        if (!nested.is_null()) text += block_text(nested);
    }
    return text;
}

json usage(const Answer& a, int output_tokens) {
    // input_tokens counts only the uncached part of the prompt.
    return {{"input_tokens", a.prompt_tokens - a.cached_tokens},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", a.cached_tokens},
            {"output_tokens", output_tokens}};
}

int output_tokens(const Answer& a) {
    return a.completion_tokens + a.reasoning_tokens;
}

json tool_input(const Answer& a) {
    json input = json::parse(a.tool_arguments, nullptr, false);
    return input.is_object() ? input : json::object();
}

json message_object(const Answer& a, json content, json stop_reason, int out_tokens) {
    return {{"id", "msg_" + a.id_suffix},    {"type", "message"},
            {"role", "assistant"},           {"model", a.model},
            {"content", std::move(content)}, {"stop_reason", std::move(stop_reason)},
            {"stop_sequence", nullptr},      {"usage", usage(a, out_tokens)}};
}

} // namespace

std::expected<Turn, std::string> anthropic_turn(const json& body) {
    Turn turn;
    turn.model = string_field(body, "model");
    if (turn.model.empty()) return std::unexpected("model: Field required");
    const json& messages = member(body, "messages");
    if (!messages.is_array() || messages.empty()) return std::unexpected("messages: Field required");
    if (!member(body, "max_tokens").is_number_integer()) return std::unexpected("max_tokens: Field required");
    turn.max_tokens = member(body, "max_tokens").get<std::int64_t>();
    for (const auto& message : messages) {
        std::string text = block_text(member(message, "content"));
        turn.total_chars += text.size();
        if (string_field(message, "role") == "user") turn.last_user_text = std::move(text);
    }
    turn.total_chars += block_text(member(body, "system")).size();
    const json& tools = member(body, "tools");
    if (tools.is_array() && !tools.empty()) turn.first_tool = string_field(tools[0], "name");
    turn.stream = bool_field(body, "stream");
    return turn;
}

std::string anthropic_body(const Answer& a) {
    json content = json::array();
    if (a.tool_call) {
        content.push_back(
            {{"type", "tool_use"}, {"id", "toolu_" + a.id_suffix}, {"name", a.tool_name}, {"input", tool_input(a)}});
    } else {
        content.push_back({{"type", "text"}, {"text", a.text}});
    }
    return message_object(a, std::move(content), a.tool_call ? "tool_use" : a.truncated ? "max_tokens" : "end_turn", output_tokens(a)).dump();
}

EventList anthropic_stream(const Answer& a) {
    EventList events;
    auto push = [&](const char* type, json data, bool content) {
        json event = {{"type", type}};
        event.update(data);
        events.push_back({sse(type, event), content});
    };
    push("message_start", {{"message", message_object(a, json::array(), nullptr, 1)}}, false);
    json block = a.tool_call ? json{{"type", "tool_use"},
                                    {"id", "toolu_" + a.id_suffix},
                                    {"name", a.tool_name},
                                    {"input", json::object()}}
                             : json{{"type", "text"}, {"text", ""}};
    push("content_block_start", {{"index", 0}, {"content_block", std::move(block)}}, false);
    push("ping", json::object(), false);
    if (a.tool_call) {
        push("content_block_delta",
             {{"index", 0}, {"delta", {{"type", "input_json_delta"}, {"partial_json", a.tool_arguments}}}}, true);
    } else {
        for (const auto& piece : a.chunks) {
            push("content_block_delta", {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", piece}}}}, true);
        }
    }
    push("content_block_stop", {{"index", 0}}, false);
    push("message_delta",
         {{"delta", {{"stop_reason", a.tool_call ? "tool_use" : a.truncated ? "max_tokens" : "end_turn"}, {"stop_sequence", nullptr}}},
          {"usage", {{"output_tokens", output_tokens(a)}}}},
         false);
    push("message_stop", json::object(), false);
    return events;
}

} // namespace megarouter::mock::detail
