// How well a "needs the strong model" score orders prompts, measured on
// labelled outcomes (for each prompt: how a weak and a strong model did).
// The figures of the RouteLLM paper (arXiv:2406.18665): route the top x% of
// prompts by score to the strong model, the rest to the weak one, and see
// how much of the weak-to-strong quality gap that recovers.
//
// Pure and deterministic: prompts with equal scores are one group whose gain
// is shared evenly (the expectation over every order of the tie), so a score
// that cannot tell prompts apart gets exactly the random router's 0.5.
#pragma once

#include <optional>
#include <vector>

namespace megarouter::routing {

struct EvalPoint {
    double score = 0;  // the router's "needs strong" score; higher = more likely strong
    double weak = 0;   // the weak model's quality on this prompt
    double strong = 0; // the strong model's quality on this prompt
};

struct EvalResult {
    std::size_t prompts = 0;
    double weak_quality = 0;   // mean quality, every prompt to the weak model
    double strong_quality = 0; // mean quality, every prompt to the strong model
    // Average performance-gap recovered over every share of strong calls in
    // [0, 1] (0.5 for a random order, 1 for a perfect one when the strong
    // model never loses). Undefined (nullopt) when the strong model is not
    // better on average: there is no gap to recover.
    std::optional<double> apgr;
    // The least share of strong calls that recovers 50% / 80% of the gap.
    std::optional<double> cpt50, cpt80;
    // The least share of strong calls whose mean quality reaches 95% of the
    // strong model's, and the cost saved there against sending every prompt
    // to the strong model, for a strong/weak cost ratio.
    std::optional<double> share_at_95;
    std::optional<double> cost_saved_at_95;
};

// `cost_ratio`: what one strong call costs in weak calls (> 1).
EvalResult evaluate(std::vector<EvalPoint> points, double cost_ratio);

} // namespace megarouter::routing
