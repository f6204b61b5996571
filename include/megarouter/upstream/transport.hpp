// How megarouter reaches an upstream: one call, one answer. The proxy and
// the providers' call() receive a Transport instead of reaching for a global
// client, so the filter chain can be unit-tested with a fake one
// (tests/unit/proxy/fake_transport.hpp). UpstreamClient (client.hpp) is the
// real one: plain http:// spoken by megarouter itself, libcurl for the rest.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
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

class Transport {
public:
    virtual ~Transport() = default;

    // Sends one request and returns the status, headers and (buffered) body,
    // whatever the status. Fails only when no complete answer arrived:
    // upstream_timeout (connect / first byte / idle / total, retryable),
    // upstream_unavailable (refused, reset, DNS, TLS, retryable), cancelled
    // (callback returned false or `cancel` set), payload_too_large.
    // Implementations are thread-safe.
    virtual Result<HttpResponse> send(const HttpRequest& request, const SendOptions& options) const = 0;
};

} // namespace megarouter::upstream
