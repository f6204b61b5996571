// The proxy's Prometheus metrics: what every finished request adds, and the
// text exposition of GET /metrics. Cardinality is bounded by design: labels
// are the endpoint, the catalog model and provider, the mode and the status
// class (never a key, a user or anything from a prompt), so the series are at
// most endpoints x deployments x modes x 5.
//
// Thread-safe: record() takes its thread's shard mutex for a few map lookups
// and adds (bench/metrics_bench.cpp measures it); exposition() merges shards.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/histogram.hpp"

namespace megarouter::proxy {

using core::Histogram;
using core::k_latency_buckets;

// Bucket bounds of gen_ai_client_token_usage, in tokens (OpenTelemetry's
// advice for gen_ai.client.token.usage): 1 to 4^13.
inline constexpr std::array<double, 14> k_token_buckets = {1,     4,      16,      64,      256,      1024,    4096,
                                                           16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
using TokenHistogram = core::BucketHistogram<k_token_buckets>;

// An upstream attempt that failed: which provider, and why (ErrorCode name).
struct FailedAttempt {
    std::string_view provider;
    std::string_view reason;
};

// What one finished request adds.
struct RequestSample {
    std::string_view endpoint;  // "/v1/chat/completions", ...
    std::string_view model;     // "" when no model answered
    std::string_view provider;
    std::string_view mode;
    int status = 0;
    double duration_s = 0;
    double overhead_s = 0;
    double ttft_s = 0;          // streams that sent a first byte; 0 = none
    catalog::Usage usage;
    double cost_usd = 0;
    bool fallback = false;      // answered by another deployment than the first tried
    std::string_view error;     // ErrorCode name, "" on success
    std::string_view operation = "chat"; // gen_ai.operation.name
    std::vector<FailedAttempt> failed_attempts;
    std::string_view key_id;    // counted apart only with per_key_metrics
};

// Facts read at scrape time, outside the registry.
struct ScrapeFacts {
    int in_flight = 0;
    std::size_t open_connections = 0;
    int streams = 0;
    struct Deployment {
        std::string key;        // "provider/model"
        bool ejected = false;
        double error_rate = 0;  // EWMA
    };
    std::vector<Deployment> deployments;
    std::size_t ledger_backlog = 0; // rows queued, not yet committed
    std::uint64_t ledger_commits = 0, ledger_commit_failures = 0, ledger_rows = 0;
    std::uint64_t ledger_spooled = 0; // rows in the local spool, waiting for the store
    std::uint64_t ledger_rejected = 0; // spooled rows the store refused on their own, set aside
    std::uint64_t lease_claims = 0;   // budget lease writes (PostgreSQL)
    Histogram ledger_commit_seconds;
    std::int64_t outbox_backlog = 0; // webhook deliveries pending
    struct Budget {
        std::string scope_kind, scope, period;
        double usage_ratio = 0; // used / amount
        int alert_pct = 80, downgrade_pct = 90, block_pct = 100; // 0 = off
    };
    std::vector<Budget> budgets;
    bool tracing = false;
    std::uint64_t spans_exported = 0, spans_dropped_full = 0, spans_dropped_failed = 0;
    std::size_t spans_queued = 0;
};

class Metrics {
public:
    // [telemetry] per_key_metrics: requests and cost by key id as well (one
    // series per key that made a request: unbounded by design, so off by default).
    void set_per_key(bool on) { m_per_key.store(on, std::memory_order_relaxed); }
    void record(const RequestSample& sample);
    // The Prometheus text exposition format (version 0.0.4).
    std::string exposition(const ScrapeFacts& facts) const;

private:
    struct Spend {
        std::uint64_t input = 0, cached = 0, cache_write = 0, output = 0, reasoning = 0;
        double cost_usd = 0;
    };
    struct PerKey {
        std::uint64_t requests = 0;
        double cost_usd = 0;
    };
    // Keys are label values joined by '\x1f', which no label value holds.
    struct Series {
        std::map<std::string, std::uint64_t, std::less<>> requests; // endpoint, model, provider, mode, status class
        std::map<std::string, Spend, std::less<>> spend;            // model, provider
        std::map<std::string, Histogram, std::less<>> duration, overhead; // endpoint
        std::map<std::string, Histogram, std::less<>> ttft;          // provider
        std::map<std::string, std::uint64_t, std::less<>> fallbacks; // endpoint
        std::map<std::string, std::uint64_t, std::less<>> refusals;  // reason
        std::map<std::string, std::uint64_t, std::less<>> attempt_failures; // provider, reason
        std::map<std::string, Histogram, std::less<>> operation;     // operation, provider, model
        std::map<std::string, TokenHistogram, std::less<>> token_usage; // operation, provider, model, token type
        std::map<std::string, PerKey, std::less<>> keys;             // key id (per_key_metrics)
        void merge(const Series& other);
    };
    // Each thread records into the shard of its id, so loop threads rarely
    // wait on each other; a scrape merges the shards.
    struct alignas(64) Shard {
        std::mutex mutex;
        Series series;
    };
    static constexpr std::size_t k_shards = 8;
    mutable std::array<Shard, k_shards> m_shards;
    std::atomic<bool> m_per_key{false};
};

} // namespace megarouter::proxy
