// One attempt at one deployment. When the upstream speaks the client's format
// the client's body goes through with only the model replaced (unknown fields
// such as Codex's survive) and usage is read from the answer on the side;
// otherwise the request is translated through the canonical types.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/call.hpp"
#include "megarouter/providers/json_pick.hpp"
#include "megarouter/upstream/transport.hpp"
#include "proxy/exchange.hpp"

namespace megarouter::proxy {
namespace {

using nlohmann::json;
using providers::WireFormat;

constexpr std::size_t k_max_held_bytes = 1 << 20; // flush an event-less run beyond this

upstream::Timeouts timeouts_for(const Exchange& exchange) {
    const auto& server = exchange.snapshot->config.server;
    auto remaining_ms = std::max<std::int64_t>(1, (exchange.deadline_us - core::monotonic_us()) / 1000);
    int remaining = static_cast<int>(std::min<std::int64_t>(remaining_ms, INT32_MAX));
    return {.connect_ms = std::min(server.connect_timeout_s * 1000, remaining),
            .first_byte_ms = std::min(server.idle_stream_timeout_s * 1000, remaining),
            .idle_ms = std::min(server.idle_stream_timeout_s * 1000, remaining),
            .total_ms = remaining};
}


void replace_header(upstream::Headers& headers, const std::string& name, const std::string& value) {
    for (auto& [n, v] : headers)
        if (strcasecmp(n.c_str(), name.c_str()) == 0) {
            v = value;
            return;
        }
    headers.emplace_back(name, value);
}

// Holds back a trailing partial SSE event so that an error frame, if one
// must follow, starts at an event boundary.
class EventAligner {
public:
    // The whole events so far; valid until the next call. Upstreams mostly
    // send whole events per read: those go through without a copy.
    std::string_view take(std::string_view bytes) {
        m_held.erase(0, std::exchange(m_taken, 0));
        if (m_held.empty() && bytes.ends_with("\n\n")) return bytes;
        m_held.append(bytes);
        std::size_t end = m_held.rfind("\n\n");
        if (end == std::string::npos && m_held.size() < k_max_held_bytes) return {};
        m_taken = end == std::string::npos ? m_held.size() : end + 2;
        return std::string_view(m_held).substr(0, m_taken);
    }
    std::string rest() {
        m_held.erase(0, std::exchange(m_taken, 0));
        return std::exchange(m_held, {});
    }

private:
    std::string m_held;
    std::size_t m_taken = 0; // bytes of m_held handed out by the last take()
};

// Whole SSE events of an OpenAI chat stream without the usage-only chunk
// (`"choices": []` with a usage): the proxy asks for it to meter the stream,
// but a client that did not ask must not receive it (the contract has none,
// and readers of choices[0] trip on it). Events without "usage" go through
// untouched (no copy); only a chunk whose choices are textually empty is
// looked at further.
std::string_view without_usage_chunk(std::string_view events, std::string& kept) {
    if (events.find("\"usage\"") == std::string_view::npos) return events;
    kept.clear();
    std::size_t start = 0;
    while (start < events.size()) {
        // An event ends at a blank line, LF or CRLF.
        std::size_t lf = events.find("\n\n", start), crlf = events.find("\r\n\r\n", start);
        std::size_t end = std::min(lf == std::string::npos ? events.size() : lf + 2,
                                   crlf == std::string::npos ? events.size() : crlf + 4);
        std::string_view event = events.substr(start, end - start);
        bool usage_only = false;
        // Only a single data line can be the usage chunk: never drop more.
        bool one_data_line = event.starts_with("data:") && event.find("\ndata:") == std::string_view::npos;
        if (std::size_t at = event.find("\"choices\""); one_data_line && at != std::string_view::npos) {
            std::size_t i = at + 9;
            while (i < event.size() && (event[i] == ' ' || event[i] == ':')) ++i;
            if (event.substr(i, 2) == "[]" && event.find("\"usage\"") != std::string_view::npos) usage_only = true;
        }
        if (!usage_only) kept.append(event);
        start = end;
    }
    return kept;
}

// Adds the time from its construction to stop() (or its end) to the
// exchange's upstream time: the wait that is not megarouter's own.
class UpstreamTimer {
public:
    explicit UpstreamTimer(Exchange& exchange) : m_exchange(exchange), m_start(core::monotonic_us()) {}
    ~UpstreamTimer() { stop(); }
    UpstreamTimer(const UpstreamTimer&) = delete;
    UpstreamTimer& operator=(const UpstreamTimer&) = delete;
    std::int64_t elapsed() const { return core::monotonic_us() - m_start; }
    void stop() {
        if (m_stopped) return;
        m_stopped = true;
        m_exchange.upstream_us += elapsed();
    }

private:
    Exchange& m_exchange;
    std::int64_t m_start;
    bool m_stopped = false;
};

// The text of a complete answer that is passed through, for the prompt log.
std::string answer_text_of(const providers::ClientAdapter& client, const std::string& body) {
    auto parsed = core::parse_json_bounded(body, core::JsonLimits{});
    return parsed ? client.answer_text(*parsed) : std::string();
}

Result<AttemptOutcome> passthrough(Exchange& exchange, const upstream::Transport& transport,
                                   const routing::Candidate& target,
                                   const providers::Endpoint& endpoint, StreamRelay* relay,
                                   catalog::Usage& partial, const std::atomic<bool>* cancel) {
    const auto& client = providers::client_adapter(exchange.api);
    const auto& adapter = providers::upstream_adapter(endpoint.format); // reads its errors
    const std::string& model_id = target.offering->provider_model_id;
    bool stream = relay != nullptr;
    // Edited in place rather than copied: every attempt sets the same fields.
    json& body = exchange.body;
    body["model"] = model_id;
    if (exchange.chat.max_tokens && exchange.chat.max_tokens != exchange.max_tokens_asked) {
        bool replaced = false;
        for (const char* field : {"max_tokens", "max_completion_tokens", "max_output_tokens"})
            if (body.contains(field)) {
                body[field] = *exchange.chat.max_tokens;
                replaced = true;
            }
        // A cap the client did not send (fitted to a budget) goes in the field its API reads.
        if (!replaced) body[client.output_cap_field(endpoint)] = *exchange.chat.max_tokens;
    }
    if (exchange.api == ApiKind::chat_completions && stream) {
        if (!body.contains("stream_options") || !body["stream_options"].is_object()) body["stream_options"] = json::object();
        body["stream_options"]["include_usage"] = true; // usage is metered from the stream
    }
    providers::UpstreamTarget where = client.passthrough_target(endpoint, model_id, stream);
    for (const auto& [name, value] : exchange.forward_headers) replace_header(where.headers, name, value);
    for (const auto& [name, value] : exchange.trace.upstream_headers) replace_header(where.headers, name, value);
    upstream::HttpRequest request{.method = "POST", .url = where.url, .headers = std::move(where.headers),
                                  .body = body.dump(-1, ' ', false, json::error_handler_t::replace)};
    upstream::SendOptions options{.timeouts = timeouts_for(exchange), .cancel = cancel};

    if (!stream) {
        UpstreamTimer timer(exchange);
        auto answer = transport.send(request, options);
        timer.stop();
        if (!answer) return std::unexpected(answer.error());
        if (answer->status / 100 != 2) return std::unexpected(adapter.decode_error(answer->status, answer->body, answer->headers));
        // Only the usage is read; the answer goes back byte for byte.
        // An upstream answer is held to the default JSON limits, as in providers.
        auto usage = providers::pick_member(answer->body, client.usage_member());
        if (!usage) return fail(ErrorCode::upstream_error, "the upstream answered with invalid JSON", true);
        AttemptOutcome outcome{.body = std::move(answer->body)};
        outcome.usage = client.decode_usage(*usage);
        if (exchange.keep_text) exchange.answer_text = answer_text_of(client, outcome.body);
        return outcome;
    }

    // The answer goes through as it is: only its usage, finish and end are decoded, unless its text is kept.
    std::unique_ptr<providers::StreamDecoder> decoder = client.passthrough_decoder(exchange.keep_text);
    EventAligner aligner;
    std::string kept; // without_usage_chunk's output when it drops the usage chunk
    UpstreamTimer timer(exchange);
    const bool strip_usage = exchange.api == ApiKind::chat_completions && !exchange.usage_chunk_asked;
    upstream::ChunkCallback on_chunk = [&](std::string_view bytes) {
        for (const auto& event : decoder->feed(bytes))
            if (event.kind == providers::StreamEvent::Kind::usage) partial.merge(event.usage);
            else if (exchange.keep_text && event.kind == providers::StreamEvent::Kind::text_delta)
                exchange.answer_text += event.text;
        std::string_view events = aligner.take(bytes);
        relay->write(strip_usage ? without_usage_chunk(events, kept) : events);
        if (!relay->committed()) {
            relay->commit();
            exchange.ttfb_us = core::monotonic_us() - exchange.started_us;
            exchange.upstream_at_first_byte_us = exchange.upstream_us + timer.elapsed();
        }
        return !relay->cancel_flag().load();
    };
    options.on_chunk = &on_chunk;
    auto answer = transport.send(request, options);
    timer.stop();
    Error error;
    if (!answer) error = answer.error();
    else if (answer->status / 100 != 2) error = adapter.decode_error(answer->status, answer->body, answer->headers);
    else if (!decoder->done())
        error = make_error(ErrorCode::upstream_error, "the upstream stream was cut before its end", true);
    else {
        std::string rest = aligner.rest();
        relay->write(strip_usage ? without_usage_chunk(rest, kept) : std::string_view(rest));
        if (!relay->committed()) relay->commit();
        return AttemptOutcome{.usage = partial};
    }
    if (relay->committed()) {
        aligner.rest(); // a torn event is dropped; the error frame replaces it
        relay->write(client.stream_failure(error, target.model->id));
    }
    return std::unexpected(error);
}

Result<AttemptOutcome> translate(Exchange& exchange, const upstream::Transport& transport,
                                 const routing::Candidate& target,
                                 const providers::Endpoint& endpoint, StreamRelay* relay,
                                 catalog::Usage& partial, const std::atomic<bool>* cancel) {
    const std::string& model = target.model->id;
    const auto& client_side = providers::client_adapter(exchange.api);
    providers::ChatResponse so_far;
    providers::CallOptions options{.timeouts = timeouts_for(exchange), .cancel = cancel, .transport = &transport, .partial = &so_far};
    if (endpoint.format == WireFormat::anthropic) options.extra_headers = exchange.forward_headers;
    options.extra_headers.insert(options.extra_headers.end(), exchange.trace.upstream_headers.begin(),
                                 exchange.trace.upstream_headers.end());
    const std::string& model_id = target.offering->provider_model_id;

    if (!relay) {
        UpstreamTimer timer(exchange);
        auto answer = providers::call(endpoint, exchange.chat, model_id, options, nullptr);
        timer.stop();
        if (!answer) return std::unexpected(answer.error());
        if (exchange.keep_text) exchange.answer_text = answer->text;
        json out = client_side.encode_client_response(*answer, model);
        return AttemptOutcome{.body = out.dump(-1, ' ', false, json::error_handler_t::replace), .usage = answer->usage};
    }

    auto encoder = client_side.stream_encoder(model);
    UpstreamTimer timer(exchange);
    providers::StreamCallback on_event = [&](const providers::StreamEvent& event) {
        if (event.kind == providers::StreamEvent::Kind::error) return true; // call() fails right after
        if (event.kind == providers::StreamEvent::Kind::usage) partial.merge(event.usage);
        if (exchange.keep_text && event.kind == providers::StreamEvent::Kind::text_delta) exchange.answer_text += event.text;
        relay->write(encoder->encode(event));
        if (event.kind != providers::StreamEvent::Kind::start && !relay->committed()) {
            relay->commit();
            exchange.ttfb_us = core::monotonic_us() - exchange.started_us;
            exchange.upstream_at_first_byte_us = exchange.upstream_us + timer.elapsed();
        }
        return !relay->cancel_flag().load();
    };
    auto answer = providers::call(endpoint, exchange.chat, model_id, options, &on_event);
    timer.stop();
    if (answer) {
        const bool strip_usage = exchange.api == ApiKind::chat_completions && !exchange.usage_chunk_asked;
        std::string finished = encoder->finish(), kept;
        relay->write(strip_usage ? without_usage_chunk(finished, kept) : std::string_view(finished));
        if (!relay->committed()) relay->commit();
        return AttemptOutcome{.usage = answer->usage};
    }
    partial.merge(so_far.usage);
    if (relay->committed()) relay->write(encoder->fail(answer.error()));
    return std::unexpected(answer.error());
}

} // namespace

bool passes_through(ApiKind api, const providers::Endpoint& endpoint) {
    return providers::client_adapter(api).passes_to(endpoint);
}

providers::WireFormat client_format(ApiKind api) { return providers::client_adapter(api).format(); }

std::string stream_failure_frame(ApiKind api, std::string_view model, const Error& error) {
    return providers::client_adapter(api).stream_failure(error, model);
}

Result<AttemptOutcome> attempt(Exchange& exchange, const upstream::Transport& transport, const routing::Candidate& target,
                               const providers::Endpoint& endpoint, StreamRelay* relay,
                               catalog::Usage& partial_usage, const std::atomic<bool>* cancel) {
    exchange.answer_text.clear(); // the log keeps what the answering attempt said
    // A named model asked for more output than it can give: capped to its
    // maximum (the router left it in the plan for that reason, with a note).
    exchange.chat.max_tokens = exchange.max_tokens_asked;
    if (exchange.max_tokens_asked && target.model->max_output > 0)
        exchange.chat.max_tokens = std::min(*exchange.max_tokens_asked, target.model->max_output);
    // [governance] fit_to_budget lowered it so that the worst case fits.
    if (exchange.budget_max_tokens)
        exchange.chat.max_tokens = std::min(exchange.chat.max_tokens.value_or(INT64_MAX), *exchange.budget_max_tokens);
    if (passes_through(exchange.api, endpoint))
        return passthrough(exchange, transport, target, endpoint, relay, partial_usage, cancel);
    return translate(exchange, transport, target, endpoint, relay, partial_usage, cancel);
}

} // namespace megarouter::proxy
