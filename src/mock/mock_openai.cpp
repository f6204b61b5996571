// The OpenAI chat completions, embeddings and model-list formats of the mock.
// Shapes follow platform.openai.com/docs/api-reference (chat object, chat
// chunk object with the usage-only final chunk, embedding object).
#include "mock/mock_formats.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace megarouter::mock::detail {
namespace {

constexpr int k_default_dimensions = 8;
constexpr int k_max_dimensions = 4096;

// Text of an OpenAI content value: a string or an array of typed parts.
std::string content_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (!content.is_array()) return text;
    for (const auto& part : content) {
        text += string_field(part, "text");
    }
    return text;
}

std::string first_chat_tool(const json& body) {
    auto tools = body.find("tools");
    if (tools != body.end() && tools->is_array() && !tools->empty()) {
        return string_field(member((*tools)[0], "function"), "name");
    }
    auto functions = body.find("functions"); // the legacy form
    if (functions != body.end() && functions->is_array() && !functions->empty()) {
        return string_field((*functions)[0], "name");
    }
    return {};
}

json chat_usage(const Answer& a) {
    int completion = a.completion_tokens + a.reasoning_tokens;
    return {{"prompt_tokens", a.prompt_tokens},
            {"completion_tokens", completion},
            {"total_tokens", a.prompt_tokens + completion},
            {"prompt_tokens_details", {{"cached_tokens", a.cached_tokens}, {"audio_tokens", 0}}},
            {"completion_tokens_details",
             {{"reasoning_tokens", a.reasoning_tokens},
              {"audio_tokens", 0},
              {"accepted_prediction_tokens", 0},
              {"rejected_prediction_tokens", 0}}}};
}

json chunk_frame(const Answer& a, std::time_t created, bool include_usage) {
    json frame = {{"id", "chatcmpl-" + a.id_suffix},
                  {"object", "chat.completion.chunk"},
                  {"created", created},
                  {"model", a.model},
                  {"system_fingerprint", "fp_mock"}};
    if (include_usage) frame["usage"] = nullptr; // as the API does on every non-final chunk
    return frame;
}

json chunk_choice(json delta, json finish_reason) {
    return json::array({{{"index", 0},
                         {"delta", std::move(delta)},
                         {"logprobs", nullptr},
                         {"finish_reason", std::move(finish_reason)}}});
}

json tool_call_delta(const Answer& a, bool first, std::string_view arguments) {
    json call = {{"index", 0}, {"function", {{"arguments", arguments}}}};
    if (first) {
        call["id"] = "call_" + a.id_suffix;
        call["type"] = "function";
        call["function"]["name"] = a.tool_name;
    }
    return {{"tool_calls", json::array({call})}};
}

std::vector<float> embedding_for(const std::string& input, int dimensions) {
    // FNV-1a of the input seeds a tiny LCG: same input, same vector.
    std::uint64_t state = 1469598103934665603ULL;
    for (unsigned char c : input)
        state = (state ^ c) * 1099511628211ULL;
    std::vector<float> vector(static_cast<std::size_t>(dimensions));
    double norm = 0;
    for (auto& value : vector) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        value = static_cast<float>(static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53) * 2.0 - 1.0);
        norm += static_cast<double>(value) * value;
    }
    float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 1.0f;
    for (auto& value : vector)
        value *= scale;
    return vector;
}

} // namespace

std::expected<Turn, std::string> openai_chat_turn(const json& body) {
    Turn turn;
    turn.model = string_field(body, "model");
    if (turn.model.empty()) return std::unexpected("you must provide a model parameter");
    auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array() || messages->empty()) {
        return std::unexpected("'messages' must be a non-empty array");
    }
    for (const auto& message : *messages) {
        std::string text = content_text(member(message, "content"));
        turn.total_chars += text.size();
        if (string_field(message, "role") == "user") turn.last_user_text = std::move(text);
    }
    turn.first_tool = first_chat_tool(body);
    turn.stream = bool_field(body, "stream");
    turn.include_usage = bool_field(member(body, "stream_options"), "include_usage");
    for (const char* cap : {"max_completion_tokens", "max_tokens"})
        if (const json& v = member(body, cap); v.is_number_integer()) {
            turn.max_tokens = v.get<std::int64_t>();
            break;
        }
    return turn;
}

std::string openai_chat_body(const Answer& a) {
    json message = {{"role", "assistant"}, {"content", a.text}, {"refusal", nullptr}, {"annotations", json::array()}};
    if (a.tool_call) {
        message["content"] = nullptr;
        message["tool_calls"] = json::array({{{"id", "call_" + a.id_suffix},
                                              {"type", "function"},
                                              {"function", {{"name", a.tool_name}, {"arguments", a.tool_arguments}}}}});
    }
    json body = {{"id", "chatcmpl-" + a.id_suffix},
                 {"object", "chat.completion"},
                 {"created", std::time(nullptr)},
                 {"model", a.model},
                 {"choices", json::array({{{"index", 0},
                                           {"message", std::move(message)},
                                           {"logprobs", nullptr},
                                           {"finish_reason", a.tool_call ? "tool_calls" : a.truncated ? "length" : "stop"}}})},
                 {"usage", chat_usage(a)},
                 {"service_tier", "default"},
                 {"system_fingerprint", "fp_mock"}};
    return body.dump();
}

EventList openai_chat_stream(const Answer& a, bool include_usage) {
    EventList events;
    std::time_t created = std::time(nullptr);
    auto push = [&](json delta, json finish_reason, bool content) {
        json frame = chunk_frame(a, created, include_usage);
        frame["choices"] = chunk_choice(std::move(delta), std::move(finish_reason));
        events.push_back({sse_data(frame), content});
    };
    if (a.tool_call) {
        json first = tool_call_delta(a, true, "");
        first["role"] = "assistant";
        first["content"] = nullptr;
        push(std::move(first), nullptr, false);
        push(tool_call_delta(a, false, a.tool_arguments), nullptr, true);
    } else {
        push({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr, false);
        for (const auto& piece : a.chunks)
            push({{"content", piece}}, nullptr, true);
    }
    push(json::object(), a.tool_call ? "tool_calls" : a.truncated ? "length" : "stop", false);
    if (include_usage) {
        json frame = chunk_frame(a, created, false);
        frame["choices"] = json::array();
        frame["usage"] = chat_usage(a);
        events.push_back({sse_data(frame), false});
    }
    events.push_back({"data: [DONE]\n\n", false});
    return events;
}

std::expected<std::string, std::string> openai_embeddings_body(const json& body) {
    std::string model = string_field(body, "model");
    if (model.empty()) return std::unexpected("you must provide a model parameter");
    auto input = body.find("input");
    if (input == body.end()) return std::unexpected("'input' is a required property");
    std::vector<std::string> inputs;
    if (input->is_string()) {
        inputs.push_back(input->get<std::string>());
    } else if (input->is_array() && !input->empty()) {
        // Strings, a token array, or arrays of tokens: each becomes its JSON text.
        bool token_array = (*input)[0].is_number();
        if (token_array) inputs.push_back(input->dump());
        for (const auto& item : *input) {
            if (token_array) break;
            inputs.push_back(item.is_string() ? item.get<std::string>() : item.dump());
        }
    } else {
        return std::unexpected("'input' must be a string or a non-empty array");
    }
    int dimensions = k_default_dimensions;
    if (auto d = body.find("dimensions"); d != body.end() && d->is_number_integer()) {
        dimensions = std::clamp(d->get<int>(), 1, k_max_dimensions);
    }
    json data = json::array();
    std::size_t chars = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        chars += inputs[i].size();
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", embedding_for(inputs[i], dimensions)}});
    }
    int tokens = std::max(1, static_cast<int>(chars / 4));
    json reply = {{"object", "list"},
                  {"data", std::move(data)},
                  {"model", model},
                  {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
    return reply.dump();
}

std::string openai_models_body(const std::vector<std::string>& models) {
    json data = json::array();
    for (const auto& id : models) {
        data.push_back({{"id", id}, {"object", "model"}, {"created", 1700000000}, {"owned_by", "megarouter-mock"}});
    }
    return json{{"object", "list"}, {"data", std::move(data)}}.dump();
}

} // namespace megarouter::mock::detail
