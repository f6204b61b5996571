// Format-independent pieces of the mock: the deterministic answer, chunking,
// SSE framing, and the error bodies of each provider.
#include "mock/mock_formats.hpp"

#include <algorithm>
#include <cctype>

namespace megarouter::mock::detail {
namespace {

constexpr std::size_t k_echo_chars = 60;
constexpr int k_openai_context = 128000;
constexpr int k_anthropic_context = 200000;
constexpr int k_gemini_context = 1048576;

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The byte offset at or before `offset` that does not split a UTF-8 sequence.
std::size_t utf8_floor(const std::string& text, std::size_t offset) {
    if (offset >= text.size()) return text.size();
    while (offset > 0 && is_continuation_byte(text[offset]))
        --offset;
    return offset;
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> pieces;
    std::size_t start = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        pieces.push_back(text.substr(start, i - start));
        start = i;
    }
    return pieces;
}

std::string openai_error_type(int status) {
    if (status == 429) return "requests";
    if (status >= 500) return "server_error";
    return "invalid_request_error";
}

json openai_error_code(int status) {
    if (status == 401) return "invalid_api_key";
    if (status == 429) return "rate_limit_exceeded";
    return nullptr;
}

std::string anthropic_error_type(int status) {
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 529:
        return "overloaded_error";
    default:
        return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

std::string gemini_status(int status) {
    switch (status) {
    case 400:
        return "INVALID_ARGUMENT";
    case 401:
        return "UNAUTHENTICATED";
    case 403:
        return "PERMISSION_DENIED";
    case 404:
        return "NOT_FOUND";
    case 409:
        return "ABORTED";
    case 429:
        return "RESOURCE_EXHAUSTED";
    case 499:
        return "CANCELLED";
    case 501:
        return "UNIMPLEMENTED";
    case 503:
        return "UNAVAILABLE";
    case 504:
        return "DEADLINE_EXCEEDED";
    default:
        return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

ErrorReply openai_error(int status, std::string_view message, json param, json code) {
    json body = {{"error",
                  {{"message", message},
                   {"type", openai_error_type(status)},
                   {"param", std::move(param)},
                   {"code", std::move(code)}}}};
    return {status, body.dump()};
}

} // namespace

std::vector<std::string> split_chunks(const std::string& text, int chunks) {
    if (chunks <= 0) return split_words(text);
    std::size_t count =
        std::clamp<std::size_t>(static_cast<std::size_t>(chunks), 1, std::max<std::size_t>(text.size(), 1));
    std::vector<std::string> pieces;
    std::size_t start = 0;
    for (std::size_t i = 1; i <= count; ++i) {
        std::size_t end = utf8_floor(text, text.size() * i / count);
        pieces.push_back(text.substr(start, end - start));
        start = end;
    }
    return pieces;
}

Answer make_answer(const Turn& turn, const Behavior& behavior, std::uint64_t sequence) {
    Answer answer;
    answer.id_suffix = "mock" + std::to_string(sequence);
    answer.model = turn.model;
    if (behavior.text) {
        answer.text = *behavior.text;
    } else {
        std::string echo = turn.last_user_text.substr(0, utf8_floor(turn.last_user_text, k_echo_chars));
        answer.text = "Mock answer from " + turn.model + ": " + echo;
    }
    answer.cached_tokens = std::max(0, behavior.cached_tokens);
    answer.reasoning_tokens = std::max(0, behavior.reasoning_tokens);
    answer.prompt_tokens = std::max({1, static_cast<int>(turn.total_chars / 4), answer.cached_tokens});
    answer.tool_call = behavior.tool_call && !turn.first_tool.empty();
    if (answer.tool_call) {
        answer.tool_name = turn.first_tool;
        answer.tool_arguments = behavior.tool_arguments;
        answer.completion_tokens = 1 + static_cast<int>(answer.tool_arguments.size() / 4);
    } else {
        answer.chunks = split_chunks(answer.text, behavior.chunks);
        // A chunk counts as one token: a cap of N tokens keeps the first N.
        if (turn.max_tokens > 0 && static_cast<std::int64_t>(answer.chunks.size()) > turn.max_tokens) {
            answer.chunks.resize(static_cast<std::size_t>(turn.max_tokens));
            answer.text.clear();
            for (const auto& chunk : answer.chunks) answer.text += chunk;
            answer.truncated = true;
        }
        answer.completion_tokens = static_cast<int>(answer.chunks.size());
    }
    return answer;
}

std::string sse(std::string_view event, const json& data) {
    std::string out = "event: ";
    out.append(event).append("\ndata: ").append(data.dump()).append("\n\n");
    return out;
}

std::string sse_data(const json& data) {
    return "data: " + data.dump() + "\n\n";
}

const json& member(const json& object, const char* key) {
    static const json k_null;
    if (!object.is_object()) return k_null;
    auto it = object.find(key);
    return it != object.end() ? *it : k_null;
}

std::string string_field(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

bool bool_field(const json& object, const char* key) {
    if (!object.is_object()) return false;
    auto it = object.find(key);
    return it != object.end() && it->is_boolean() && it->get<bool>();
}

ErrorReply error_reply(Format format, int status, std::string_view message) {
    switch (format) {
    case Format::openai_chat:
    case Format::openai_responses:
        return openai_error(status, message, nullptr, openai_error_code(status));
    case Format::anthropic: {
        json body = {{"type", "error"}, {"error", {{"type", anthropic_error_type(status)}, {"message", message}}}};
        return {status, body.dump()};
    }
    case Format::gemini: {
        json body = {{"error", {{"code", status}, {"message", message}, {"status", gemini_status(status)}}}};
        return {status, body.dump()};
    }
    }
    return {status, {}};
}

ErrorReply context_length_reply(Format format, int prompt_tokens) {
    switch (format) {
    case Format::openai_chat:
    case Format::openai_responses: {
        int tokens = std::max(prompt_tokens, k_openai_context + 1);
        std::string message = "This model's maximum context length is " + std::to_string(k_openai_context) +
                              " tokens. However, your messages resulted in " + std::to_string(tokens) +
                              " tokens. Please reduce the length of the messages.";
        json param = format == Format::openai_chat ? "messages" : "input";
        return openai_error(400, message, param, "context_length_exceeded");
    }
    case Format::anthropic: {
        int tokens = std::max(prompt_tokens, k_anthropic_context + 1);
        return error_reply(format, 400,
                           "prompt is too long: " + std::to_string(tokens) + " tokens > " +
                               std::to_string(k_anthropic_context) + " maximum");
    }
    case Format::gemini: {
        int tokens = std::max(prompt_tokens, k_gemini_context + 1);
        return error_reply(format, 400,
                           "The input token count (" + std::to_string(tokens) +
                               ") exceeds the maximum number of tokens allowed (" + std::to_string(k_gemini_context) +
                               ").");
    }
    }
    return {400, {}};
}

ErrorReply unauthenticated_reply(Format format) {
    switch (format) {
    case Format::openai_chat:
    case Format::openai_responses:
        return error_reply(format, 401,
                           "You didn't provide an API key. You need to provide your API key in an "
                           "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    case Format::anthropic:
        return error_reply(format, 401, "x-api-key header is required");
    case Format::gemini:
        return error_reply(format, 401, "Method doesn't allow unregistered callers. Please use API Key.");
    }
    return {401, {}};
}

} // namespace megarouter::mock::detail
