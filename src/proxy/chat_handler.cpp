// Chat-like requests: run the chain in the connection's fiber for plain
// answers; for streams, run the upstream side in a fiber of its own and relay
// its bytes from this one, so the status line can still say what went wrong
// as long as no byte has been sent.
#include "megarouter/core/clock.hpp"
#include "megarouter/io/loop.hpp"
#include "proxy/handlers.hpp"
#include "proxy/ids.hpp"

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

Result<void> prepare(Exchange& exchange, Shared& shared, const httplib::Request& request) {
    if (auto r = authenticate(exchange, shared, request); !r) return r;
    if (auto r = decode_request(exchange, request); !r) return r;
    return route(exchange, shared);
}

void answer_failure(Exchange& exchange, Shared& shared, const Error& error, httplib::Response& response,
                    const std::string& method) {
    write_error(response, client_format(exchange.api), error, exchange.request_id);
    set_outcome_headers(exchange, response, false);
    exchange.status = response.status;
    exchange.error_code = std::string(to_string(error.code));
    finish(exchange, shared, method);
}

void stream(std::shared_ptr<Exchange> exchange, Shared& shared, InFlight token, httplib::Response& response,
            const std::string& method) {
    auto relay = std::make_shared<StreamRelay>();
    auto job_token = std::make_shared<InFlight>(std::move(token));
    bool started = io::Loop::current()->spawn([exchange, relay, &shared, job_token, method] {
        auto result = call_with_failover(*exchange, shared, relay.get());
        if (result) {
            exchange->status = 200;
        } else if (relay->committed()) {
            exchange->status = 200;
            exchange->error_code = std::string(to_string(result.error().code));
        } else {
            exchange->status = providers::http_status_for(result.error());
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
    if (relay->wait_decision() == StreamRelay::Decision::failed) {
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
        [relay, &shared, keepalive_ms](std::size_t, httplib::DataSink& sink) {
            if (!relay->pump(sink, keepalive_ms, shared.abort_streams)) return false;
            sink.done();
            return true;
        },
        [relay](bool success) {
            if (!success) relay->cancel();
        });
}

} // namespace

void handle_chat(Shared& shared, ApiKind api, const httplib::Request& request, httplib::Response& response) {
    auto exchange = std::make_shared<Exchange>();
    exchange->api = api;
    exchange->path = request.path;
    exchange->started_us = core::monotonic_us();
    exchange->request_id = random_id("req_");
    exchange->snapshot = shared.snapshot();
    const auto& server = exchange->snapshot->config.server;
    exchange->deadline_us = exchange->started_us + std::int64_t{server.request_timeout_s} * 1'000'000;
    // A reload may switch the log off; switching it on takes a restart.
    exchange->keep_text = server.log_prompts && shared.prompts != nullptr;
    if (exchange->keep_text) exchange->conversation_id = request.get_header_value("x-claude-code-session-id");

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
    auto result = call_with_failover(*exchange, shared, nullptr);
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
