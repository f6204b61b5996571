// The mock provider's wire formats: how each provider's request is read into a
// Turn and how an Answer or an error is written back in that provider's shape.
// The server (mock_server.cpp) picks the format by path; everything here is
// pure string and JSON work, free of sockets and shared state.
#pragma once

#include "megarouter/mock/mock_server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace megarouter::mock::detail {

using json = nlohmann::ordered_json; // keeps keys in the order the providers send them

enum class Format { openai_chat, openai_responses, anthropic, gemini };

// What the mock needs to know of a request, whatever its format.
struct Turn {
    std::string model;
    std::string last_user_text;
    std::size_t total_chars = 0; // all message text, for the prompt token count
    std::string first_tool;      // name of the first tool offered, if any
    bool stream = false;
    bool include_usage = false; // OpenAI chat: stream_options.include_usage
    std::int64_t max_tokens = 0; // the request's output cap (0: none); the answer stops there
};

// The answer to render, computed once from a Turn and a Behavior.
struct Answer {
    std::string id_suffix; // deterministic per request
    std::string model;
    std::string text;
    std::vector<std::string> chunks; // text split for streaming; concatenation == text
    int prompt_tokens = 1;
    int completion_tokens = 0;
    int cached_tokens = 0;
    int reasoning_tokens = 0;
    bool tool_call = false;
    bool truncated = false; // cut at the request's max_tokens (finish reason "length" and kin)
    std::string tool_name;
    std::string tool_arguments; // JSON text
};

// One server-sent event (or, for Gemini without alt=sse, one array element).
struct StreamEvent {
    std::string bytes;    // exactly what goes on the wire
    bool content = false; // counts toward cut_after_chunks
};
using EventList = std::vector<StreamEvent>;

// An error to send: HTTP status and body in the format's shape.
struct ErrorReply {
    int status = 500;
    std::string body;
};

Answer make_answer(const Turn& turn, const Behavior& behavior, std::uint64_t sequence);
std::vector<std::string> split_chunks(const std::string& text, int chunks);
std::string sse(std::string_view event, const json& data); // "event: E\ndata: J\n\n"
std::string sse_data(const json& data);                    // "data: J\n\n"

// Field readers that never throw on a wrong type; `member` yields null when absent.
const json& member(const json& object, const char* key);
std::string string_field(const json& object, const char* key);
bool bool_field(const json& object, const char* key);

// The error body each format uses for `status`; `message` is free text.
ErrorReply error_reply(Format format, int status, std::string_view message);
// The provider's context-length-exceeded error for a prompt of `prompt_tokens`.
ErrorReply context_length_reply(Format format, int prompt_tokens);
// The provider's missing-key error.
ErrorReply unauthenticated_reply(Format format);

// OpenAI chat completions.
std::expected<Turn, std::string> openai_chat_turn(const json& body);
std::string openai_chat_body(const Answer& answer);
EventList openai_chat_stream(const Answer& answer, bool include_usage);

// OpenAI Responses API.
std::expected<Turn, std::string> openai_responses_turn(const json& body);
std::string openai_responses_body(const Answer& answer);
EventList openai_responses_stream(const Answer& answer);

// OpenAI embeddings and model list.
std::expected<std::string, std::string> openai_embeddings_body(const json& body);
std::string openai_models_body(const std::vector<std::string>& models);

// Anthropic Messages.
std::expected<Turn, std::string> anthropic_turn(const json& body);
std::string anthropic_body(const Answer& answer);
EventList anthropic_stream(const Answer& answer);

// Gemini generateContent / streamGenerateContent; `model` comes from the path.
std::expected<Turn, std::string> gemini_turn(const json& body, std::string model);
std::string gemini_body(const Answer& answer);
EventList gemini_stream(const Answer& answer, bool sse_mode);

} // namespace megarouter::mock::detail
