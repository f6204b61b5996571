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
#include "megarouter/upstream/transport.hpp"

namespace megarouter::upstream {

class UpstreamClient final : public Transport {
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
    Result<HttpResponse> send(const HttpRequest& request, const SendOptions& options) const override;

    // The process-wide client (created on first use). Thread-safe. The
    // proxy receives it as its Transport; tests give the proxy a fake.
    static UpstreamClient& shared();
};

} // namespace megarouter::upstream
