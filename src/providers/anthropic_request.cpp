// Anthropic Messages requests: canonical -> body (upstream side) and body ->
// canonical (a downstream client's request), per
// docs.anthropic.com/en/api/messages.
#include "adapter_util.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

namespace {

constexpr std::int64_t k_default_max_tokens = 4096; // required by the API

json image_block(const ContentPart& part) {
    if (!part.image_data.empty())
        return {{"type", "image"},
                {"source", {{"type", "base64"}, {"media_type", part.media_type.empty() ? "image/png" : part.media_type}, {"data", part.image_data}}}};
    return {{"type", "image"}, {"source", {{"type", "url"}, {"url", part.image_url}}}};
}

json content_blocks(const Message& message) {
    json blocks = json::array();
    for (const ContentPart& part : message.content) {
        if (part.kind == ContentPart::Kind::image) blocks.push_back(image_block(part));
        else if (!part.text.empty()) blocks.push_back({{"type", "text"}, {"text", part.text}});
    }
    return blocks;
}

json tool_input(const std::string& arguments) {
    json input = parse_or_null(arguments.empty() ? "{}" : arguments);
    return input.is_object() ? input : json::object();
}

// One canonical message as (role, blocks). Tool results travel in user turns.
std::pair<std::string, json> encode_message(const Message& message) {
    json blocks = content_blocks(message);
    switch (message.role) {
    case Role::assistant:
        for (const ToolCall& call : message.tool_calls)
            blocks.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", tool_input(call.arguments)}});
        return {"assistant", blocks};
    case Role::tool: {
        json result = {{"type", "tool_result"}, {"tool_use_id", message.tool_call_id}, {"content", blocks}};
        if (message.is_error) result["is_error"] = true;
        return {"user", json::array({result})};
    }
    case Role::system: return {"system", message.text()};
    case Role::user: break;
    }
    return {"user", blocks};
}

json encode_messages(const ChatRequest& request, std::string& system) {
    json messages = json::array();
    bool leading = true;
    for (const Message& message : request.messages) {
        auto [role, content] = encode_message(message);
        if (role == "system") {
            // Leading system turns join the top-level system prompt; later ones
            // stay in place, as Claude Code itself sends them.
            if (leading) {
                system += (system.empty() ? "" : "\n") + content.get<std::string>();
                continue;
            }
            messages.push_back({{"role", "system"}, {"content", content}});
            continue;
        }
        leading = false;
        // The API wants user/assistant turns to alternate: merge neighbours.
        if (!messages.empty() && messages.back()["role"] == role && messages.back()["content"].is_array()) {
            for (json& block : content) messages.back()["content"].push_back(std::move(block));
            continue;
        }
        messages.push_back({{"role", role}, {"content", content}});
    }
    return messages;
}

// Every effort level of either API: OpenAI's none .. xhigh, Anthropic's
// low .. max. "none" (and anything unknown) asks for no thinking.
std::int64_t thinking_budget(std::string_view effort) {
    if (effort == "minimal") return 1024; // Anthropic's smallest budget
    if (effort == "low") return 2048;
    if (effort == "medium") return 8192;
    if (effort == "high") return 24576;
    if (effort == "xhigh" || effort == "max") return 32768;
    return 0;
}

json encode_tool_choice(const ChatRequest& request) {
    json choice;
    const json& wanted = request.tool_choice;
    if (wanted.is_object() && wanted.contains("name")) choice = {{"type", "tool"}, {"name", wanted["name"]}};
    else if (wanted == "required") choice = {{"type", "any"}};
    else if (wanted == "none") choice = {{"type", "none"}};
    else if (!request.parallel_tool_calls) choice = {{"type", "auto"}};
    if (!request.parallel_tool_calls && choice.is_object() && choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
    return choice;
}

// JSON mode (response_format json_object) has no Anthropic counterpart: it
// is emulated with an instruction. A JSON Schema is carried over as
// structured output (output_config.format), which the router only sends to
// models with the json_schema capability.
std::string json_instruction(const json& format) {
    if (str(format, "type") != "json_object") return {}; // "text" asks for nothing
    return "Answer with a single JSON object and nothing else.";
}

} // namespace

json anthropic_encode_request(const ChatRequest& request, std::string_view model) {
    std::string system = request.system;
    json body = {{"model", model}};
    body["messages"] = encode_messages(request, system);
    if (std::string instruction = json_instruction(request.response_format); !instruction.empty())
        system += (system.empty() ? "" : "\n\n") + instruction;
    if (!system.empty()) body["system"] = system;
    std::int64_t max_tokens = request.max_tokens.value_or(k_default_max_tokens);
    if (std::int64_t budget = thinking_budget(request.reasoning_effort); budget > 0) {
        body["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
        max_tokens = std::max(max_tokens, budget + k_default_max_tokens);
    }
    body["max_tokens"] = max_tokens;
    if (request.temperature) body["temperature"] = *request.temperature;
    if (request.top_p) body["top_p"] = *request.top_p;
    if (!request.stop.empty()) body["stop_sequences"] = request.stop;
    if (!request.user.empty()) body["metadata"] = {{"user_id", request.user}};
    if (!request.tools.empty()) {
        json tools = json::array();
        for (const ToolDefinition& tool : request.tools) {
            json def = {{"name", tool.name}, {"input_schema", tool.parameters.empty() ? json{{"type", "object"}} : tool.parameters}};
            if (!tool.description.empty()) def["description"] = tool.description;
            tools.push_back(std::move(def));
        }
        body["tools"] = tools;
        if (json choice = encode_tool_choice(request); !choice.is_null()) body["tool_choice"] = choice;
    }
    if (str(request.response_format, "type") == "json_schema")
        body["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", schema_of(request.response_format)}}}};
    if (request.stream) body["stream"] = true;
    return body;
}

// ---- downstream: an Anthropic client's body -> canonical ----

namespace {

std::string system_text(const json& system) {
    if (system.is_string()) return system.get<std::string>();
    std::string out;
    if (system.is_array())
        for (const json& block : system)
            if (std::string text = str(block, "text"); !text.empty()) out += (out.empty() ? "" : "\n") + text;
    return out;
}

ContentPart decode_image(const json& block) {
    const json& source = block.contains("source") ? block["source"] : json();
    ContentPart part{ContentPart::Kind::image, "", "", str(source, "media_type"), ""};
    if (str(source, "type") == "base64") {
        part.image_data = str(source, "data");
        part.image_url = "data:" + part.media_type + ";base64," + part.image_data;
    } else {
        part.image_url = str(source, "url");
    }
    return part;
}

std::vector<ContentPart> decode_parts(const json& content) {
    std::vector<ContentPart> parts;
    if (content.is_string()) {
        parts.push_back({ContentPart::Kind::text, content.get<std::string>(), "", "", ""});
        return parts;
    }
    if (!content.is_array()) return parts;
    for (const json& block : content) {
        std::string type = str(block, "type");
        if (type == "text") parts.push_back({ContentPart::Kind::text, str(block, "text"), "", "", ""});
        else if (type == "image") parts.push_back(decode_image(block));
        // thinking, redacted_thinking, documents, server tool blocks: not
        // representable canonically; dropped.
    }
    return parts;
}

// One client message may become several canonical ones: tool results first
// (as Role::tool), then the rest of the turn.
Result<void> decode_message(const json& item, std::size_t index, std::vector<Message>& out) {
    std::string where = "messages[" + std::to_string(index) + "]";
    std::string role = str(item, "role");
    if (role != "user" && role != "assistant" && role != "system")
        return fail(ErrorCode::invalid_argument, where + ".role '" + role + "' is not supported");
    const json& content = item.contains("content") ? item["content"] : json();
    Message message;
    message.role = role == "user" ? Role::user : role == "assistant" ? Role::assistant : Role::system;
    message.content = decode_parts(content);
    if (content.is_array())
        for (const json& block : content) {
            std::string type = str(block, "type");
            if (type == "tool_use") {
                message.tool_calls.push_back({str(block, "id"), str(block, "name"),
                                              block.contains("input") ? block["input"].dump() : std::string("{}")});
            } else if (type == "tool_result") {
                Message result;
                result.role = Role::tool;
                result.tool_call_id = str(block, "tool_use_id");
                result.content = decode_parts(block.contains("content") ? block["content"] : json());
                result.is_error = block.contains("is_error") && block["is_error"].is_boolean() && block["is_error"].get<bool>();
                out.push_back(std::move(result));
            }
        }
    if (!message.content.empty() || !message.tool_calls.empty()) out.push_back(std::move(message));
    return {};
}

void decode_tools(const json& body, ChatRequest& request) {
    if (body.contains("tools") && body["tools"].is_array())
        for (const json& tool : body["tools"]) {
            if (!tool.contains("input_schema")) continue; // server tools (web search ...) have no canonical form
            // A recursive copy, bounded by the body's max_json_depth (core/json.hpp).
            request.tools.push_back({str(tool, "name"), str(tool, "description"), tool["input_schema"]});
        }
    const json& choice = body.contains("tool_choice") ? body["tool_choice"] : json();
    std::string type = str(choice, "type");
    if (type == "any") request.tool_choice = "required";
    else if (type == "none") request.tool_choice = "none";
    else if (type == "tool") request.tool_choice = {{"name", str(choice, "name")}};
    else if (type == "auto") request.tool_choice = "auto";
    if (choice.contains("disable_parallel_tool_use") && choice["disable_parallel_tool_use"] == true)
        request.parallel_tool_calls = false;
}

std::string effort_from(const json& body) {
    if (body.contains("output_config"))
        if (std::string effort = str(body["output_config"], "effort"); !effort.empty()) return effort;
    const json& thinking = body.contains("thinking") ? body["thinking"] : json();
    if (str(thinking, "type") != "enabled") return {};
    std::int64_t budget = num(thinking, "budget_tokens");
    return budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
}

} // namespace

Result<ChatRequest> anthropic_decode_client_request(const json& body) {
    if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the request body must be a JSON object");
    ChatRequest request;
    request.model = str(body, "model");
    if (request.model.empty()) return fail(ErrorCode::invalid_argument, "model: Field required");
    if (auto named = check_model_name(request.model); !named) return fail(named.error());
    if (!body.contains("messages") || !body["messages"].is_array())
        return fail(ErrorCode::invalid_argument, "messages: Field required");
    request.system = system_text(body.contains("system") ? body["system"] : json());
    for (std::size_t i = 0; i < body["messages"].size(); ++i)
        if (auto ok = decode_message(body["messages"][i], i, request.messages); !ok) return fail(ok.error());
    decode_tools(body, request);
    if (body.contains("max_tokens") && body["max_tokens"].is_number()) request.max_tokens = to_int64(body["max_tokens"]);
    if (body.contains("temperature") && body["temperature"].is_number()) request.temperature = body["temperature"].get<double>();
    if (body.contains("top_p") && body["top_p"].is_number()) request.top_p = body["top_p"].get<double>();
    if (body.contains("stop_sequences") && body["stop_sequences"].is_array())
        for (const json& s : body["stop_sequences"])
            if (s.is_string()) request.stop.push_back(s.get<std::string>());
    if (body.contains("metadata")) {
        request.metadata = body["metadata"];
        request.user = str(body["metadata"], "user_id");
    }
    request.reasoning_effort = effort_from(body);
    // Structured output (output_config.format) in the canonical, OpenAI,
    // shape: what an OpenAI or Gemini upstream is asked for.
    if (auto config = body.find("output_config"); config != body.end() && config->is_object())
        if (auto format = config->find("format");
            format != config->end() && format->is_object() && str(*format, "type") == "json_schema") {
            json schema = format->contains("schema") && (*format)["schema"].is_object() ? (*format)["schema"] : json::object();
            request.response_format = {{"type", "json_schema"},
                                       {"json_schema", {{"name", "output"}, {"schema", std::move(schema)}}}};
        }
    request.stream = body.contains("stream") && body["stream"] == true;
    return request;
}

} // namespace megarouter::providers::detail
