// Google Gemini generateContent / streamGenerateContent?alt=sse (upstream
// side only), per ai.google.dev/api/generate-content: contents/parts,
// systemInstruction, functionDeclarations, generationConfig, usageMetadata.
#include <map>

#include "adapter_util.hpp"
#include "megarouter/providers/registry.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

namespace {

json image_part(const ContentPart& part) {
    std::string media = part.media_type.empty() ? "image/png" : part.media_type;
    if (!part.image_data.empty()) return {{"inlineData", {{"mimeType", media}, {"data", part.image_data}}}};
    return {{"fileData", {{"mimeType", media}, {"fileUri", part.image_url}}}};
}

json function_response(const Message& message, const std::map<std::string, std::string>& names) {
    auto it = names.find(message.tool_call_id);
    std::string name = !message.name.empty() ? message.name : it != names.end() ? it->second : message.tool_call_id;
    json result = parse_or_null(message.text());
    if (!result.is_object()) result = {{"result", message.text()}};
    return {{"functionResponse", {{"name", name}, {"response", result}}}};
}

json encode_contents(const ChatRequest& request, std::string& system) {
    json contents = json::array();
    std::map<std::string, std::string> names; // tool call id -> function name
    for (const Message& message : request.messages) {
        json parts = json::array();
        std::string role = message.role == Role::assistant ? "model" : "user";
        if (message.role == Role::system && contents.empty()) {
            system += (system.empty() ? "" : "\n") + message.text();
            continue;
        }
        if (message.role == Role::tool) {
            parts.push_back(function_response(message, names));
        } else {
            for (const ContentPart& part : message.content) {
                if (part.kind == ContentPart::Kind::image) parts.push_back(image_part(part));
                else if (!part.text.empty()) parts.push_back({{"text", part.text}});
            }
            for (const ToolCall& call : message.tool_calls) {
                names[call.id] = call.name;
                json args = parse_or_null(call.arguments.empty() ? "{}" : call.arguments);
                parts.push_back({{"functionCall", {{"name", call.name}, {"args", args.is_object() ? args : json::object()}}}});
            }
        }
        if (parts.empty()) continue;
        if (!contents.empty() && contents.back()["role"] == role) {
            for (json& part : parts) contents.back()["parts"].push_back(std::move(part));
            continue;
        }
        contents.push_back({{"role", role}, {"parts", parts}});
    }
    return contents;
}

json generation_config(const ChatRequest& request) {
    json config = json::object();
    if (request.temperature) config["temperature"] = *request.temperature;
    if (request.top_p) config["topP"] = *request.top_p;
    if (request.max_tokens) config["maxOutputTokens"] = *request.max_tokens;
    if (!request.stop.empty()) config["stopSequences"] = request.stop;
    if (request.seed) config["seed"] = *request.seed;
    if (request.response_format.is_object()) {
        config["responseMimeType"] = "application/json";
        if (str(request.response_format, "type") == "json_schema")
            config["responseJsonSchema"] = schema_of(request.response_format);
    }
    const std::string& effort = request.reasoning_effort;
    // Levels beyond high get the largest budget every thinking model accepts.
    if (effort == "minimal") config["thinkingConfig"] = {{"thinkingBudget", 512}};
    else if (effort == "low") config["thinkingConfig"] = {{"thinkingBudget", 1024}};
    else if (effort == "medium") config["thinkingConfig"] = {{"thinkingBudget", 8192}};
    else if (effort == "high" || effort == "xhigh" || effort == "max")
        config["thinkingConfig"] = {{"thinkingBudget", 24576}};
    return config;
}

json tool_config(const json& choice) {
    if (choice.is_object() && choice.contains("name"))
        return {{"functionCallingConfig", {{"mode", "ANY"}, {"allowedFunctionNames", json::array({choice["name"]})}}}};
    if (choice == "required") return {{"functionCallingConfig", {{"mode", "ANY"}}}};
    if (choice == "none") return {{"functionCallingConfig", {{"mode", "NONE"}}}};
    return nullptr;
}

} // namespace

json gemini_encode_request(const ChatRequest& request, std::string_view) {
    std::string system = request.system;
    json body = {{"contents", encode_contents(request, system)}};
    if (!system.empty()) body["systemInstruction"] = {{"parts", json::array({{{"text", system}}})}};
    if (json config = generation_config(request); !config.empty()) body["generationConfig"] = config;
    if (!request.tools.empty()) {
        json declarations = json::array();
        for (const ToolDefinition& tool : request.tools) {
            json def = {{"name", tool.name}, {"parametersJsonSchema", tool.parameters}};
            if (!tool.description.empty()) def["description"] = tool.description;
            declarations.push_back(std::move(def));
        }
        body["tools"] = json::array({{{"functionDeclarations", declarations}}});
        if (json config = tool_config(request.tool_choice); !config.is_null()) body["toolConfig"] = config;
    }
    return body;
}

catalog::Usage gemini_usage(const json& usage) {
    catalog::Usage out;
    // promptTokenCount includes the cached part; candidatesTokenCount excludes thoughts.
    out.cached_input = tokens(usage, "cachedContentTokenCount");
    out.input = std::max<std::int64_t>(0, tokens(usage, "promptTokenCount") + tokens(usage, "toolUsePromptTokenCount") - out.cached_input);
    out.reasoning = tokens(usage, "thoughtsTokenCount");
    out.output = catalog::add_saturated(tokens(usage, "candidatesTokenCount"), out.reasoning);
    return out;
}

namespace {

// Appends one candidate's parts to canonical events (shared by both paths).
void candidate_events(const json& candidate, int& tool_count, std::vector<StreamEvent>& out) {
    const json& content = candidate.contains("content") ? candidate["content"] : json();
    if (content.contains("parts") && content["parts"].is_array())
        for (const json& part : content["parts"]) {
            if (part.contains("functionCall")) {
                const json& call = part["functionCall"];
                std::string id = str(call, "id");
                StreamEvent start{.kind = StreamEvent::Kind::tool_call_start, .tool_index = tool_count};
                start.tool_call = {id.empty() ? "call_" + std::to_string(tool_count) : id, str(call, "name"), ""};
                out.push_back(std::move(start));
                out.push_back({.kind = StreamEvent::Kind::tool_call_delta,
                               .text = call.contains("args") ? call["args"].dump() : "{}",
                               .tool_index = tool_count});
                ++tool_count;
            } else if (std::string text = str(part, "text"); !text.empty()) {
                bool thought = part.contains("thought") && part["thought"] == true;
                out.push_back({.kind = thought ? StreamEvent::Kind::reasoning_delta : StreamEvent::Kind::text_delta, .text = text});
            }
        }
    if (std::string reason = str(candidate, "finishReason"); !reason.empty()) {
        FinishReason finish = finish_from_gemini(reason);
        if (finish == FinishReason::stop && tool_count > 0) finish = FinishReason::tool_calls;
        out.push_back({.kind = StreamEvent::Kind::finish, .finish = finish});
    }
}

// One response chunk -> events; a prompt blocked outright becomes an error.
void chunk_events(const json& body, int& tool_count, std::vector<StreamEvent>& out) {
    if (body.contains("candidates") && body["candidates"].is_array() && !body["candidates"].empty())
        candidate_events(body["candidates"][0], tool_count, out);
    else if (body.contains("promptFeedback") && body["promptFeedback"].contains("blockReason"))
        out.push_back({.kind = StreamEvent::Kind::error,
                       .error_message = "prompt blocked: " + str(body["promptFeedback"], "blockReason"),
                       .error_type = "content_policy"});
    if (body.contains("usageMetadata")) out.push_back({.kind = StreamEvent::Kind::usage, .usage = gemini_usage(body["usageMetadata"])});
}

class GeminiDecoder final : public StreamDecoder {
public:
    std::vector<StreamEvent> feed(std::string_view bytes) override {
        std::vector<StreamEvent> out;
        for (SseEvent& event : m_sse.feed(bytes)) {
            json body = parse_or_null(event.data);
            if (!body.is_object()) continue;
            if (body.contains("error")) {
                out.push_back({.kind = StreamEvent::Kind::error, .error_message = str(body["error"], "message"),
                               .error_type = str(body["error"], "status")});
                continue;
            }
            if (!m_started) {
                m_started = true;
                out.push_back({.kind = StreamEvent::Kind::start, .id = str(body, "responseId"), .model = str(body, "modelVersion")});
            }
            std::size_t before = out.size();
            chunk_events(body, m_tools, out);
            for (std::size_t i = before; i < out.size(); ++i)
                if (out[i].kind == StreamEvent::Kind::finish || out[i].kind == StreamEvent::Kind::error) m_done = true;
        }
        return out;
    }
    bool done() const override { return m_done; }

private:
    SseParser m_sse;
    bool m_started = false;
    bool m_done = false;
    int m_tools = 0;
};

} // namespace

Result<ChatResponse> gemini_decode_response(const json& body) {
    if (!body.is_object()) return fail(ErrorCode::upstream_error, "upstream answer is not a JSON object");
    std::vector<StreamEvent> events;
    int tools = 0;
    chunk_events(body, tools, events);
    ChatResponse response;
    response.id = str(body, "responseId");
    response.model = str(body, "modelVersion");
    for (const StreamEvent& event : events) {
        switch (event.kind) {
        case StreamEvent::Kind::text_delta: response.text += event.text; break;
        case StreamEvent::Kind::reasoning_delta: response.reasoning_text += event.text; break;
        case StreamEvent::Kind::tool_call_start: response.tool_calls.push_back(event.tool_call); break;
        case StreamEvent::Kind::tool_call_delta: response.tool_calls.back().arguments += event.text; break;
        case StreamEvent::Kind::finish: response.finish = event.finish; break;
        case StreamEvent::Kind::usage: response.usage = event.usage; break;
        case StreamEvent::Kind::error: return fail(ErrorCode::content_policy, event.error_message);
        default: break;
        }
    }
    return response;
}

Error gemini_decode_error(int status, std::string_view body, const upstream::Headers& headers) {
    json parsed = parse_or_null(body);
    // Streaming endpoints without alt=sse wrap errors in an array.
    if (parsed.is_array() && !parsed.empty()) parsed = parsed[0];
    const json& error = parsed.is_object() && parsed.contains("error") ? parsed["error"] : json();
    std::string message = str(error, "message");
    if (message.empty()) message = std::string(body.substr(0, 300));
    return classify_status(status, message, headers);
}

namespace {

class GeminiUpstream final : public UpstreamAdapter {
public:
    WireFormat format() const override { return WireFormat::gemini; }
    json encode_request(const ChatRequest& request, std::string_view model) const override {
        return gemini_encode_request(request, model);
    }
    UpstreamTarget target(const Endpoint& endpoint, std::string_view model, bool stream) const override {
        UpstreamTarget target;
        target.url = endpoint.base_url + "/models/" + path_segment(model) +
                     (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        target.headers.emplace_back("x-goog-api-key", endpoint.api_key);
        target.headers.emplace_back("Content-Type", "application/json");
        return target;
    }
    Result<ChatResponse> decode_response(const json& body) const override { return gemini_decode_response(body); }
    std::string_view usage_member() const override { return "usageMetadata"; }
    catalog::Usage decode_usage(const json& member) const override {
        return member.is_object() ? gemini_usage(member) : catalog::Usage{};
    }
    std::unique_ptr<StreamDecoder> stream_decoder() const override { return std::make_unique<GeminiDecoder>(); }
    Error decode_error(int status, std::string_view body, const upstream::Headers& headers) const override {
        return gemini_decode_error(status, body, headers);
    }
};

} // namespace

std::unique_ptr<StreamDecoder> gemini_stream_decoder() { return std::make_unique<GeminiDecoder>(); }

const UpstreamAdapter& gemini_upstream() {
    static const GeminiUpstream adapter;
    return adapter;
}

} // namespace megarouter::providers::detail
