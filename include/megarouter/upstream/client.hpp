// The upstream HTTP client, with per-call timeouts and streaming bodies
// delivered chunk by chunk. Two paths behind one send():
//   - plain http:// upstreams (local model servers, sidecars, the mock):
//     megarouter speaks keep-alive HTTP/1.1 itself (upstream/plain_http.cpp)
//     over sockets that stay registered with the event loop while pooled;
//   - https://, an http_proxy in the environment, and MEGAROUTER_UPSTREAM=curl:
//     libcurl (TLS verification on, HTTP/2 where offered, HTTPS_PROXY /
//     NO_PROXY), one multi handle per call slot whose sockets and timer are
//     registered with the loop.
// Called from a fiber of an event loop, send() parks that fiber while it
// waits, so the loop serves other connections; called elsewhere (the CLI)
// it blocks the thread (curl_multi_poll). One UpstreamClient is shared by
// every loop; connections are pooled per loop thread, so reuse takes no lock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "megarouter/core/error.hpp"
#include "megarouter/upstream/http.hpp"

namespace megarouter::upstream {

// Deadlines of one call, in milliseconds; 0 = no limit.
struct Timeouts {
    int connect_ms = 10'000;     // TCP + TLS handshake
    int first_byte_ms = 300'000; // from sending to the first response byte
    int idle_ms = 300'000;       // longest silence between body bytes
    int total_ms = 600'000;      // the whole exchange
};

// Receives a 2xx response's body bytes as they arrive. Return false to stop
// (the call then fails with cancelled).
using ChunkCallback = std::function<bool(std::string_view bytes)>;

struct SendOptions {
    Timeouts timeouts;
    // Called with body bytes of a 2xx answer as they arrive; the response's
    // body is then left empty. Non-2xx bodies are always buffered (for
    // decode_error). nullptr: buffer everything.
    const ChunkCallback* on_chunk = nullptr;
    // Set when the downstream client is gone; the call stops and fails with
    // cancelled within ~100 ms while waiting for the answer, within a second
    // once a plain-http answer streams (its relay sees a gone client on its
    // next write). May be nullptr.
    const std::atomic<bool>* cancel = nullptr;
    std::size_t max_response_bytes = 64 * 1024 * 1024; // buffered bodies only
};

class UpstreamClient {
public:
    UpstreamClient();
    ~UpstreamClient();
    UpstreamClient(const UpstreamClient&) = delete;
    UpstreamClient& operator=(const UpstreamClient&) = delete;

    // Sends one request and returns the status, headers and (buffered) body,
    // whatever the status. Fails only when no complete answer arrived:
    // upstream_timeout (connect / first byte / idle / total, retryable),
    // upstream_unavailable (refused, reset, DNS, TLS, retryable), cancelled
    // (callback returned false or `cancel` set), payload_too_large. Error
    // messages name the host, never headers or the query string.
    // Thread-safe: many calls may run at once; connections are reused.
    Result<HttpResponse> send(const HttpRequest& request, const SendOptions& options) const;

    // The process-wide client (created on first use). Thread-safe.
    static UpstreamClient& shared();
};

} // namespace megarouter::upstream
