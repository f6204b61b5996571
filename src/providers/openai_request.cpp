// OpenAI chat completions requests: canonical -> body (upstream side) and
// body -> canonical (a downstream client's request), per
// platform.openai.com/docs/api-reference/chat/create.
#include "adapter_util.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

namespace {

json encode_content(const Message& message) {
    bool only_text = true;
    for (const ContentPart& part : message.content) only_text = only_text && part.kind == ContentPart::Kind::text;
    if (only_text) return message.text();
    json parts = json::array();
    for (const ContentPart& part : message.content) {
        if (part.kind == ContentPart::Kind::text) {
            parts.push_back({{"type", "text"}, {"text", part.text}});
            continue;
        }
        std::string url = part.image_url;
        if (url.empty() || !part.image_data.empty())
            url = "data:" + (part.media_type.empty() ? std::string("image/png") : part.media_type) + ";base64," + part.image_data;
        parts.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
    }
    return parts;
}

json encode_message(const Message& message) {
    json out = {{"role", to_string(message.role)}};
    if (message.role == Role::tool) {
        out["tool_call_id"] = message.tool_call_id;
        out["content"] = message.text();
        return out;
    }
    if (message.role == Role::assistant && !message.tool_calls.empty()) {
        std::string text = message.text();
        out["content"] = text.empty() ? json(nullptr) : json(text);
        json calls = json::array();
        for (const ToolCall& call : message.tool_calls)
            calls.push_back({{"id", call.id},
                             {"type", "function"},
                             {"function", {{"name", call.name}, {"arguments", call.arguments.empty() ? "{}" : call.arguments}}}});
        out["tool_calls"] = calls;
        return out;
    }
    out["content"] = encode_content(message);
    if (!message.name.empty() && message.role == Role::user) out["name"] = message.name;
    return out;
}

// Reasoning models take max_completion_tokens; most compatible servers only
// know max_tokens.
bool wants_max_completion_tokens(std::string_view model) {
    return model.starts_with("o1") || model.starts_with("o3") || model.starts_with("o4") || model.starts_with("gpt-5");
}

json encode_tool_choice(const json& choice) {
    if (choice.is_object() && choice.contains("name"))
        return {{"type", "function"}, {"function", {{"name", choice["name"]}}}};
    return choice;
}

} // namespace

json openai_encode_request(const ChatRequest& request, std::string_view model) {
    json body = {{"model", model}};
    json messages = json::array();
    if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
    for (const Message& message : request.messages) messages.push_back(encode_message(message));
    body["messages"] = std::move(messages);
    if (request.temperature) body["temperature"] = *request.temperature;
    if (request.top_p) body["top_p"] = *request.top_p;
    if (request.max_tokens) body[wants_max_completion_tokens(model) ? "max_completion_tokens" : "max_tokens"] = *request.max_tokens;
    if (!request.stop.empty()) body["stop"] = request.stop;
    if (request.seed) body["seed"] = *request.seed;
    if (!request.user.empty()) body["user"] = request.user;
    // Anthropic's "max" is OpenAI's "high" (xhigh exists for few models); a
    // level neither API knows is not sent (OpenAI would refuse it).
    if (const std::string& effort = request.reasoning_effort; effort == "max")
        body["reasoning_effort"] = "high";
    else if (effort == "none" || effort == "minimal" || effort == "low" || effort == "medium" || effort == "high" ||
             effort == "xhigh")
        body["reasoning_effort"] = effort;
    if (!request.response_format.is_null()) body["response_format"] = request.response_format;
    if (!request.tools.empty()) {
        json tools = json::array();
        for (const ToolDefinition& tool : request.tools) {
            json function = {{"name", tool.name}, {"parameters", tool.parameters}};
            if (!tool.description.empty()) function["description"] = tool.description;
            tools.push_back({{"type", "function"}, {"function", function}});
        }
        body["tools"] = tools;
        if (!request.tool_choice.is_null()) body["tool_choice"] = encode_tool_choice(request.tool_choice);
        if (!request.parallel_tool_calls) body["parallel_tool_calls"] = false;
    }
    if (request.stream) {
        body["stream"] = true;
        body["stream_options"] = {{"include_usage", true}};
    }
    return body;
}

// ---- downstream: an OpenAI client's body -> canonical ----

namespace {

Result<std::vector<ContentPart>> decode_content(const json& content, const std::string& where) {
    std::vector<ContentPart> parts;
    if (content.is_null()) return parts;
    if (content.is_string()) {
        parts.push_back({ContentPart::Kind::text, content.get<std::string>(), "", "", ""});
        return parts;
    }
    if (!content.is_array()) return fail(ErrorCode::invalid_argument, where + " must be a string or an array");
    for (std::size_t i = 0; i < content.size(); ++i) {
        const json& part = content[i];
        std::string type = str(part, "type");
        if (type == "text" || type == "input_text" || type == "refusal") {
            std::string text = type == "refusal" ? str(part, "refusal") : str(part, "text");
            parts.push_back({ContentPart::Kind::text, text, "", "", ""});
        } else if (type == "image_url") {
            const json& image = part.contains("image_url") ? part["image_url"] : json();
            parts.push_back(image_part(image.is_string() ? image.get<std::string>() : str(image, "url")));
        } else {
            return fail(ErrorCode::invalid_argument,
                        where + "[" + std::to_string(i) + "].type '" + type + "' is not supported");
        }
    }
    return parts;
}

Result<Message> decode_message(const json& item, std::size_t index) {
    std::string where = "messages[" + std::to_string(index) + "]";
    if (!item.is_object()) return fail(ErrorCode::invalid_argument, where + " must be an object");
    std::string role = str(item, "role");
    Message message;
    if (role == "system" || role == "developer") message.role = Role::system;
    else if (role == "user") message.role = Role::user;
    else if (role == "assistant") message.role = Role::assistant;
    else if (role == "tool") message.role = Role::tool;
    else return fail(ErrorCode::invalid_argument, where + ".role '" + role + "' is not supported");
    auto content = decode_content(item.contains("content") ? item["content"] : json(), where + ".content");
    if (!content) return fail(content.error());
    message.content = std::move(*content);
    message.name = str(item, "name");
    message.tool_call_id = str(item, "tool_call_id");
    if (item.contains("tool_calls") && item["tool_calls"].is_array())
        for (const json& call : item["tool_calls"]) {
            const json& function = call.contains("function") ? call["function"] : json();
            message.tool_calls.push_back({str(call, "id"), str(function, "name"), str(function, "arguments")});
        }
    return message;
}

Result<void> decode_tools(const json& body, ChatRequest& request) {
    if (!body.contains("tools") || !body["tools"].is_array()) return {};
    for (std::size_t i = 0; i < body["tools"].size(); ++i) {
        const json& tool = body["tools"][i];
        if (str(tool, "type") != "function" || !tool.contains("function"))
            return fail(ErrorCode::invalid_argument, "tools[" + std::to_string(i) + "]: only function tools are supported");
        const json& function = tool["function"];
        // Copies of client subtrees (parameters here, response_format and
        // metadata below) recurse once per level: safe because every body
        // was parsed within max_json_depth (core/json.hpp).
        ToolDefinition def{str(function, "name"), str(function, "description"),
                           function.contains("parameters") ? function["parameters"] : json::object()};
        request.tools.push_back(std::move(def));
    }
    if (body.contains("tool_choice")) {
        const json& choice = body["tool_choice"];
        if (choice.is_object() && choice.contains("function")) request.tool_choice = {{"name", str(choice["function"], "name")}};
        else request.tool_choice = choice;
    }
    if (body.contains("parallel_tool_calls") && body["parallel_tool_calls"].is_boolean())
        request.parallel_tool_calls = body["parallel_tool_calls"].get<bool>();
    return {};
}

void decode_sampling(const json& body, ChatRequest& request) {
    auto number = [&](const char* key) -> std::optional<double> {
        return body.contains(key) && body[key].is_number() ? std::optional(body[key].get<double>()) : std::nullopt;
    };
    request.temperature = number("temperature");
    request.top_p = number("top_p");
    // to_int64 saturates: a cast of a double such as 1e50 is undefined.
    auto integer = [&](const char* key) {
        return body.contains(key) && body[key].is_number() ? std::optional(to_int64(body[key])) : std::nullopt;
    };
    if (auto n = integer("max_completion_tokens")) request.max_tokens = *n;
    else if (auto m = integer("max_tokens")) request.max_tokens = *m;
    if (auto s = integer("seed")) request.seed = *s;
    if (body.contains("stop")) {
        if (body["stop"].is_string()) request.stop.push_back(body["stop"].get<std::string>());
        else if (body["stop"].is_array())
            for (const json& s : body["stop"])
                if (s.is_string()) request.stop.push_back(s.get<std::string>());
    }
    request.user = str(body, "user");
    request.reasoning_effort = str(body, "reasoning_effort");
    if (body.contains("response_format") && body["response_format"].is_object() &&
        str(body["response_format"], "type") != "text")
        request.response_format = body["response_format"];
    if (body.contains("metadata")) request.metadata = body["metadata"];
    request.stream = body.contains("stream") && body["stream"].is_boolean() && body["stream"].get<bool>();
}

} // namespace

Result<ChatRequest> openai_decode_client_request(const json& body) {
    if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the request body must be a JSON object");
    ChatRequest request;
    request.model = str(body, "model");
    if (request.model.empty()) return fail(ErrorCode::invalid_argument, "model is required");
    if (auto named = check_model_name(request.model); !named) return fail(named.error());
    if (!body.contains("messages") || !body["messages"].is_array())
        return fail(ErrorCode::invalid_argument, "messages must be an array");
    bool leading = true; // leading system messages become the system prompt
    for (std::size_t i = 0; i < body["messages"].size(); ++i) {
        auto message = decode_message(body["messages"][i], i);
        if (!message) return fail(message.error());
        if (leading && message->role == Role::system) {
            if (!request.system.empty()) request.system += "\n";
            request.system += message->text();
            continue;
        }
        leading = false;
        request.messages.push_back(std::move(*message));
    }
    if (auto tools = decode_tools(body, request); !tools) return fail(tools.error());
    decode_sampling(body, request);
    return request;
}

} // namespace megarouter::providers::detail
