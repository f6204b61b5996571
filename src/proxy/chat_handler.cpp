// Chat-like requests: run the chain in the connection's fiber for plain
// answers; for streams, run the upstream side in a fiber of its own and relay
// its bytes from this one, so the status line can still say what went wrong
// as long as no byte has been sent.
#include <cstdio>

#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "proxy/handlers.hpp"
#include "megarouter/core/ids.hpp"

namespace megarouter::proxy {
namespace {

// Counts a request against max_concurrent for as long as it lives.
class InFlight {
public:
    explicit InFlight(std::atomic<int>& counter) : m_counter(&counter) { counter.fetch_add(1); }
    ~InFlight() { if (m_counter) m_counter->fetch_sub(1); }
    InFlight(InFlight&& other) noexcept : m_counter(std::exchange(other.m_counter, nullptr)) {}
    InFlight(const InFlight&) = delete;

private:
    std::atomic<int>* m_counter;
};

Result<void> prepare(Exchange& exchange, Shared& shared, const http::Request& request) {
    exchange.trace.governance.begin_us = core::monotonic_us();
    auto authenticated = authenticate(exchange, shared, request);
    exchange.trace.governance.end_us = core::monotonic_us();
    if (!authenticated) return authenticated;
    if (auto r = decode_request(exchange, request); !r) return r;
    return route(exchange, shared);
}

// A stream's wait for its first byte and for the end of its bytes ends this
// long after the request's deadline: the upstream call times out at the
// deadline itself and reports why; this is the backstop when it does not.
constexpr std::int64_t k_relay_grace_us = 2'000'000;

// The chain's upstream calls, with an exception that escapes them (a bug)
// turned into an internal error, so the reservation is still settled, the
// ledger row written and a committed stream ended with an error event.
Result<void> call_upstream(Exchange& exchange, Shared& shared, StreamRelay* relay) {
    std::string what;
    try {
        return call_with_failover(exchange, shared, relay);
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    std::fprintf(stderr, "megarouter: internal error in request %s: %s\n", exchange.request_id.c_str(), what.c_str());
    Error error = make_error(ErrorCode::internal, "internal error while calling the upstream");
    if (relay && relay->committed())
        relay->write(stream_failure_frame(exchange.api, exchange.model ? exchange.model->id : exchange.chat.model, error));
    return fail(error);
}

void answer_failure(Exchange& exchange, Shared& shared, const Error& error, http::Response& response,
                    const std::string& method) {
    write_error(response, client_format(exchange.api), error, exchange.request_id);
    set_outcome_headers(exchange, response, false);
    exchange.status = response.status;
    exchange.error_code = std::string(to_string(error.code));
    finish(exchange, shared, method);
}

void stream(std::shared_ptr<Exchange> exchange, Shared& shared, InFlight token, http::Response& response,
            const std::string& method) {
    auto relay = std::make_shared<StreamRelay>();
    auto job_token = std::make_shared<InFlight>(std::move(token));
    auto stream_token = std::make_shared<InFlight>(shared.streams); // until both sides are done with it
    bool started = io::Loop::current()->spawn([exchange, relay, &shared, job_token, stream_token, method] {
        StreamRelay::UpstreamScope scope(*relay); // whatever happens below, the handler is not left waiting
        auto result = call_upstream(*exchange, shared, relay.get());
        if (result) {
            exchange->status = 200;
        } else if (relay->committed()) {
            exchange->status = 200;
            exchange->error_code = std::string(to_string(result.error().code));
        } else {
            exchange->status = http_status_for(result.error());
            exchange->error_code = std::string(to_string(result.error().code));
        }
        if (relay->client_gone()) exchange->error_code = "cancelled";
        if (!result && !relay->committed()) relay->fail(result.error());
        relay->close();
        finish(*exchange, shared, method);
    });
    if (!started) { // no stack for the upstream fiber
        Error busy = make_error(ErrorCode::overloaded, "megarouter cannot start more streams now; retry shortly", true);
        busy.retry_after_seconds = 1;
        answer_failure(*exchange, shared, busy, response, method);
        return;
    }
    std::int64_t relay_deadline = exchange->deadline_us + k_relay_grace_us;
    if (relay->wait_decision(relay_deadline) == StreamRelay::Decision::failed) {
        write_error(response, client_format(exchange->api), relay->error(), exchange->request_id);
        set_outcome_headers(*exchange, response, false);
        return;
    }
    set_outcome_headers(*exchange, response, false);
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Accel-Buffering", "no");
    int keepalive_ms = shared.keepalive_ms;
    response.set_chunked_content_provider(
        "text/event-stream",
        [relay, exchange, &shared, keepalive_ms, relay_deadline, stream_token](std::size_t, http::DataSink& sink) {
            auto end = relay->pump(sink, keepalive_ms, shared.abort_streams, relay_deadline);
            if (end == StreamRelay::PumpEnd::client_gone) return false;
            if (end == StreamRelay::PumpEnd::lost) {
                std::string model = exchange->model ? exchange->model->id : exchange->chat.model;
                std::string frame = stream_failure_frame(exchange->api, model, relay->error());
                if (!sink.write(frame.data(), frame.size())) return false;
            }
            sink.done();
            return true;
        },
        [relay](bool success) {
            if (!success) relay->cancel();
        });
}

} // namespace

void handle_chat(Shared& shared, ApiKind api, const http::Request& request, http::Response& response) {
    auto exchange = std::make_shared<Exchange>();
    exchange->api = api;
    exchange->path = request.path;
    exchange->started_us = core::monotonic_us();
    exchange->request_id = core::random_id("req_");
    exchange->snapshot = shared.snapshot();
    const auto& server = exchange->snapshot->config.server;
    exchange->deadline_us = exchange->started_us + std::int64_t{server.request_timeout_s} * 1'000'000;
    // A reload may switch the log off; switching it on takes a restart.
    exchange->log_prompt = server.log_prompts && shared.prompts != nullptr;
    if (exchange->log_prompt) exchange->conversation_id = std::string(request.headers.get("x-claude-code-session-id"));
    begin_trace(exchange->trace, request, shared.tracer ? &shared.tracer->settings() : nullptr);
    exchange->keep_text = exchange->log_prompt ||
                          (exchange->trace.recording && shared.tracer->settings().capture_content);

    InFlight token(shared.in_flight);
    if (shared.in_flight.load() > server.max_concurrent) {
        Error busy = make_error(ErrorCode::overloaded, "megarouter is at its limit of concurrent requests; retry shortly", true);
        busy.retry_after_seconds = 1;
        answer_failure(*exchange, shared, busy, response, request.method);
        return;
    }
    if (auto ready = prepare(*exchange, shared, request); !ready) {
        answer_failure(*exchange, shared, ready.error(), response, request.method);
        return;
    }
    if (exchange->chat.stream) {
        stream(exchange, shared, std::move(token), response, request.method);
        return;
    }
    auto result = call_upstream(*exchange, shared, nullptr);
    if (!result) {
        answer_failure(*exchange, shared, result.error(), response, request.method);
        return;
    }
    exchange->status = 200;
    set_outcome_headers(*exchange, response, true);
    response.set_content(std::move(exchange->body_out), "application/json");
    finish(*exchange, shared, request.method);
}

} // namespace megarouter::proxy
