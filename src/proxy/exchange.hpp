// One chat-like request on its way through the filter chain
// (authenticate -> parse -> limits and budgets -> route -> call upstream with
// failover -> meter -> settle -> access log), and the functions for each
// stage. Chat completions, Anthropic messages and Responses requests all take
// this path; only decoding and encoding differ by API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "megarouter/http/request.hpp"
#include "megarouter/http/response.hpp"
#include <nlohmann/json.hpp>

#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/routing/router.hpp"
#include "proxy/state.hpp"
#include "proxy/stream_relay.hpp"
#include "proxy/tracing.hpp"

namespace megarouter::proxy {

using ApiKind = providers::ClientApi;

// The wire format of errors and bodies for a client API.
providers::WireFormat client_format(ApiKind api);

struct Exchange {
    // What came in.
    std::string request_id;
    ApiKind api = ApiKind::chat_completions;
    std::string path;
    std::int64_t started_us = 0;   // monotonic
    std::int64_t deadline_us = 0;  // monotonic; the request's overall deadline
    nlohmann::json body;           // the client's JSON (passed through when formats match)
    providers::ChatRequest chat;
    std::optional<std::int64_t> max_tokens_asked; // chat.max_tokens is capped per attempt to the model's max output
    std::int64_t input_bound = 0;                  // routing::input_token_bound(chat): the worst case's input
    std::optional<std::int64_t> budget_max_tokens; // [governance] fit_to_budget lowered max_tokens to this
    bool usage_chunk_asked = false; // chat streams: stream_options.include_usage was true in the client's body
    std::vector<std::string> decode_losses; // what the canonical request could not hold (Responses items, tools)
    std::vector<std::string> dropped; // what the answering attempt's translation could not carry (the header)
    upstream::Headers forward_headers; // anthropic-version / anthropic-beta
    std::shared_ptr<const Snapshot> snapshot;
    Caller caller;
    governance::Guardrails guardrails;
    governance::Reservation hold;
    bool authenticated = false;    // past authenticate: settle is owed
    std::optional<routing::Plan> plan;
    routing::Mode mode = routing::Mode::balanced;

    // What happened.
    int attempts = 0;
    const catalog::Model* model = nullptr;       // the last deployment tried
    const catalog::Offering* offering = nullptr;
    catalog::Usage usage;                        // summed over attempts
    catalog::Nanos cost = 0;
    int status = 0;
    std::string error_code;
    bool fallback = false;
    std::int64_t ttfb_us = 0;                    // streams: when committed
    // Time inside upstream calls, summed over attempts (a stream's relay work
    // between its chunks included), and that sum when a stream committed its
    // first byte: what the request spent outside megarouter.
    std::int64_t upstream_us = 0;
    std::int64_t upstream_at_first_byte_us = 0;
    std::string body_out;                        // non-streamed answer, in the client's format

    RequestTrace trace;

    // The answer's text is kept for the prompt log ([server] log_prompts:
    // log_prompt) or for spans ([telemetry] capture_content).
    bool keep_text = false;
    bool log_prompt = false;
    std::string conversation_id;                 // x-claude-code-session-id, else the request id
    std::string answer_text;                     // of the last attempt
};

// The result of one attempt at one deployment.
struct AttemptOutcome {
    std::string body;        // non-streamed: the answer in the client's format
    catalog::Usage usage;
};

// Calls one deployment: passes the client's body through when the upstream
// speaks the client's format, translates otherwise. With `relay` the answer
// is streamed into it (commit on the first content); without, it is returned.
// Fails with the upstream's classified error; `usage` of a failed attempt is
// added to the exchange by the caller via `partial_usage`.
Result<AttemptOutcome> attempt(Exchange& exchange, const upstream::Transport& transport, const routing::Candidate& target,
                               const providers::Endpoint& endpoint, StreamRelay* relay,
                               catalog::Usage& partial_usage, const std::atomic<bool>* cancel);

// Whether `endpoint` is sent the client's own body (no translation).
bool passes_through(ApiKind api, const providers::Endpoint& endpoint);

// The SSE frame that ends a stream of `api` which failed after its first
// byte without its attempt writing one itself (the attempt threw, or the
// stream was abandoned): an error event the client's SDK reports.
std::string stream_failure_frame(ApiKind api, std::string_view model, const Error& error);

// A client's JSON body, parsed within the snapshot's [server] limits
// (max_json_depth, max_json_values): every subtree of it may then be copied
// or dumped (recursion bounded by the depth). Fails with invalid_argument
// naming the limit, or saying the body is not valid JSON.
Result<nlohmann::json> parse_client_body(std::string_view body, const Snapshot& snapshot);

// The chain's stages, in order. Each fails with an Error that the handler
// answers in the client's format.
Result<void> authenticate(Exchange& exchange, Shared& shared, const http::Request& request);
Result<void> decode_request(Exchange& exchange, const http::Request& request);
Result<void> route(Exchange& exchange, Shared& shared);
// Tries the plan's deployments in order within the deadline.
Result<void> call_with_failover(Exchange& exchange, Shared& shared, StreamRelay* relay);
// Settles the reservation, writes the ledger row and the access log line.
void finish(Exchange& exchange, Shared& shared, const std::string& method);

// The x-megarouter-* headers (and x-request-id) describing the exchange.
void set_outcome_headers(const Exchange& exchange, http::Response& response, bool include_cost);

// Writes `error` in the client's format with its status (and Retry-After /
// x-should-retry where they apply).
void write_error(http::Response& response, providers::WireFormat format, const Error& error,
                 const std::string& request_id);

} // namespace megarouter::proxy
