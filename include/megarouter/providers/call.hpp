// One chat call to one upstream deployment: encode with the endpoint's
// adapter, send with the upstream client, decode (streamed or not) into a
// complete ChatResponse with usage. Retry and failover across deployments
// belong to the caller (proxy / CLI), which reads Error::retryable.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/providers/registry.hpp"
#include "megarouter/upstream/client.hpp"

namespace megarouter::providers {

// Receives each canonical event of a streamed answer as it is decoded.
// Return false to stop the call (it then fails with cancelled; what arrived
// so far is in CallOptions::partial).
using StreamCallback = std::function<bool(const StreamEvent& event)>;

struct CallOptions {
    upstream::Timeouts timeouts;
    const std::atomic<bool>* cancel = nullptr; // set when the downstream client is gone
    // Added to the adapter's headers; one with the same name (e.g.
    // anthropic-version, anthropic-beta) replaces the adapter's.
    upstream::Headers extra_headers;
    const upstream::Transport* transport = nullptr; // nullptr: UpstreamClient::shared()
    // Filled with what arrived before a streamed call failed (text, tool
    // calls, usage so far). May be nullptr.
    ChatResponse* partial = nullptr;
};

// Calls `endpoint` with `request` as `provider_model_id`. With `on_event`
// the request is streamed and every event is passed on as it arrives; the
// returned response is still the assembled whole, including usage. A stream
// that ends without its terminal event fails with upstream_error
// (retryable) "stream cut". Errors are classified by the adapter's
// decode_error. Thread-safe.
Result<ChatResponse> call(const Endpoint& endpoint, const ChatRequest& request, std::string_view provider_model_id,
                          const CallOptions& options, const StreamCallback* on_event);

// Folds stream events into a ChatResponse (used by call(); exposed for the
// proxy, which may assemble what it relays).
class ResponseAssembler {
public:
    void add(const StreamEvent& event);
    const ChatResponse& response() const { return m_response; }
    ChatResponse take() { return std::move(m_response); }

private:
    ChatResponse m_response;
};

} // namespace megarouter::providers
