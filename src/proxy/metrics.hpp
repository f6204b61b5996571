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
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/catalog/model.hpp"

namespace megarouter::proxy {

// Bucket bounds of every latency histogram, in seconds: 50 us to 60 s.
inline constexpr std::array<double, 19> k_latency_buckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                             0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
                                                             2.5,     5,      10,      30,     60};

struct Histogram {
    std::array<std::uint64_t, k_latency_buckets.size()> buckets{}; // not cumulative; summed at exposition
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
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
};

// Facts read at scrape time, outside the registry.
struct ScrapeFacts {
    int in_flight = 0;
    struct Deployment {
        std::string key;        // "provider/model"
        bool ejected = false;
        double error_rate = 0;  // EWMA
    };
    std::vector<Deployment> deployments;
    std::size_t ledger_backlog = 0; // rows queued, not yet committed
    struct Budget {
        std::string scope_kind, scope, period;
        double usage_ratio = 0; // used / amount
        int block_pct = 100;
    };
    std::vector<Budget> budgets;
};

class Metrics {
public:
    void record(const RequestSample& sample);
    // The Prometheus text exposition format (version 0.0.4).
    std::string exposition(const ScrapeFacts& facts) const;

private:
    struct Spend {
        std::uint64_t input = 0, cached = 0, cache_write = 0, output = 0, reasoning = 0;
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
};

} // namespace megarouter::proxy
