// Pieces the adapters share: the SSE line parser, error classification by
// HTTP status, small JSON readers and the per-format adapter singletons.
// Internal to src/providers.
#pragma once

// StreamEvents are built with designated initializers that name only the
// fields that matter; g++ 12 would warn about every omitted one.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"

namespace megarouter::providers::detail {

// One server-sent event: its `event:` name (may be empty) and joined `data:`.
// Whether the JSON text has `quoted_key` (with its quotes) followed by a
// value other than null anywhere: a cheap test of whether an event is worth
// parsing. It may say yes wrongly (the key's text inside a string value);
// a key spelled with \u escapes is not found.
bool has_non_null(std::string_view json_text, std::string_view quoted_key);

struct SseEvent {
    std::string event;
    std::string data;
};

// Incremental SSE parser (WHATWG rules: lines end in \n, \r\n or \r; a blank
// line dispatches; `:` lines are comments). An event whose text passes
// k_max_sse_event_bytes is dropped whole (its bytes are not held), so an
// upstream cannot grow the parser's memory without bound; the stream then
// lacks that event and ends as a cut one.
class SseParser {
public:
    static constexpr std::size_t k_max_sse_event_bytes = 64 * 1024 * 1024; // as a buffered answer
    std::vector<SseEvent> feed(std::string_view bytes);

private:
    void line(std::string_view text, std::vector<SseEvent>& out);
    std::string m_buffer;
    SseEvent m_current;
    bool m_has_data = false;
    bool m_last_was_cr = false;
    bool m_dropping = false;    // the current event grew too large: skip to its end
    bool m_dropped_line = false; // the current line had bytes while dropping (not blank)
};

// The SSE frame "event: NAME\ndata: JSON\n\n" (no event line when empty).
std::string sse_frame(std::string_view event, const nlohmann::json& data);

// Classification shared by all formats: the code and retryability for an
// HTTP status, with `message` (the provider's words) and Retry-After.
Error classify_status(int status, std::string message, const upstream::Headers& headers);

// Whether a provider's error text / code says the prompt is too long, or
// that it refused on content grounds.
bool looks_like_context_length(std::string_view text);
bool looks_like_content_policy(std::string_view text);

// JSON readers that never throw.
std::string str(const nlohmann::json& object, const char* key);
// The schema of an OpenAI-style response_format {"type":"json_schema",
// "json_schema":{"schema":{...}}}: an empty object when any level is
// missing or not an object.
nlohmann::json schema_of(const nlohmann::json& response_format);
// A JSON number as int64, saturated at its range (0 for anything else): a
// float such as 1e300 from the network must not reach get<int64_t>().
std::int64_t to_int64(const nlohmann::json& value);
std::int64_t num(const nlohmann::json& object, const char* key);
// A token count from an upstream's usage: held to [0, catalog::k_max_tokens],
// so sums of counts (over fields and attempts) and their cost stay far from
// int64's range whatever an upstream claims.
std::int64_t tokens(const nlohmann::json& object, const char* key);
// The limits of the JSON the providers parse themselves: upstream answers,
// stream events, and JSON carried inside strings (tool-call arguments,
// tool results), whose bytes no body-level scan has counted. The [server]
// settings bound client bodies; these are the defaults (64 levels, 1,000,000
// values), fixed: no real answer or argument comes near them.
inline constexpr core::JsonLimits k_json_limits{};

// JSON text parsed within k_json_limits, or null on malformed input or input
// over the limits.
nlohmann::json parse_or_null(std::string_view text);

// Splits a data: URL into media type and base64 payload; false if not one.
bool split_data_url(std::string_view url, std::string& media_type, std::string& data);

const UpstreamAdapter& openai_upstream();
const UpstreamAdapter& anthropic_upstream();
const UpstreamAdapter& gemini_upstream();
const ClientAdapter& openai_client();
const ClientAdapter& anthropic_client();
const ClientAdapter& responses_client();

} // namespace megarouter::providers::detail
