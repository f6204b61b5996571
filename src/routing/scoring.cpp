// The four modes. Each candidate gets four components in 0..1 (higher is
// better); a mode orders candidates by its own criterion and breaks ties the
// same way every time: cheaper first, then "provider/model" alphabetically.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <cmath>

#include "routing/router_internal.hpp"

namespace megarouter::routing {

namespace {

using catalog::Tier;

// How well a model's tier fits the required tier: exact fit 0.7, each tier
// above +0.1 (more headroom: frontier for light work is 1.0), each tier below
// -0.25 (only reachable for explicit models and relaxed tiers).
double tier_fit(Tier model, Tier required) {
    int gap = static_cast<int>(model) - static_cast<int>(required);
    if (gap >= 0) return std::min(1.0, 0.7 + 0.1 * gap);
    return std::max(0.0, 0.7 + 0.25 * gap);
}

// The tier fit, nudged by the model's public figure for this kind of work
// (else its overall one): by up to +-0.05 on an easy request, +-0.2 on a hard
// one (difficulty 0.5: +-0.125).
double quality_of(const catalog::Model& model, const QualityBasis& basis) {
    double fit = tier_fit(model.tier, basis.required);
    std::optional<double> figure = model.quality;
    if (!basis.category.empty() && !model.quality_by_category.empty())
        if (auto it = model.quality_by_category.find(basis.category); it != model.quality_by_category.end())
            figure = it->second.value;
    if (figure) fit += (*figure / 100.0 - 0.5) * (0.1 + 0.3 * std::clamp(basis.difficulty, 0.0, 1.0));
    return std::clamp(fit, 0.0, 1.0);
}

// log2 from the exponent plus a linear mantissa: continuous, monotonic and
// within 0.09 of the true value, at a fraction of std::log's cost (it runs
// twice per candidate on every request).
double fast_log2(double value) {
    value = std::max(value, 1.0);
    std::uint64_t bits = std::bit_cast<std::uint64_t>(value);
    int biased = static_cast<int>(bits >> 52) & 0x7ff;
    if (biased == 0x7ff || value != value) { // inf or NaN: as frexp has it
        int exponent = 0;
        double mantissa = std::frexp(value, &exponent);
        return exponent - 1 + (2 * mantissa - 1);
    }
    // value >= 1 is normal: frexp's mantissa is the same bits with the
    // exponent field of [0.5, 1), and its exponent is biased - 1022.
    double mantissa = std::bit_cast<double>((bits & 0x000f'ffff'ffff'ffffULL) | 0x3fe0'0000'0000'0000ULL);
    int exponent = biased - 1022;
    return exponent - 1 + (2 * mantissa - 1);
}

// Log-scaled min-max: the cheapest/fastest gets 1, the dearest/slowest 0.
struct LogRange {
    double low = 1e300, high = -1e300;
    void add(double log_value) {
        low = std::min(low, log_value);
        high = std::max(high, log_value);
    }
    double score(double log_value) const {
        if (high - low < 1e-9) return 1.0;
        return (high - log_value) / (high - low);
    }
};

double health_factor(HealthState state) {
    switch (state) {
    case HealthState::healthy: return 1.0;
    case HealthState::probation: return 0.3;
    case HealthState::cooling: return 0.1;
    case HealthState::ejected: return 0.0; // only here in panic mode
    }
    return 1.0;
}

double availability_of(const Candidate& c) {
    double spread = std::min(c.independent_providers, 4) / 4.0;
    return 0.6 * (1.0 - c.error_rate) + 0.25 * spread + 0.15 * health_factor(c.health);
}

bool tie_break(const Candidate& a, const Candidate& b) {
    if (a.estimated_cost != b.estimated_cost) return a.estimated_cost < b.estimated_cost;
    if (a.model->id != b.model->id) return a.model->id < b.model->id;
    return a.offering->provider < b.offering->provider;
}

} // namespace

bool ranks_before(const Candidate& a, const Candidate& b, Mode mode) {
    switch (mode) {
    case Mode::cost:
        if (a.within_tolerance != b.within_tolerance) return a.within_tolerance;
        if (a.estimated_cost != b.estimated_cost) return a.estimated_cost < b.estimated_cost;
        if (a.quality != b.quality) return a.quality > b.quality;
        break;
    case Mode::latency:
        if (std::abs(a.expected_latency_ms - b.expected_latency_ms) > 1e-6)
            return a.expected_latency_ms < b.expected_latency_ms;
        break;
    case Mode::balanced:
    case Mode::availability:
        if (std::abs(a.score - b.score) > 1e-9) return a.score > b.score;
        break;
    }
    return tie_break(a, b);
}

void score_and_sort(std::vector<Candidate>& candidates, Mode mode, const Weights& weights, const QualityBasis& basis,
                    std::size_t ranked_prefix) {
    if (candidates.empty()) return;
    // Reuse the components as scratch for the logs, overwritten below.
    LogRange cost, time;
    for (Candidate& c : candidates) {
        c.price = fast_log2(static_cast<double>(c.estimated_cost));
        c.latency = fast_log2(c.expected_latency_ms);
        cost.add(c.price);
        time.add(c.latency);
    }
    double total = std::max(weights.quality + weights.price + weights.latency, 1e-9);
    // Candidates arrive grouped by model: compute each model's quality once.
    const catalog::Model* quality_model = nullptr;
    double model_quality = 0;
    for (Candidate& c : candidates) {
        if (c.model != quality_model) {
            quality_model = c.model;
            model_quality = quality_of(*c.model, basis);
        }
        c.quality = model_quality;
        c.price = cost.score(c.price);
        c.latency = time.score(c.latency);
        c.availability = availability_of(c);
        switch (mode) {
        case Mode::cost: c.score = c.price; break;
        case Mode::latency: c.score = c.latency; break;
        case Mode::availability: c.score = c.availability; break;
        case Mode::balanced:
            c.score = (weights.quality * c.quality + weights.price * c.price + weights.latency * c.latency) / total;
            break;
        }
    }
    if (mode == Mode::cost && basis.cost_tolerance < 1) {
        double best = 0;
        for (const Candidate& c : candidates) best = std::max(best, c.quality);
        for (Candidate& c : candidates) c.within_tolerance = c.quality >= best - basis.cost_tolerance - 1e-12;
    }
    auto order = [mode](const Candidate& a, const Candidate& b) { return ranks_before(a, b, mode); };
    // Only the head decides the route; ordering the whole tail would cost
    // more than everything else together. ranked_candidates() sorts it all.
    if (candidates.size() > ranked_prefix) {
        auto head_end = candidates.begin() + static_cast<std::ptrdiff_t>(ranked_prefix);
        std::nth_element(candidates.begin(), head_end, candidates.end(), order);
        std::sort(candidates.begin(), head_end, order);
    } else
        std::sort(candidates.begin(), candidates.end(), order);
}

std::vector<const Candidate*> ranked_candidates(const Plan& plan) {
    std::vector<const Candidate*> out;
    out.reserve(plan.candidates.size());
    for (const Candidate& c : plan.candidates) out.push_back(&c);
    std::stable_sort(out.begin(), out.end(),
                     [&](const Candidate* a, const Candidate* b) { return ranks_before(*a, *b, plan.mode); });
    return out;
}

LatencyPrior latency_prior(const catalog::Model& model, const catalog::Offering& offering) {
    // Rough public medians per tier; reasoning models think before the first
    // visible token. Observed health data replaces these as soon as it exists.
    static constexpr LatencyPrior k_by_tier[] = {{350, 150}, {500, 100}, {800, 70}, {1200, 50}};
    LatencyPrior prior = k_by_tier[static_cast<int>(model.tier)];
    if (model.has(catalog::cap_reasoning)) prior.ttft_ms += 1500;
    // Constant-length compares inline to a couple of loads (this runs once per
    // offering of the catalog on every request).
    std::string_view p = offering.provider;
    auto is = [&p]<std::size_t N>(const char (&name)[N]) {
        return p.size() == N - 1 && std::memcmp(p.data(), name, N - 1) == 0;
    };
    if (is("groq") || is("cerebras")) {
        prior.ttft_ms *= 0.5;
        prior.tokens_per_s *= 4;
    } else if (is("openrouter")) {
        prior.ttft_ms += 150; // one more hop
    }
    return prior;
}

} // namespace megarouter::routing
