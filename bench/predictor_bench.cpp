// The difficulty predictor's cost: loading the built-in model (once per
// process), and features + prediction per request for prompts of several
// sizes, the way the router runs them (analyse() first, not timed here).
// Target (issue 14): inference under 50 microseconds.
// Usage: bench_predictor_bench [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/difficulty.hpp"
#include "routing/difficulty_embedded.hpp"

using namespace megarouter;
using Clock = std::chrono::steady_clock;

namespace {

double us_since(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

providers::ChatRequest request_of(const std::string& text) {
    providers::ChatRequest request;
    providers::Message message;
    message.content.push_back({providers::ContentPart::Kind::text, text, "", "", ""});
    request.messages.push_back(std::move(message));
    return request;
}

} // namespace

int main(int argc, char** argv) {
    int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
    std::vector<double> loads;
    for (int i = 0; i < 20; ++i) {
        auto start = Clock::now();
        auto model = routing::parse_difficulty_model(routing::embedded_router_model(), "builtin");
        loads.push_back(us_since(start));
        if (!model) {
            std::fprintf(stderr, "built-in model unreadable: %s\n", model.error().message.c_str());
            return 1;
        }
    }
    std::sort(loads.begin(), loads.end());
    std::printf("load built-in model (%zu bytes): median %.0f us\n", routing::embedded_router_model().size(),
                loads[loads.size() / 2]);

    auto model = routing::builtin_difficulty_model();
    std::string sentence = "Explain how the scheduler decides which task runs next, and why it matters for latency. ";
    struct Case {
        const char* name;
        std::string text;
    };
    std::vector<Case> cases = {{"greeting (2 words)", "Hello there"},
                               {"question (~15 words)", "Prove that the square root of 2 is irrational, step by step."},
                               {"paragraph (~150 words)", ""},
                               {"long prompt (~3,000 words)", ""},
                               {"very long prompt (~30,000 words)", ""}};
    for (int i = 0; i < 10; ++i) cases[2].text += sentence;
    for (int i = 0; i < 200; ++i) cases[3].text += sentence;
    for (int i = 0; i < 2000; ++i) cases[4].text += sentence;
    routing::AnalyserSettings settings;
    for (const Case& c : cases) {
        providers::ChatRequest request = request_of(c.text);
        routing::Analysis analysis = routing::analyse(request, settings);
        int runs = c.text.size() > 100'000 ? std::max(1, iterations / 100) : iterations;
        std::vector<double> samples;
        samples.reserve(static_cast<std::size_t>(runs));
        double sink = 0;
        for (int i = 0; i < runs; ++i) {
            auto start = Clock::now();
            sink += model->predict(routing::difficulty_features(request, analysis));
            samples.push_back(us_since(start));
        }
        std::sort(samples.begin(), samples.end());
        std::printf("%-34s features + predict: median %.2f us, p99 %.2f us (p = %.3f)\n", c.name,
                    samples[samples.size() / 2], samples[samples.size() * 99 / 100], sink / runs);
    }
    return 0;
}
