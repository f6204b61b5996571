// Responses API request -> canonical ChatRequest. Codex sends developer
// messages with input_text parts, function_call / function_call_output items,
// reasoning items, and either top-level tools or an `additional_tools` input
// item; hosted tools (web_search ...) have no canonical form and are dropped
// by name.
#include "megarouter/providers/responses.hpp"

#include <algorithm>

#include "megarouter/core/json.hpp"

namespace megarouter::providers {
namespace {

using nlohmann::json;

Result<void> bad(const std::string& field, const std::string& what) {
    return fail(ErrorCode::invalid_argument, "'" + field + "' " + what);
}

Result<std::vector<ContentPart>> decode_parts(const json& content, const std::string& field) {
    std::vector<ContentPart> parts;
    if (content.is_string()) {
        parts.push_back({.kind = ContentPart::Kind::text, .text = content.get<std::string>()});
        return parts;
    }
    if (!content.is_array()) return std::unexpected(bad(field, "must be a string or an array").error());
    for (std::size_t i = 0; i < content.size(); ++i) {
        const json& part = content[i];
        if (!part.is_object()) return std::unexpected(bad(field + "[" + std::to_string(i) + "]", "must be an object").error());
        std::string type = core::string_member(part, "type", "");
        if (type == "input_text" || type == "output_text" || type == "text" || type == "summary_text") {
            parts.push_back({.kind = ContentPart::Kind::text, .text = core::string_member(part, "text", "")});
        } else if (type == "input_image") {
            std::string url = part.contains("image_url") && part["image_url"].is_string() ? part["image_url"].get<std::string>() : "";
            if (!url.empty()) parts.push_back(image_part(std::move(url)));
        } else if (type == "refusal") {
            parts.push_back({.kind = ContentPart::Kind::text, .text = core::string_member(part, "refusal", "")});
        }
        // input_file / input_audio: no canonical form; skipped.
    }
    return parts;
}

std::optional<Role> role_of(std::string_view role) {
    if (role == "user") return Role::user;
    if (role == "assistant") return Role::assistant;
    if (role == "system" || role == "developer") return Role::system;
    return std::nullopt;
}

std::string output_text(const json& output) {
    if (output.is_string()) return output.get<std::string>();
    if (output.is_array()) {
        std::string text;
        for (const json& part : output)
            if (part.is_object() && part.contains("text") && part["text"].is_string()) text += part["text"].get<std::string>();
        return text;
    }
    return output.dump();
}

void add_tool(const json& tool, ResponsesDecode& out) {
    if (!tool.is_object()) return;
    std::string type = core::string_member(tool, "type", "function");
    if (type == "function") {
        ToolDefinition def;
        def.name = core::string_member(tool, "name", "");
        def.description = core::string_member(tool, "description", "");
        if (tool.contains("parameters") && tool["parameters"].is_object()) def.parameters = tool["parameters"];
        if (!def.name.empty()) out.request.tools.push_back(std::move(def));
    } else if (type == "namespace" && tool.contains("tools") && tool["tools"].is_array()) {
        for (const json& inner : tool["tools"]) add_tool(inner, out);
    } else {
        out.dropped.push_back("tool:" + type);
    }
}

// Appends an assistant tool call, merging into the previous assistant turn
// so parallel calls stay in one message.
void add_function_call(const json& item, std::vector<Message>& messages) {
    ToolCall call{.id = core::string_member(item, "call_id", core::string_member(item, "id")),
                             .name = core::string_member(item, "name", ""),
                             .arguments = item.contains("arguments") && item["arguments"].is_string()
                                              ? item["arguments"].get<std::string>()
                                              : "{}"};
    if (messages.empty() || messages.back().role != Role::assistant) messages.push_back({.role = Role::assistant});
    messages.back().tool_calls.push_back(std::move(call));
}

Result<void> decode_item(const json& item, std::size_t index, ResponsesDecode& out) {
    std::string field = "input[" + std::to_string(index) + "]";
    if (!item.is_object()) return bad(field, "must be an object");
    std::string type = core::string_member(item, "type", item.contains("role") ? "message" : "");
    auto& messages = out.request.messages;
    if (type == "message") {
        auto role = role_of(core::string_member(item, "role", ""));
        if (!role) return bad(field + ".role", "must be user, assistant, system or developer");
        if (!item.contains("content")) return bad(field + ".content", "is required");
        auto parts = decode_parts(item["content"], field + ".content");
        if (!parts) return std::unexpected(parts.error());
        if (*role == Role::system && messages.empty()) {
            Message m{.role = Role::system, .content = std::move(*parts)};
            if (!out.request.system.empty()) out.request.system += "\n\n";
            out.request.system += m.text();
            return {};
        }
        messages.push_back({.role = *role, .content = std::move(*parts)});
    } else if (type == "function_call") {
        add_function_call(item, messages);
    } else if (type == "function_call_output") {
        Message m{.role = Role::tool};
        m.tool_call_id = core::string_member(item, "call_id", "");
        m.content.push_back({.kind = ContentPart::Kind::text, .text = output_text(item.value("output", json(""))) });
        messages.push_back(std::move(m));
    } else if (type == "additional_tools") {
        if (item.contains("tools") && item["tools"].is_array())
            for (const json& tool : item["tools"]) add_tool(tool, out);
    } else if (type == "reasoning") {
        // Encrypted reasoning only means something to the model that wrote it.
    } else {
        // Custom (freeform) tools have no canonical form: their calls are
        // dropped, and so are their outputs, which would answer nothing.
        if (std::find(out.dropped.begin(), out.dropped.end(), "input:" + type) == out.dropped.end())
            out.dropped.push_back("input:" + type);
    }
    return {};
}

Result<void> decode_options(const json& body, ChatRequest& r) {
    if (body.contains("max_output_tokens") && !body["max_output_tokens"].is_null()) {
        if (!body["max_output_tokens"].is_number_integer()) return bad("max_output_tokens", "must be an integer");
        r.max_tokens = body["max_output_tokens"].get<std::int64_t>();
    }
    for (const char* name : {"temperature", "top_p"}) {
        if (!body.contains(name) || body[name].is_null()) continue;
        if (!body[name].is_number()) return bad(name, "must be a number");
        (std::string_view(name) == "temperature" ? r.temperature : r.top_p) = body[name].get<double>();
    }
    if (body.contains("stream") && !body["stream"].is_null()) {
        if (!body["stream"].is_boolean()) return bad("stream", "must be a boolean");
        r.stream = body["stream"].get<bool>();
    }
    if (body.contains("reasoning") && body["reasoning"].is_object())
        r.reasoning_effort = core::string_member(body["reasoning"], "effort", "");
    if (body.contains("tool_choice")) {
        const json& choice = body["tool_choice"];
        if (choice.is_object() && core::string_member(choice, "type", "") == "function")
            r.tool_choice = json{{"name", core::string_member(choice, "name", "")}};
        else r.tool_choice = choice;
    }
    if (body.contains("parallel_tool_calls") && body["parallel_tool_calls"].is_boolean())
        r.parallel_tool_calls = body["parallel_tool_calls"].get<bool>();
    if (body.contains("text") && body["text"].is_object() && body["text"].contains("format")) {
        const json& format = body["text"]["format"];
        std::string type = format.is_object() ? core::string_member(format, "type", "text") : "text";
        if (type == "json_object") r.response_format = json{{"type", "json_object"}};
        else if (type == "json_schema")
            r.response_format = json{{"type", "json_schema"},
                                     {"json_schema", {{"name", core::string_member(format, "name", "response")},
                                                      {"schema", format.value("schema", json::object())},
                                                      {"strict", core::bool_member(format, "strict", false)}}}};
    }
    if (body.contains("user") && body["user"].is_string()) r.user = body["user"].get<std::string>();
    // Recursive copies of client subtrees (metadata, tool parameters, the
    // schema) are bounded by the body's max_json_depth (core/json.hpp).
    if (body.contains("metadata") && body["metadata"].is_object()) r.metadata = body["metadata"];
    return {};
}

} // namespace

Result<ResponsesDecode> decode_responses_request(const json& body) {
    if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the request body must be a JSON object");
    ResponsesDecode out;
    if (!body.contains("model") || !body["model"].is_string() || body["model"].get<std::string>().empty())
        return fail(ErrorCode::invalid_argument, "'model' is required and must be a string");
    if (auto named = check_model_name(body["model"].get_ref<const std::string&>()); !named)
        return std::unexpected(named.error());
    out.request.model = body["model"].get<std::string>();
    if (body.contains("instructions") && body["instructions"].is_string())
        out.request.system = body["instructions"].get<std::string>();
    if (!body.contains("input")) return fail(ErrorCode::invalid_argument, "'input' is required");
    const json& input = body["input"];
    if (input.is_string()) {
        out.request.messages.push_back(
            {.role = Role::user, .content = {{.kind = ContentPart::Kind::text, .text = input.get<std::string>()}}});
    } else if (input.is_array()) {
        for (std::size_t i = 0; i < input.size(); ++i)
            if (auto r = decode_item(input[i], i, out); !r) return std::unexpected(r.error());
    } else {
        return fail(ErrorCode::invalid_argument, "'input' must be a string or an array of items");
    }
    if (body.contains("tools")) {
        if (!body["tools"].is_array()) return fail(ErrorCode::invalid_argument, "'tools' must be an array");
        for (const json& tool : body["tools"]) add_tool(tool, out);
    }
    if (auto r = decode_options(body, out.request); !r) return std::unexpected(r.error());
    if (out.request.messages.empty())
        return fail(ErrorCode::invalid_argument, "'input' holds no message");
    return out;
}

catalog::Usage usage_from_responses(const json& usage) {
    catalog::Usage u;
    if (!usage.is_object()) return u;
    auto number = [](const json& object, const char* key) -> std::int64_t {
        return object.is_object() && object.contains(key) && object[key].is_number_integer() ? object[key].get<std::int64_t>() : 0;
    };
    std::int64_t input = number(usage, "input_tokens");
    u.cached_input = usage.contains("input_tokens_details") ? number(usage["input_tokens_details"], "cached_tokens") : 0;
    u.input = std::max<std::int64_t>(0, input - u.cached_input);
    u.output = number(usage, "output_tokens");
    u.reasoning = usage.contains("output_tokens_details") ? number(usage["output_tokens_details"], "reasoning_tokens") : 0;
    return u;
}

} // namespace megarouter::providers
