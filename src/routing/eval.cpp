// evaluate(): see eval.hpp.
#include "megarouter/routing/eval.hpp"

#include <algorithm>

namespace megarouter::routing {

namespace {

// The gain (strong - weak) recovered by routing the top k prompts to the
// strong model, for k = 0..n: piecewise linear inside a tie group.
std::vector<double> cumulative_gain(std::vector<EvalPoint>& points) {
    std::stable_sort(points.begin(), points.end(),
                     [](const EvalPoint& a, const EvalPoint& b) { return a.score > b.score; });
    std::vector<double> out(points.size() + 1, 0.0);
    std::size_t i = 0;
    while (i < points.size()) {
        std::size_t j = i;
        double group = 0;
        for (; j < points.size() && points[j].score == points[i].score; ++j) group += points[j].strong - points[j].weak;
        double each = group / static_cast<double>(j - i);
        for (std::size_t k = i; k < j; ++k) out[k + 1] = out[k] + each;
        i = j;
    }
    return out;
}

// The least share x in [0, 1] at which `value(k)` (linear between the
// points k/n) reaches `target`; nullopt when it never does.
template <typename F>
std::optional<double> first_share(std::size_t n, double target, F value) {
    if (value(0) >= target) return 0.0;
    for (std::size_t k = 1; k <= n; ++k) {
        double before = value(k - 1), after = value(k);
        if (after < target) continue;
        double within = after > before ? (target - before) / (after - before) : 1.0;
        return (static_cast<double>(k - 1) + within) / static_cast<double>(n);
    }
    return std::nullopt;
}

} // namespace

EvalResult evaluate(std::vector<EvalPoint> points, double cost_ratio) {
    EvalResult result;
    result.prompts = points.size();
    if (points.empty()) return result;
    const double n = static_cast<double>(points.size());
    double weak_sum = 0, strong_sum = 0;
    for (const EvalPoint& p : points) {
        weak_sum += p.weak;
        strong_sum += p.strong;
    }
    result.weak_quality = weak_sum / n;
    result.strong_quality = strong_sum / n;
    std::vector<double> gain = cumulative_gain(points);
    const double total = gain.back();
    const std::size_t count = points.size();
    auto quality = [&](std::size_t k) { return (weak_sum + gain[k]) / n; };

    if (total > 0) {
        auto recovered = [&](std::size_t k) { return gain[k] / total; };
        // The trapezoid rule over k/n is the exact mean of the piecewise-linear PGR.
        double area = 0;
        for (std::size_t k = 1; k <= count; ++k) area += (recovered(k - 1) + recovered(k)) / 2;
        result.apgr = area / n;
        result.cpt50 = first_share(count, 0.5, recovered);
        result.cpt80 = first_share(count, 0.8, recovered);
    }
    if (result.strong_quality > 0) {
        result.share_at_95 = first_share(count, 0.95 * result.strong_quality - 1e-12, quality);
        if (result.share_at_95 && cost_ratio > 0) {
            double x = *result.share_at_95;
            double routed = x * cost_ratio + (1 - x); // in weak-call units, per prompt
            result.cost_saved_at_95 = 1 - routed / cost_ratio;
        }
    }
    return result;
}

} // namespace megarouter::routing
