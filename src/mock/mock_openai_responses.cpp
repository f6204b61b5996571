// The OpenAI Responses API format of the mock (POST /v1/responses), plain and
// streamed as the documented semantic events, each with a sequence_number:
// response.created, response.in_progress, response.output_item.added,
// response.content_part.added, response.output_text.delta..., .done events,
// response.completed. A tool call streams function_call_arguments events.
#include "mock/mock_formats.hpp"

#include <ctime>
#include <functional>

namespace megarouter::mock::detail {
namespace {

std::string item_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (!content.is_array()) return text;
    for (const auto& part : content)
        text += string_field(part, "text");
    return text;
}

json usage(const Answer& a) {
    int output = a.completion_tokens + a.reasoning_tokens;
    return {{"input_tokens", a.prompt_tokens},
            {"input_tokens_details", {{"cached_tokens", a.cached_tokens}}},
            {"output_tokens", output},
            {"output_tokens_details", {{"reasoning_tokens", a.reasoning_tokens}}},
            {"total_tokens", a.prompt_tokens + output}};
}

json text_part(const std::string& text) {
    return {{"type", "output_text"}, {"text", text}, {"annotations", json::array()}};
}

json output_item(const Answer& a, bool done) {
    const char* status = done ? "completed" : "in_progress";
    if (a.tool_call) {
        return {{"type", "function_call"},
                {"id", "fc_" + a.id_suffix},
                {"call_id", "call_" + a.id_suffix},
                {"name", a.tool_name},
                {"arguments", done ? a.tool_arguments : ""},
                {"status", status}};
    }
    return {{"id", "msg_" + a.id_suffix},
            {"type", "message"},
            {"status", status},
            {"role", "assistant"},
            {"content", done ? json::array({text_part(a.text)}) : json::array()}};
}

json response_object(const Answer& a, std::time_t created, bool done) {
    return {{"id", "resp_" + a.id_suffix},
            {"object", "response"},
            {"created_at", created},
            {"status", done ? "completed" : "in_progress"},
            {"error", nullptr},
            {"incomplete_details", nullptr},
            {"instructions", nullptr},
            {"max_output_tokens", nullptr},
            {"model", a.model},
            {"output", done ? json::array({output_item(a, true)}) : json::array()},
            {"parallel_tool_calls", true},
            {"previous_response_id", nullptr},
            {"reasoning", {{"effort", nullptr}, {"summary", nullptr}}},
            {"store", true},
            {"temperature", 1.0},
            {"text", {{"format", {{"type", "text"}}}}},
            {"tool_choice", "auto"},
            {"tools", json::array()},
            {"top_p", 1.0},
            {"truncation", "disabled"},
            {"usage", done ? usage(a) : json(nullptr)},
            {"user", nullptr},
            {"metadata", json::object()}};
}

// Appends the events of the single output item (message or function call).
void push_item_events(const Answer& a, const std::function<void(const char*, json, bool)>& push) {
    std::string item_id = a.tool_call ? "fc_" + a.id_suffix : "msg_" + a.id_suffix;
    json where = {{"item_id", item_id}, {"output_index", 0}};
    push("response.output_item.added", {{"output_index", 0}, {"item", output_item(a, false)}}, false);
    if (a.tool_call) {
        json delta = where;
        delta["delta"] = a.tool_arguments;
        push("response.function_call_arguments.delta", std::move(delta), true);
        json done = where;
        done["arguments"] = a.tool_arguments;
        push("response.function_call_arguments.done", std::move(done), false);
    } else {
        where["content_index"] = 0;
        json added = where;
        added["part"] = text_part("");
        push("response.content_part.added", std::move(added), false);
        for (const auto& piece : a.chunks) {
            json delta = where;
            delta["delta"] = piece;
            delta["logprobs"] = json::array();
            push("response.output_text.delta", std::move(delta), true);
        }
        json text_done = where;
        text_done["text"] = a.text;
        text_done["logprobs"] = json::array();
        push("response.output_text.done", std::move(text_done), false);
        json part_done = where;
        part_done["part"] = text_part(a.text);
        push("response.content_part.done", std::move(part_done), false);
    }
    push("response.output_item.done", {{"output_index", 0}, {"item", output_item(a, true)}}, false);
}

} // namespace

std::expected<Turn, std::string> openai_responses_turn(const json& body) {
    Turn turn;
    turn.model = string_field(body, "model");
    if (turn.model.empty()) return std::unexpected("Missing required parameter: 'model'.");
    const json& input = member(body, "input");
    if (input.is_string()) {
        turn.last_user_text = input.get<std::string>();
        turn.total_chars = turn.last_user_text.size();
    } else if (input.is_array()) {
        for (const auto& item : input) {
            std::string text = item_text(member(item, "content")) + string_field(item, "output");
            turn.total_chars += text.size();
            if (string_field(item, "role") == "user") turn.last_user_text = std::move(text);
        }
    } else {
        return std::unexpected("Missing required parameter: 'input'.");
    }
    turn.total_chars += string_field(body, "instructions").size();
    const json& tools = member(body, "tools");
    if (tools.is_array() && !tools.empty()) turn.first_tool = string_field(tools[0], "name");
    turn.stream = bool_field(body, "stream");
    if (const json& cap = member(body, "max_output_tokens"); cap.is_number_integer())
        turn.max_tokens = cap.get<std::int64_t>();
    return turn;
}

std::string openai_responses_body(const Answer& a) {
    return response_object(a, std::time(nullptr), true).dump();
}

EventList openai_responses_stream(const Answer& a) {
    EventList events;
    std::time_t created = std::time(nullptr);
    int sequence = 0;
    auto push = [&](const char* type, json data, bool content) {
        json event = {{"type", type}, {"sequence_number", sequence++}};
        event.update(data);
        events.push_back({sse(type, event), content});
    };
    push("response.created", {{"response", response_object(a, created, false)}}, false);
    push("response.in_progress", {{"response", response_object(a, created, false)}}, false);
    push_item_events(a, push);
    push("response.completed", {{"response", response_object(a, created, true)}}, false);
    return events;
}

} // namespace megarouter::mock::detail
