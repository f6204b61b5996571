// translation_losses(): see translation_losses.hpp. One table per client
// format; each row says which upstream formats lose the field, and whether
// losing it refuses the deployment or is only named.
#include "proxy/translation_losses.hpp"

#include <algorithm>
#include <string_view>

namespace megarouter::proxy {

namespace {

using nlohmann::json;
using providers::WireFormat;

constexpr unsigned k_openai = 1, k_anthropic = 2, k_gemini = 4, k_all = 7;

unsigned bit(WireFormat format) {
    switch (format) {
    case WireFormat::openai: return k_openai;
    case WireFormat::anthropic: return k_anthropic;
    case WireFormat::gemini: return k_gemini;
    }
    return 0;
}

std::string_view api_name(WireFormat format) {
    switch (format) {
    case WireFormat::openai: return "OpenAI chat completions";
    case WireFormat::anthropic: return "Anthropic messages";
    case WireFormat::gemini: return "Gemini generateContent";
    }
    return "the upstream";
}

// Set = says something: not null, not false, not 0, not "", not empty.
bool is_set(const json& value) {
    if (value.is_null()) return false;
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number()) return value.get<double>() != 0;
    if (value.is_string() || value.is_array() || value.is_object()) return !value.empty();
    return true;
}
bool above_one(const json& value) { return value.is_number() && value.get<double>() > 1; }
bool asks_audio(const json& value) {
    return value.is_array() && std::any_of(value.begin(), value.end(), [](const json& m) { return m == "audio"; });
}
bool is_false(const json& value) { return value.is_boolean() && !value.get<bool>(); }

struct Rule {
    std::string_view field;
    unsigned lost_to;           // upstream formats without an equivalent
    bool refuse;                // losing it changes what the answer means
    bool (*says)(const json&);  // whether the client's value asks for anything
    std::string_view why;       // for a refusal: what the caller would miss
};

// OpenAI chat completions, translated to Anthropic or Gemini.
constexpr Rule k_chat_rules[] = {
    {"n", k_anthropic | k_gemini, true, above_one, "several choices per request"},
    {"logprobs", k_anthropic | k_gemini, true, is_set, "token log probabilities"},
    {"top_logprobs", k_anthropic | k_gemini, true, is_set, "token log probabilities"},
    {"modalities", k_anthropic | k_gemini, true, asks_audio, "audio output"},
    {"audio", k_anthropic | k_gemini, true, is_set, "audio output"},
    {"web_search_options", k_anthropic | k_gemini, true, is_set, "OpenAI's web search"},
    {"functions", k_anthropic | k_gemini, true, is_set, "the deprecated functions field (send tools instead)"},
    {"function_call", k_anthropic | k_gemini, true, is_set, "the deprecated function_call field (send tool_choice)"},
    {"metadata", k_anthropic | k_gemini, false, is_set, ""},
    {"store", k_anthropic | k_gemini, false, is_set, ""},
    {"safety_identifier", k_anthropic | k_gemini, false, is_set, ""},
    {"prompt_cache_key", k_anthropic | k_gemini, false, is_set, ""},
    {"prompt_cache_retention", k_anthropic | k_gemini, false, is_set, ""},
    {"service_tier", k_anthropic | k_gemini, false, is_set, ""},
    {"verbosity", k_anthropic | k_gemini, false, is_set, ""},
    {"logit_bias", k_anthropic | k_gemini, false, is_set, ""},
    {"presence_penalty", k_anthropic | k_gemini, false, is_set, ""},
    {"frequency_penalty", k_anthropic | k_gemini, false, is_set, ""},
    {"prediction", k_anthropic | k_gemini, false, is_set, ""},
    {"seed", k_anthropic, false, is_set, ""},
    {"user", k_gemini, false, is_set, ""},
    {"parallel_tool_calls", k_gemini, false, is_false, ""},
};

// Anthropic messages, translated to OpenAI chat or Gemini.
constexpr Rule k_messages_rules[] = {
    {"mcp_servers", k_openai | k_gemini, true, is_set, "MCP connectors, which run at Anthropic"},
    {"container", k_openai | k_gemini, true, is_set, "an Anthropic code-execution container"},
    {"output_format", k_openai | k_gemini, true, is_set, "structured output (send output_config.format)"},
    {"top_k", k_openai | k_gemini, false, is_set, ""},
    {"service_tier", k_openai | k_gemini, false, is_set, ""},
    {"inference_geo", k_openai | k_gemini, false, is_set, ""},
    {"context_management", k_openai | k_gemini, false, is_set, ""},
    {"cache_control", k_openai | k_gemini, false, is_set, ""},
    {"metadata", k_gemini, false, is_set, ""},
};

// OpenAI Responses, translated to chat completions, Anthropic or Gemini.
constexpr Rule k_responses_rules[] = {
    {"previous_response_id", k_all, true, is_set,
     "the earlier turns stored at OpenAI (send the whole conversation in input)"},
    {"conversation", k_all, true, is_set, "a conversation stored at OpenAI (send the whole conversation in input)"},
    {"prompt", k_all, true, is_set, "a prompt template stored at OpenAI"},
    {"background", k_all, true, is_set, "background mode"},
    {"top_logprobs", k_all, true, is_set, "token log probabilities"},
    {"metadata", k_all, false, is_set, ""},
    {"store", k_all, false, is_set, ""},
    {"include", k_all, false, is_set, ""},
    {"truncation", k_all, false, is_set, ""},
    {"max_tool_calls", k_all, false, is_set, ""},
    {"context_management", k_all, false, is_set, ""},
    {"prompt_cache_key", k_all, false, is_set, ""},
    {"prompt_cache_retention", k_all, false, is_set, ""},
    {"safety_identifier", k_all, false, is_set, ""},
    {"service_tier", k_all, false, is_set, ""},
    {"stream_options", k_all, false, is_set, ""},
    {"user", k_gemini, false, is_set, ""},
    {"parallel_tool_calls", k_gemini, false, is_false, ""},
};

class Collector {
public:
    Collector(ApiKind api, WireFormat upstream) : m_api(api), m_upstream(upstream) {}

    void name(std::string what) {
        if (std::find(m_out.named.begin(), m_out.named.end(), what) == m_out.named.end())
            m_out.named.push_back(std::move(what));
    }
    void refuse(std::string_view field, std::string_view why) {
        if (m_out.refused) return; // the first reason is enough
        m_out.refused = make_error(ErrorCode::invalid_argument,
                                   std::string(field) + " cannot be translated to " +
                                       std::string(api_name(m_upstream)) + ": the answer would lack " +
                                       std::string(why) + "; leave it out, or ask for a model served in the " +
                                       std::string(client_api_name()) + " format");
    }
    void apply(std::span<const Rule> rules, const json& body) {
        for (const Rule& rule : rules) {
            if (!(rule.lost_to & bit(m_upstream))) continue;
            auto it = body.find(rule.field);
            if (it == body.end() || !rule.says(*it)) continue;
            if (rule.refuse) refuse(rule.field, rule.why);
            else name(std::string(rule.field));
        }
    }
    // A nested member, named by its path, for every element of `items`.
    void name_if_any(const json& items, std::string_view member, std::string_view path) {
        if (!items.is_array()) return;
        for (const json& item : items)
            if (item.is_object() && item.contains(member) && is_set(item[std::string(member)]))
                return name(std::string(path));
    }
    TranslationLosses take() { return std::move(m_out); }

private:
    std::string_view client_api_name() const {
        switch (m_api) {
        case ApiKind::chat_completions: return "OpenAI chat completions";
        case ApiKind::messages: return "Anthropic messages";
        case ApiKind::responses: return "OpenAI Responses";
        }
        return "caller's";
    }

    ApiKind m_api;
    WireFormat m_upstream;
    TranslationLosses m_out;
};

const json& member(const json& object, std::string_view key) {
    static const json k_null;
    if (!object.is_object()) return k_null;
    auto it = object.find(key);
    return it == object.end() ? k_null : *it;
}

void chat_nested(Collector& c, const json& body) {
    const json& messages = member(body, "messages");
    if (messages.is_array())
        for (const json& message : messages) {
            if (member(message, "role") != "tool" && is_set(member(message, "name"))) c.name("messages.name");
            for (const char* key : {"refusal", "audio", "function_call"})
                if (is_set(member(message, key))) c.name(std::string("messages.") + key);
            const json& content = member(message, "content");
            if (content.is_array())
                for (const json& part : content)
                    if (is_set(member(member(part, "image_url"), "detail"))) c.name("image_url.detail");
        }
    const json& tools = member(body, "tools");
    if (tools.is_array())
        for (const json& tool : tools)
            if (is_set(member(member(tool, "function"), "strict"))) c.name("tools.strict");
    const json& choice = member(body, "tool_choice");
    if (choice.is_object() && member(choice, "type") != "function")
        c.refuse("tool_choice of type " + member(choice, "type").dump(), "the tools it allows or forces");
}

void messages_nested(Collector& c, const json& body) {
    c.name_if_any(member(body, "system"), "cache_control", "cache_control");
    const json& messages = member(body, "messages");
    if (messages.is_array())
        for (const json& message : messages) {
            const json& content = member(message, "content");
            if (!content.is_array()) continue;
            for (const json& block : content) {
                const json& type = member(block, "type");
                if (is_set(member(block, "cache_control"))) c.name("cache_control");
                if (is_set(member(block, "citations"))) c.name("citations");
                if (type == "image" && member(member(block, "source"), "type") == "file")
                    c.refuse("image blocks with a file source", "the image (send it as base64 or url)");
                else if (type == "document" || type == "search_result" || type == "container_upload")
                    c.refuse(type.get<std::string>() + " blocks", "the content of the " + type.get<std::string>());
                else if (type == "thinking" || type == "redacted_thinking")
                    c.name("thinking blocks");
                else if (type == "tool_result") {
                    if (is_set(member(block, "is_error"))) c.name("tool_result.is_error");
                    const json& inner = member(block, "content");
                    if (inner.is_array())
                        for (const json& part : inner)
                            if (member(part, "type") != "text") c.name("tool_result non-text content");
                } else if (type.is_string() && type != "text" && type != "image" && type != "tool_use") {
                    c.name("content:" + type.get<std::string>());
                }
            }
        }
    const json& thinking = member(body, "thinking");
    if (member(thinking, "type") == "adaptive" && !is_set(member(member(body, "output_config"), "effort")))
        c.name("thinking.adaptive");
    const json& tools = member(body, "tools");
    if (tools.is_array())
        for (const json& tool : tools) {
            const json& type = member(tool, "type");
            if (type.is_string() && type != "custom") c.name("tool:" + type.get<std::string>());
            for (const char* key : {"cache_control", "strict", "input_examples", "defer_loading"})
                if (is_set(member(tool, key))) c.name(std::string("tools.") + key);
        }
}

void responses_nested(Collector& c, const json& body) {
    const json& input = member(body, "input");
    if (input.is_array())
        for (const json& item : input) {
            const json& output = member(item, "output");
            if (member(item, "type") == "function_call_output" && output.is_array())
                for (const json& part : output)
                    if (member(part, "type") != "input_text" && member(part, "type") != "output_text")
                        c.name("function_call_output non-text content");
            const json& content = member(item, "content");
            if (!content.is_array()) continue;
            for (const json& part : content) {
                const json& type = member(part, "type");
                if (type == "input_file" || type == "input_audio")
                    c.refuse(type.get<std::string>() + " parts", "the content of the " + type.get<std::string>());
                else if (type == "input_image" && !is_set(member(part, "image_url")) && is_set(member(part, "file_id")))
                    c.refuse("input_image by file_id", "the image (send it as image_url)");
                else if (type == "input_image" && is_set(member(part, "detail")) && member(part, "detail") != "auto")
                    c.name("input_image.detail");
            }
        }
    const json& tools = member(body, "tools");
    if (tools.is_array())
        for (const json& tool : tools)
            if (is_set(member(tool, "strict"))) c.name("tools.strict");
    const json& choice = member(body, "tool_choice");
    if (choice.is_object() && member(choice, "type") != "function")
        c.refuse("tool_choice of type " + member(choice, "type").dump(), "the tools it allows or forces");
    const json& text = member(body, "text");
    if (is_set(member(text, "verbosity"))) c.name("text.verbosity");
    if (is_set(member(member(body, "reasoning"), "summary"))) c.name("reasoning.summary");
}

} // namespace

TranslationLosses translation_losses(ApiKind api, WireFormat upstream, const json& body) {
    Collector c(api, upstream);
    if (!body.is_object()) return c.take();
    switch (api) {
    case ApiKind::chat_completions:
        c.apply(k_chat_rules, body);
        chat_nested(c, body);
        break;
    case ApiKind::messages:
        c.apply(k_messages_rules, body);
        messages_nested(c, body);
        if (upstream == WireFormat::gemini && member(member(body, "tool_choice"), "disable_parallel_tool_use") == true)
            c.name("tool_choice.disable_parallel_tool_use");
        if (upstream == WireFormat::gemini && member(member(body, "thinking"), "type") == "disabled")
            c.name("thinking.disabled");
        break;
    case ApiKind::responses:
        c.apply(k_responses_rules, body);
        responses_nested(c, body);
        break;
    }
    return c.take();
}

} // namespace megarouter::proxy
