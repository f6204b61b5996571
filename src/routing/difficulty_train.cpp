// Fitting the difficulty model: logistic regression with soft targets,
// AdaGrad steps over the examples in a seeded shuffled order, L2 applied to
// the weights an example touches. Plain loops in a fixed order, so a run is
// reproducible bit for bit on the same build.
#include <cmath>
#include <numeric>

#include "megarouter/routing/difficulty.hpp"

namespace megarouter::routing {

namespace {

// splitmix64: a small, well-mixed generator with a fixed sequence per seed.
struct SplitMix {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
};

} // namespace

DifficultyModel train_difficulty_model(const std::vector<TrainingExample>& examples, const TrainingSettings& settings) {
    DifficultyModel model;
    std::vector<double> w(k_feature_slots, 0.0), g2(k_feature_slots, 0.0);
    double bias = 0, bias_g2 = 0;
    // Start the bias at the weighted mean target's log-odds.
    double total = 0, positive = 0;
    for (const TrainingExample& e : examples) {
        total += e.weight;
        positive += e.weight * e.target;
    }
    if (total > 0) {
        double p = std::clamp(positive / total, 1e-3, 1 - 1e-3);
        bias = std::log(p / (1 - p));
    }
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    SplitMix random{settings.seed};
    for (int epoch = 0; epoch < settings.epochs; ++epoch) {
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random.next() % i]);
        for (std::size_t index : order) {
            const TrainingExample& e = examples[index];
            double z = bias;
            for (const Feature& f : e.features) z += w[f.slot] * f.value;
            double p = 1.0 / (1.0 + std::exp(-z));
            double error = (p - std::clamp(e.target, 0.0, 1.0)) * e.weight;
            bias_g2 += error * error;
            bias -= settings.learning_rate * error / std::sqrt(bias_g2 + 1e-8);
            for (const Feature& f : e.features) {
                double gradient = error * f.value + settings.l2 * w[f.slot];
                g2[f.slot] += gradient * gradient;
                w[f.slot] -= settings.learning_rate * gradient / std::sqrt(g2[f.slot] + 1e-8);
            }
        }
    }
    model.bias = bias;
    model.weights.assign(k_feature_slots, 0.0f);
    for (std::size_t slot = 0; slot < w.size(); ++slot)
        if (std::fabs(w[slot]) >= settings.prune_below) model.weights[slot] = static_cast<float>(w[slot]);
    return model;
}

} // namespace megarouter::routing
