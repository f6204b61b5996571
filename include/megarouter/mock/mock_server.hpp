// The mock provider: an HTTP server that speaks the OpenAI, Anthropic and
// Gemini wire formats on loopback, so megarouter's tests, benchmarks and
// quickstart work without any provider account.
// Each answer is deterministic, and failures (HTTP errors, delays, hangs,
// streams cut mid-way) are chosen per model or per request by a Behavior.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace megarouter::mock {

// How the mock answers one request. The default answers 200 at once.
// JSON field names equal the member names (see behavior_from_json).
struct Behavior {
    int status = 0;                      // non-zero: answer this HTTP error in the format's error body
    std::optional<int> retry_after;      // seconds, sent as Retry-After with an error status
    int first_byte_delay_ms = 0;         // wait before the status line and headers
    int chunk_delay_ms = 0;              // stream: wait before each content chunk
    bool hang = false;                   // never answer (until the server stops)
    std::optional<int> cut_after_chunks; // stream: close after N content chunks, no terminal event
    bool context_length_error = false;   // the provider's "prompt too long" 400
    std::optional<std::string> text;     // the answer text instead of the default
    bool tool_call = false;              // call the first tool of the request
    std::string tool_arguments = "{}";   // the tool call's arguments, as JSON text
    int chunks = 0;                      // stream content chunks; 0 = one per word
    int cached_tokens = 0;               // reported as cached prompt tokens
    int reasoning_tokens = 0;            // reported as reasoning/thinking tokens
    int fail_times = 0;                  // with status: fail only the model's first N requests
    bool require_key = false;            // 401 when the request carries no API key
};

// Parses a Behavior from its JSON text. Unknown fields are ignored; a field of
// the wrong type or text that is not a JSON object yields an error message.
std::expected<Behavior, std::string> behavior_from_json(std::string_view json_text);

// The JSON text of a Behavior, the inverse of behavior_from_json.
std::string behavior_to_json(const Behavior& behavior);

// One request as the mock received it.
struct RecordedRequest {
    std::string method;
    std::string path;                                         // without the query
    std::string query;                                        // the raw query ("a=1&b=2"), empty when there is none
    std::vector<std::pair<std::string, std::string>> headers; // names as sent
    std::string body;

    // The first value of a header (case-insensitive name), or empty.
    std::string header(std::string_view name) const;
};

// The server. Routes:
//   POST /v1/chat/completions, /v1/responses, /v1/embeddings; GET /v1/models   (OpenAI)
//   POST /v1/messages                                                        (Anthropic)
//   POST /v1beta/models/{model}:generateContent | :streamGenerateContent      (Gemini)
//   GET  /api/v1/models                      the models document
//   POST/DELETE /_mock/behavior, GET/DELETE /_mock/requests, GET /_mock/health  (control)
// A per-request header `x-mock-behavior: <json>` overrides the model's behavior.
// All public member functions are thread-safe.
class MockServer {
  public:
    MockServer();
    ~MockServer(); // stops the server
    MockServer(const MockServer&) = delete;
    MockServer& operator=(const MockServer&) = delete;

    // Binds host:port (port 0 = any free port) and serves on a background
    // thread. Returns the bound port, or an error message when binding fails
    // or the server already runs.
    std::expected<int, std::string> start(const std::string& host = "127.0.0.1", int port = 0);

    // Stops serving and joins the threads; hanging requests end within ~20 ms.
    // Safe to call twice.
    void stop();

    int port() const;             // 0 when not started
    std::string base_url() const; // "http://HOST:PORT"

    // Sets the behavior for a model; "*" is the default for models without one.
    // Resets that model's fail_times counter.
    void set_behavior(const std::string& model, Behavior behavior);
    void clear_behaviors();

    // A copy of the requests received so far (control endpoints excluded),
    // oldest first; only the most recent 10,000 are kept.
    std::vector<RecordedRequest> requests() const;
    void clear_requests();

    // The JSON text served at GET /api/v1/models (default: {"data":[]}).
    void set_models_document(std::string json);

    struct Impl;

  private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace megarouter::mock
