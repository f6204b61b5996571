// The canonical chat request, response and stream events: one shape that
// every adapter translates to and from its provider's wire format, and that
// routing, governance and the CLI work on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/error.hpp"

namespace megarouter::providers {

enum class Role { system, user, assistant, tool };

struct ContentPart {
    enum class Kind { text, image };
    Kind kind = Kind::text;
    std::string text;       // Kind::text
    std::string image_url;  // Kind::image: an https URL or a data: URL
    std::string media_type; // "image/png" ... when known (data URLs, base64 sources)
    std::string image_data; // base64 payload when the source was inline (no data: prefix)
};

// An image part for `url`; a data: URL is split into media_type and
// image_data, so every encoder can send it inline.
ContentPart image_part(std::string url);

struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments; // JSON text, as providers stream it
};

struct Message {
    Role role = Role::user;
    std::vector<ContentPart> content;
    std::vector<ToolCall> tool_calls; // assistant turns that called tools
    std::string tool_call_id;         // Role::tool: which call this answers
    std::string name;                 // optional participant / tool name
    bool is_error = false;            // Role::tool: the tool failed

    // All text parts joined (images skipped).
    std::string text() const;
};

struct ToolDefinition {
    std::string name;
    std::string description;
    nlohmann::json parameters = nlohmann::json::object(); // JSON Schema
};

struct ChatRequest {
    std::string model;          // what the caller asked for (alias, group, auto...)
    std::string system;         // system prompt (all system text joined)
    std::vector<Message> messages;
    std::vector<ToolDefinition> tools;
    nlohmann::json tool_choice; // null, "auto", "none", "required", or {"name": "..."}
    nlohmann::json response_format; // null or OpenAI-shaped {"type":"json_object"|"json_schema", ...}
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<std::int64_t> max_tokens;
    std::vector<std::string> stop;
    std::optional<std::int64_t> seed;
    std::string user;
    std::string reasoning_effort; // "", "low", "medium", "high", ...
    bool stream = false;
    bool parallel_tool_calls = true;
    nlohmann::json metadata;      // passed through where the provider has a place for it

    bool has_images() const;
    bool wants_json() const { return !response_format.is_null(); }
};

enum class FinishReason { stop, length, tool_calls, content_filter, error, unknown };

struct ChatResponse {
    std::string id;
    std::string model;    // the model that answered (provider's id)
    std::string text;     // all text output joined
    std::vector<ToolCall> tool_calls;
    std::string reasoning_text; // visible reasoning/thinking text when the provider returns it
    FinishReason finish = FinishReason::stop;
    catalog::Usage usage;
};

// One step of a streamed answer, in the canonical vocabulary.
struct StreamEvent {
    enum class Kind {
        start,           // the upstream accepted the request (id, model)
        text_delta,      // text
        reasoning_delta, // text (thinking)
        tool_call_start, // tool_index, tool_call.id, tool_call.name
        tool_call_delta, // tool_index, text = arguments fragment
        usage,           // usage (may come more than once; later wins per field)
        finish,          // finish
        error,           // error_message, error_type: the stream failed
    };
    Kind kind = Kind::text_delta;
    std::string text;
    int tool_index = 0;
    ToolCall tool_call;
    catalog::Usage usage;
    FinishReason finish = FinishReason::stop;
    std::string id;
    std::string model;
    std::string error_message;
    std::string error_type;
};

// The longest model name a request may carry (chat, messages, responses,
// embeddings, count_tokens, /v1/route, /v1/models/<id>). Real ids are well
// under 100 bytes; a longer name is refused before it is looked up, matched
// against the catalog for suggestions, logged or echoed in an error.
inline constexpr std::size_t k_max_model_name_bytes = 256;

// Fails with invalid_argument "model name longer than 256 bytes" beyond
// k_max_model_name_bytes.
Result<void> check_model_name(std::string_view name);

std::string_view to_string(Role role);
std::string_view to_string(FinishReason reason);

} // namespace megarouter::providers
