// The adapter interface: pure translation between the canonical chat types
// (canonical.hpp) and each provider wire format, in both directions, with no
// I/O. The upstream side builds what we send to a provider and reads what it
// answers; the client side reads what a downstream client sent us and writes
// our answer in that client's format, so the proxy can accept format A and
// call format B.
//
// All adapters are stateless singletons and thread-safe; the stream decoder
// and encoder objects they create are not (one per stream).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/providers/registry.hpp"
#include "megarouter/upstream/http.hpp"

namespace megarouter::providers {

// Turns an upstream SSE byte stream into canonical events. Bytes may be fed
// in any split (an event or even a UTF-8 sequence may straddle chunks).
class StreamDecoder {
public:
    virtual ~StreamDecoder() = default;
    // Consumes `bytes`; returns the events completed by them (maybe none).
    // A provider error event inside the stream becomes a StreamEvent::error.
    virtual std::vector<StreamEvent> feed(std::string_view bytes) = 0;
    // Whether the provider's terminal event ([DONE], message_stop, a Gemini
    // candidate with finishReason) has been seen. A stream that ends before
    // this was cut.
    virtual bool done() const = 0;
};

// Turns canonical events into the SSE text a downstream client expects.
// Each call returns the bytes to write now (maybe empty).
class StreamEncoder {
public:
    virtual ~StreamEncoder() = default;
    // One canonical event. `start` should come first; if it does not, the
    // encoder emits its own opening frame before the first content.
    virtual std::string encode(const StreamEvent& event) = 0;
    // The closing frames (OpenAI: final chunk with finish_reason + usage
    // chunk + "data: [DONE]"; Anthropic: content_block_stop, message_delta
    // with usage, message_stop). Idempotent: a second call returns "".
    virtual std::string finish() = 0;
    // The stream failed midway: an error frame in the client's format
    // (OpenAI: `data: {"error":{...}}`; Anthropic: `event: error`). After
    // this, finish() returns "".
    virtual std::string fail(const Error& error) = 0;
};

// Where and how to send one request upstream.
struct UpstreamTarget {
    std::string url;          // absolute, query included (e.g. Gemini ?alt=sse)
    upstream::Headers headers; // auth, version, content-type (contain the secret)
};

// An error answer for a downstream client.
struct ClientError {
    int status = 500;
    std::string body;         // JSON text in the client's format
    bool should_retry = true; // false -> send `x-should-retry: false`
};

// Upstream side: canonical -> provider request, provider answer -> canonical.
class UpstreamAdapter {
public:
    virtual ~UpstreamAdapter() = default;
    virtual WireFormat format() const = 0;

    // The request body for `provider_model_id`. Never adds sampling
    // parameters the caller did not set. Streaming requests ask for usage
    // (OpenAI: stream_options.include_usage).
    virtual nlohmann::json encode_request(const ChatRequest& request, std::string_view provider_model_id) const = 0;

    // URL and headers (auth, versions, content-type, accept) for a call.
    virtual UpstreamTarget target(const Endpoint& endpoint, std::string_view provider_model_id, bool stream) const = 0;

    // A complete (non-streamed) 2xx answer. Fails with upstream_error when
    // the JSON does not have the documented shape.
    virtual Result<ChatResponse> decode_response(const nlohmann::json& body) const = 0;

    // The top-level member of a complete answer that carries its usage
    // ("usage", Gemini "usageMetadata"), and that member decoded: what a
    // pass-through call reads (see pick_member) instead of the whole answer.
    virtual std::string_view usage_member() const = 0;
    virtual catalog::Usage decode_usage(const nlohmann::json& member) const = 0;

    // A fresh incremental decoder for one streamed answer.
    virtual std::unique_ptr<StreamDecoder> stream_decoder() const = 0;
    // A decoder for a stream passed through unchanged, when only its usage,
    // its finish, errors and its end matter: events that cannot carry them
    // (text, reasoning and tool deltas) are skipped without being parsed,
    // so only those events yield StreamEvents.
    virtual std::unique_ptr<StreamDecoder> usage_decoder() const { return stream_decoder(); }

    // Classifies an HTTP error answer: 429 -> rate_limited (retryable, with
    // Retry-After), 5xx -> upstream_unavailable (retryable), 408 ->
    // upstream_timeout (retryable), 401 -> unauthenticated, 403 ->
    // permission_denied, 404 -> not_found, other 4xx -> invalid_argument,
    // prompt-too-long -> context_length_exceeded, refusals -> content_policy
    // (none of these retryable). The message quotes the provider's message,
    // never the request's headers.
    virtual Error decode_error(int status, std::string_view body, const upstream::Headers& headers) const = 0;
};

// The client APIs megarouter serves: POST /v1/chat/completions,
// /v1/messages and /v1/responses.
enum class ClientApi { chat_completions, messages, responses };

// A client's request in canonical form, with what the canonical form could
// not hold (Responses hosted tools, reasoning items): reported to the client
// in x-megarouter-dropped, so that nothing is dropped silently.
struct ClientRequest {
    ChatRequest request;
    std::vector<std::string> dropped;
};

// Client side: what a downstream client sent -> canonical, and back; and how
// the client's body is sent untranslated to an upstream that speaks the same
// API ("pass-through"), and metered there.
class ClientAdapter {
public:
    virtual ~ClientAdapter() = default;
    virtual ClientApi api() const = 0;
    // The family of its bodies and errors (Responses errors are OpenAI's).
    virtual WireFormat format() const = 0;

    // A client's request body -> canonical. Tolerates fields it does not
    // map (thinking, metadata, cache_control ...). Fails with
    // invalid_argument naming the field at fault.
    virtual Result<ClientRequest> decode(const nlohmann::json& body) const = 0;
    // The same, for callers that do not report what was dropped.
    Result<ChatRequest> decode_client_request(const nlohmann::json& body) const {
        auto decoded = decode(body);
        if (!decoded) return std::unexpected(decoded.error());
        return std::move(decoded->request);
    }

    // Our complete answer in the client's format, `model` as the model name.
    virtual nlohmann::json encode_client_response(const ChatResponse& response, std::string_view model) const = 0;

    // A fresh encoder for one streamed answer, `model` as the model name.
    virtual std::unique_ptr<StreamEncoder> stream_encoder(std::string_view model) const = 0;

    // An error in the client's format with its HTTP status (see
    // http_status_for).
    virtual ClientError encode_client_error(const Error& error) const = 0;

    // The frames that end a stream of this API which failed after its first
    // byte: an error event the client's SDK reports (no opening frames).
    virtual std::string stream_failure(const Error& error, std::string_view model) const {
        return stream_encoder(model)->fail(error);
    }

    // Pass-through. Whether `endpoint` takes the client's body as it is.
    virtual bool passes_to(const Endpoint& endpoint) const { return endpoint.format == format(); }
    // The body member an output cap goes in, there.
    virtual const char* output_cap_field(const Endpoint& endpoint) const = 0;
    // Where the body goes (URL, auth and version headers).
    virtual UpstreamTarget passthrough_target(const Endpoint& endpoint, std::string_view provider_model_id,
                                              bool stream) const;
    // The member of a complete answer that holds its usage, and the usage in it.
    virtual std::string_view usage_member() const;
    virtual catalog::Usage decode_usage(const nlohmann::json& member) const;
    // The text of a complete answer ("" when none), for the prompt log.
    virtual std::string answer_text(const nlohmann::json& answer) const;
    // Reads a passed-through stream: usage, finish, the end (done()), and
    // with `keep_text` the text deltas.
    virtual std::unique_ptr<StreamDecoder> passthrough_decoder(bool keep_text) const;
};

// The adapter for a wire format. Thread-safe; the references stay valid for
// the program's lifetime.
const UpstreamAdapter& upstream_adapter(WireFormat format);

// The client-side adapter of a client API.
const ClientAdapter& client_adapter(ClientApi api);
// The chat adapter of a wire format's family (errors and dry-run requests),
// or nullptr for gemini (not served downstream).
const ClientAdapter* client_adapter(WireFormat format);


// Canonical finish reason from each provider's vocabulary, and back.
FinishReason finish_from_openai(std::string_view reason);
std::string_view finish_to_openai(FinishReason reason);
FinishReason finish_from_anthropic(std::string_view reason);
std::string_view finish_to_anthropic(FinishReason reason);
FinishReason finish_from_gemini(std::string_view reason);

} // namespace megarouter::providers
