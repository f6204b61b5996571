// What the proxy's handlers share. A Snapshot holds everything derived from
// the config (catalog, routing config, resolved provider endpoints) and is
// immutable: SIGHUP builds a new one and swaps the pointer, so requests in
// flight keep the snapshot they started with. Shared holds what lives as long
// as the server: health, the governance gate, the access log, counters.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/core/paths.hpp"
#include "megarouter/providers/registry.hpp"
#include "proxy/metrics.hpp"
#include "megarouter/proxy/access_log.hpp"
#include "megarouter/routing/health.hpp"
#include "megarouter/routing/routing_config.hpp"
#include "proxy/governance_seam.hpp"
#include "proxy/prompt_recorder.hpp"
#include "megarouter/telemetry/exporter.hpp"
#include "megarouter/upstream/transport.hpp"

namespace megarouter::proxy {

struct Snapshot {
    core::Config config;
    catalog::Catalog catalog;
    routing::RoutingConfig routing;
    std::vector<std::string> providers;                 // configured, with credentials
    std::map<std::string, providers::Endpoint> endpoints; // by provider name
    // What savings are measured against when the caller did not name a model:
    // [routing] baseline_model (default gpt-5); points into `catalog`.
    const catalog::Model* baseline_model = nullptr;
};

// Builds a snapshot from a config. Fails with config (catalog or routing
// sections invalid, or a baseline_model the catalog does not know).
Result<std::shared_ptr<const Snapshot>> build_snapshot(core::Config config, const core::Paths& paths,
                                                       const core::EnvLookup& env);

struct Shared {
    // How upstreams are reached: UpstreamClient::shared(), or a fake in tests. Never null.
    const upstream::Transport* transport = nullptr;
    core::Paths paths;
    core::EnvLookup env;
    std::unique_ptr<routing::HealthTracker> health;
    std::unique_ptr<Governance> governance;  // never null (a pass-through when keys are off)
    std::unique_ptr<AccessLog> access_log;
    std::unique_ptr<PromptRecorder> prompts;  // null unless [server] log_prompts was on at start
    std::atomic<int> in_flight{0};
    std::atomic<int> streams{0};              // streamed answers being relayed
    std::function<std::size_t()> open_connections; // the listener's count (set once serving is set up)
    std::atomic<bool> abort_streams{false};   // shutdown grace is over
    std::atomic<bool> draining{false};        // SIGTERM came: /health/ready answers 503
    Metrics metrics;                          // GET /metrics
    // OTLP traces; null unless an endpoint was configured at start.
    std::unique_ptr<telemetry::SpanExporter> tracer;
    int keepalive_ms = 15'000;                // SSE comment after this much silence

    std::shared_ptr<const Snapshot> snapshot() const {
        std::lock_guard lock(m_snapshot_mutex);
        return m_snapshot;
    }
    void set_snapshot(std::shared_ptr<const Snapshot> next) {
        std::lock_guard lock(m_snapshot_mutex);
        m_snapshot = std::move(next);
    }

private:
    mutable std::mutex m_snapshot_mutex;
    std::shared_ptr<const Snapshot> m_snapshot;
};

} // namespace megarouter::proxy
