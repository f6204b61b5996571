// Internal to the CLI: labelled prompt files, as `route eval` and `route
// train` read them. One JSON object per line: "prompt" (text) or "request"
// (an OpenAI chat body), and the outcome as "weak" and "strong" scores, or
// per-model "scores" with --weak/--strong naming the pair, or (train only)
// "hard" in 0..1 directly. An optional "weight" (> 0) counts a line more.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "megarouter/core/error.hpp"
#include "megarouter/providers/canonical.hpp"

namespace megarouter::cli {

struct LabelledSource {
    std::string file;
    std::string weak, strong; // with "scores": the two models compared
    bool allow_hard = false;  // accept "hard" instead of a weak/strong pair
};

struct LabelledPrompt {
    providers::ChatRequest request;
    std::optional<double> weak, strong; // both set, or neither and `hard` is
    std::optional<double> hard;
    double weight = 1;
};

// Adds the FILE positional and --weak/--strong to `sub` (route eval, train
// and features read the same files).
void add_labelled_options(CLI::App& sub, LabelledSource& source);

// Reads the whole file. Fails with invalid_argument naming file:line.
Result<std::vector<LabelledPrompt>> read_labelled(const LabelledSource& source);

// Training targets in 0..1: "hard" as given; for a weak/strong pair, how much
// the strong model beat the weak one as a share of the file's score range,
// at least 0..1 (0/1 scores: 1 when only the strong model succeeded; 1..10
// grades: a gap of 5 is 0.5), never below 0.
std::vector<double> training_targets(const std::vector<LabelledPrompt>& prompts);

} // namespace megarouter::cli
