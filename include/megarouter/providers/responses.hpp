// The OpenAI Responses API (`POST /v1/responses`) on the client side: its
// request (instructions, input items with developer/system/user/assistant
// messages, input_text/output_text/input_image parts, function calls and their
// outputs, flat function tools) translated to the canonical ChatRequest, and a
// canonical answer written back as a Response object or as the Responses
// streaming event sequence (response.created ... response.completed with
// usage). Used when the upstream does not speak the Responses API; for OpenAI
// upstreams the proxy passes the body through. Pure, no I/O.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/canonical.hpp"

namespace megarouter::providers {

// What a translation dropped because the canonical form has no place for it
// (hosted tools such as web_search, reasoning items, ...): reported in the
// `x-megarouter-dropped` response header so that nothing is dropped silently.
struct ResponsesDecode {
    ChatRequest request;
    std::vector<std::string> dropped;
};

// A Responses API request body -> canonical. `instructions` and leading
// system/developer messages become the system prompt; later ones stay as
// system messages. Fails with invalid_argument naming the field at fault
// (missing model, input of the wrong type, an item without a role ...).
Result<ResponsesDecode> decode_responses_request(const nlohmann::json& body);

// A complete Response object (status "completed", output items, usage) for a
// canonical answer, `model` as the model name.
nlohmann::json encode_responses_response(const ChatResponse& response, std::string_view model);

// A fresh streaming encoder that writes the Responses event sequence, each
// event with its `event:` line and a sequence_number. fail() writes an
// `error` event (with an `error` object, which the OpenAI SDK raises) followed
// by `response.failed`. Not thread-safe (one per stream).
std::unique_ptr<StreamEncoder> responses_stream_encoder(std::string_view model);

// Reads usage out of a Responses stream passed through from an OpenAI
// upstream: feed it the raw bytes in any split. Not thread-safe.
class ResponsesStreamSniffer {
public:
    void feed(std::string_view bytes);
    bool completed() const { return m_completed; } // response.completed seen
    bool failed() const { return m_failed; }       // response.failed / error seen
    const catalog::Usage& usage() const { return m_usage; }
    const std::string& model() const { return m_model; }
    // The answer's text (output_text parts), from the completed event.
    const std::string& text() const { return m_text; }

private:
    void on_event(std::string_view data);
    std::string m_buffer;
    bool m_completed = false;
    bool m_failed = false;
    catalog::Usage m_usage;
    std::string m_model;
    std::string m_text;
};

// Usage from a Responses API `usage` object (input_tokens with
// input_tokens_details.cached_tokens, output_tokens with
// output_tokens_details.reasoning_tokens). Missing fields read as 0.
catalog::Usage usage_from_responses(const nlohmann::json& usage);

// The text of a Responses API response object: its message items'
// output_text parts joined. "" when there are none.
std::string responses_output_text(const nlohmann::json& response);

} // namespace megarouter::providers

namespace megarouter::providers {

// The frames that end a passed-through Responses stream that failed midway:
// an `error` event and `response.failed` (no response.created: the upstream
// already sent it).
std::string responses_stream_failure(const Error& error, std::string_view model);

} // namespace megarouter::providers
