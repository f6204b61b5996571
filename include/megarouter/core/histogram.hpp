// Fixed-bucket histograms: the latency one every Prometheus histogram of
// megarouter uses (50 us to 60 s), shared by the proxy's metrics and the
// ledger writer's commit timings, and any other set of bounds (the proxy's
// token-count histogram). Not thread-safe: owners lock.
#pragma once

#include <array>
#include <cstdint>

namespace megarouter::core {

// Bucket upper bounds in seconds.
inline constexpr std::array<double, 19> k_latency_buckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                             0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
                                                             2.5,     5,      10,      30,     60};

// Counts per bucket of `Bounds` (upper bounds, ascending; above the last:
// counted only in `count`).
template <const auto& Bounds>
struct BucketHistogram {
    static constexpr const auto& bounds = Bounds;
    std::array<std::uint64_t, Bounds.size()> buckets{}; // not cumulative; summed at exposition
    std::uint64_t count = 0;
    double sum = 0;

    void observe(double value) {
        ++count;
        sum += value;
        for (std::size_t i = 0; i < Bounds.size(); ++i)
            if (value <= Bounds[i]) {
                ++buckets[i];
                return;
            }
    }
    void add(const BucketHistogram& other) {
        for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
        count += other.count;
        sum += other.sum;
    }
};

using Histogram = BucketHistogram<k_latency_buckets>;

} // namespace megarouter::core
