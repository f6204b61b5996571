// Benchmark: what counting one finished request costs the proxy
// (Metrics::record: requests, tokens, cost, five histograms, one failed
// attempt in 50, per-key series on), on one thread
// and on two contending ones, over 60 label sets (3 endpoints x 20
// deployments). Target (issue 16): under 2 us per request.
// Run: ninja -C build bench_metrics_bench && build/bench_metrics_bench
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "proxy/metrics.hpp"

using namespace megarouter;

int main() {
    std::vector<std::string> models, providers = {"openai", "anthropic", "google", "groq"};
    for (int i = 0; i < 20; ++i) models.push_back("model-" + std::to_string(i));
    const char* endpoints[] = {"/v1/chat/completions", "/v1/messages", "/v1/responses"};
    std::vector<std::string> keys;
    for (int i = 0; i < 10; ++i) keys.push_back("key_" + std::to_string(i));
    auto run = [&](proxy::Metrics& metrics, int count, int seed) {
        metrics.set_per_key(true);
        for (int i = 0; i < count; ++i) {
            int k = (i * 7 + seed) % 60;
            proxy::RequestSample s{.endpoint = endpoints[k % 3],
                                   .model = models[k % 20],
                                   .provider = providers[k % 4],
                                   .mode = "balanced",
                                   .status = i % 50 == 0 ? 429 : 200,
                                   .duration_s = 0.2 + (i % 100) * 0.01,
                                   .overhead_s = 0.0003,
                                   .ttft_s = i % 2 ? 0.15 : 0,
                                   .cost_usd = 0.0001,
                                   .error = i % 50 == 0 ? "rate_limited" : ""};
            s.usage.input = 1000;
            s.usage.output = 200;
            if (i % 50 == 1) s.failed_attempts.push_back({providers[(k + 1) % 4], "upstream_unavailable"});
            s.key_id = keys[k % 10];
            metrics.record(s);
        }
    };
    const int n = 1'000'000;
    {
        proxy::Metrics metrics;
        run(metrics, 10'000, 0); // warm: every series exists
        auto start = std::chrono::steady_clock::now();
        run(metrics, n, 1);
        double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / n;
        std::printf("record(), 1 thread:  %.0f ns per request (%d requests, 60 label sets)\n", ns, n);
    }
    {
        proxy::Metrics metrics;
        run(metrics, 10'000, 0);
        auto start = std::chrono::steady_clock::now();
        std::thread other([&] { run(metrics, n, 2); });
        run(metrics, n, 3);
        other.join();
        double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / n;
        std::printf("record(), 2 threads: %.0f ns per request per thread (wall / requests per thread)\n", ns);
    }
    proxy::Metrics metrics;
    run(metrics, 10'000, 0);
    auto start = std::chrono::steady_clock::now();
    std::string text = metrics.exposition({});
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    std::printf("exposition(): %.0f us, %zu bytes\n", us, text.size());
}
