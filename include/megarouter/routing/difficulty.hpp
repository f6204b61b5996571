// The learned difficulty predictor: from the request alone, how likely a
// cheap model is to do worse than a strong one on it (0..1). A logistic model
// over hashed word and word-pair features of the user's text, the shape of the
// request and the analyser's signals. The built-in weights are trained offline
// by tools/train_router.py (which calls `megarouter route train`, so training
// and serving compute features with this same code) and compiled in from
// data/router_model.txt; `megarouter route train` fits the same model on an
// organisation's own labelled prompts.
//
// Features and prediction are pure and thread-safe; a model is immutable once
// built.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/canonical.hpp"
#include "megarouter/routing/analyser.hpp"

namespace megarouter::routing {

// Hashed feature space: 2^k_feature_bits slots.
inline constexpr int k_feature_bits = 18;
inline constexpr std::uint32_t k_feature_slots = 1u << k_feature_bits;

struct Feature {
    std::uint32_t slot = 0;
    float value = 0;
};

// The request's features. Reads at most the first 16 KiB and k_feature_tokens
// tokens of the user text (so the cost is bounded: about 30 us at the cap),
// and the request's shape. `analysis` is analyse()'s result for the same
// request.
inline constexpr std::size_t k_feature_tokens = 1'024;
std::vector<Feature> difficulty_features(const providers::ChatRequest& request, const Analysis& analysis);

struct DifficultyModel {
    std::string name;     // "builtin" or the file it came from
    std::string trained;  // free text: data, date, examples (for --explain and models)
    double bias = 0;
    std::vector<float> weights; // k_feature_slots entries
    // What the prediction meant on prompts the model was not trained on
    // (cross-validation in `route train`): for predictions in [i/10, (i+1)/10),
    // the mean target observed (the share of them a cheap model lost) and how
    // many prompts that was; count 0 when none fell there.
    std::array<double, 10> calibration{};
    std::array<std::uint32_t, 10> calibration_count{};

    // P(a cheap model does worse than a strong one), 0..1.
    double predict(const std::vector<Feature>& features) const;
};

// The file format (data/router_model.txt, `route train --out`), plain text so
// it loads in about a millisecond and diffs line by line:
//   megarouter-router-model 1
//   name <text>
//   trained <text>
//   feature_bits 18
//   bias <number>
//   calibration <mean>:<count> x 10   (optional)
//   weights <count>
//   <slot> <weight>          (count lines; absent slots weigh 0)
Result<DifficultyModel> parse_difficulty_model(std::string_view text, std::string name);
std::string serialize_difficulty_model(const DifficultyModel& model);

// The model compiled into the binary.
std::shared_ptr<const DifficultyModel> builtin_difficulty_model();

// One labelled example: the target is 1 when the cheap model did worse, 0
// when it did as well; soft targets in between are allowed.
struct TrainingExample {
    std::vector<Feature> features;
    double target = 0;
    double weight = 1;
};

struct TrainingSettings {
    int epochs = 12;
    double learning_rate = 0.2; // AdaGrad's base step
    double l2 = 1e-6;           // per example seen
    std::uint64_t seed = 20261207;
    double prune_below = 1e-4;  // weights smaller than this are dropped (file size)
};

// Fits a logistic model (AdaGrad over shuffled examples, L2). Deterministic:
// the same examples and settings give the same weights, bit for bit.
DifficultyModel train_difficulty_model(const std::vector<TrainingExample>& examples, const TrainingSettings& settings);

} // namespace megarouter::routing
