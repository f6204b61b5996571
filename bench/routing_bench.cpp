// Benchmark: one routing decision over the full built-in catalog (every
// provider configured, so every offering is scored). Target: < 50 us median.
// Run: ninja -C build bench_routing_bench && build/bench_routing_bench
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/clock.hpp"
#include "megarouter/routing/router.hpp"

using namespace megarouter;

namespace {

providers::ChatRequest chat(const std::string& text) {
    providers::ChatRequest request;
    providers::Message message;
    message.content.push_back({providers::ContentPart::Kind::text, text, "", "", ""});
    request.messages.push_back(std::move(message));
    return request;
}

struct Stats {
    double median_us, p90_us, min_us;
};

template <typename Fn>
Stats measure(int iterations, Fn fn) {
    std::vector<double> samples;
    samples.reserve(iterations);
    for (int i = 0; i < 200; ++i) fn(); // warm up
    for (int i = 0; i < iterations; ++i) {
        std::int64_t start = core::monotonic_us();
        fn();
        samples.push_back(static_cast<double>(core::monotonic_us() - start));
    }
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[samples.size() * 9 / 10], samples.front()};
}

} // namespace

int main() {
    const catalog::Catalog& catalog = catalog::Catalog::builtin();
    std::set<std::string> names;
    std::size_t offerings = 0;
    for (const auto& model : catalog.models())
        for (const auto& offering : model.offerings) {
            names.insert(offering.provider);
            ++offerings;
        }
    std::vector<std::string> providers(names.begin(), names.end());
    routing::RoutingConfig config;
    routing::HealthSnapshot health; // a few entries, as the proxy would have
    health.deployments["openai/gpt-4o"] = {.successes = 10, .latency_samples = 10, .ttft_ms = 400, .tokens_per_s = 90};
    health.deployments["anthropic/claude-sonnet-4.5"] = {.successes = 10, .latency_samples = 10, .ttft_ms = 700};
    routing::RoutingContext context{&catalog, providers, &config, &health, 1'780'000'000'000};
    std::printf("catalog: %zu models, %zu offerings, %zu providers\n", catalog.models().size(), offerings,
                providers.size());

    struct Case {
        const char* name;
        const char* model;
        providers::ChatRequest request;
    } cases[] = {
        {"auto, greeting", "auto", chat("Hello, how are you?")},
        {"auto:cost, hard prompt", "auto:cost",
         chat("Design an algorithm for a lock-free hash map, prove its linearizability and give its complexity.")},
        {"auto:latency, code review", "auto:latency",
         chat("Review this code for races:\n```go\nfunc (c *C) Inc() { c.n++ }\nfunc (c *C) Get() int { return c.n }\n```")},
        {"explicit model gpt-4o", "gpt-4o", chat("Summarise this paragraph about the weather.")},
    };
    int failures = 0;
    for (auto& c : cases) {
        routing::RouteRequest route;
        route.model = c.model;
        auto probe = routing::plan(route, c.request, context);
        if (!probe) {
            std::printf("%-28s error: %s\n", c.name, probe.error().message.c_str());
            ++failures;
            continue;
        }
        Stats s = measure(3000, [&] {
            auto plan = routing::plan(route, c.request, context);
            if (!plan) std::abort();
        });
        std::printf("%-28s median %7.1f us  p90 %7.1f us  min %7.1f us  -> %s (%zu candidates, %zu excluded)\n",
                    c.name, s.median_us, s.p90_us, s.min_us, probe->chosen.key().c_str(), probe->candidates.size(),
                    probe->excluded.size());
    }
    Stats analysis = measure(20000, [&] { routing::analyse(cases[1].request, config.analyser); });
    std::printf("%-28s median %7.1f us\n", "analyse() alone", analysis.median_us);
    return failures;
}
