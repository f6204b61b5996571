// `megarouter route train FILE.jsonl`: fits the difficulty predictor on an
// organisation's own labelled prompts (the format `route eval` reads, or
// "hard" targets), reports its cross-validated APGR beside the keyword
// analyser's on the same prompts, and writes the model beside the config,
// where `serve` picks it up on SIGHUP. tools/train_router.py trains the
// built-in model with this same command.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "cmd_route_eval.hpp"
#include "context.hpp"
#include "route_labelled.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/routing/difficulty.hpp"
#include "megarouter/routing/eval.hpp"
#include "megarouter/routing/routing_config.hpp"

namespace megarouter::cli {

namespace {

using nlohmann::json;

struct TrainOptions {
    LabelledSource source{.file = {}, .weak = {}, .strong = {}, .allow_hard = true};
    std::string out;   // "" = router_model.txt beside the config
    std::string note;  // the model's "trained" text
    int folds = 5;
    routing::TrainingSettings settings;
    bool json = false;
};

struct Prepared {
    std::vector<routing::TrainingExample> examples;
    std::vector<double> keyword_scores;
    std::vector<routing::EvalPoint> outcomes; // score filled in later
};

Prepared prepare(const std::vector<LabelledPrompt>& prompts, const routing::AnalyserSettings& settings) {
    Prepared out;
    std::vector<double> targets = training_targets(prompts);
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        const LabelledPrompt& p = prompts[i];
        routing::Analysis analysis = routing::analyse(p.request, settings);
        out.examples.push_back({routing::difficulty_features(p.request, analysis), targets[i], p.weight});
        out.keyword_scores.push_back(analysis.score);
        // A "hard" line's outcome for APGR: the strong model gains `hard`.
        out.outcomes.push_back({0, p.weak.value_or(0), p.strong.value_or(targets[i])});
    }
    return out;
}

// Each prompt scored by a model trained without its fold (line i is in fold
// i mod folds), so the figure says how the model does on prompts it has not
// seen.
std::vector<double> cross_validated(const Prepared& data, const TrainOptions& o, bool progress) {
    std::vector<double> scores(data.examples.size(), 0.5);
    for (int fold = 0; fold < o.folds; ++fold) {
        if (progress) std::fprintf(stderr, "\rcross-validating: fold %d of %d", fold + 1, o.folds);
        std::vector<routing::TrainingExample> train;
        for (std::size_t i = 0; i < data.examples.size(); ++i)
            if (static_cast<int>(i % o.folds) != fold) train.push_back(data.examples[i]);
        routing::DifficultyModel model = routing::train_difficulty_model(train, o.settings);
        for (std::size_t i = static_cast<std::size_t>(fold); i < data.examples.size(); i += o.folds)
            scores[i] = model.predict(data.examples[i].features);
    }
    if (progress) std::fprintf(stderr, "\r%40s\r", "");
    return scores;
}

// What each tenth of the predicted range meant on held-out prompts.
void calibrate(routing::DifficultyModel& model, const std::vector<double>& predicted,
               const std::vector<routing::TrainingExample>& examples) {
    std::array<double, 10> sum{}, weight{};
    for (std::size_t i = 0; i < predicted.size(); ++i) {
        auto bin = static_cast<std::size_t>(std::clamp(predicted[i] * 10, 0.0, 9.0));
        sum[bin] += examples[i].target * examples[i].weight;
        weight[bin] += examples[i].weight;
        ++model.calibration_count[bin];
    }
    for (std::size_t bin = 0; bin < sum.size(); ++bin)
        model.calibration[bin] = weight[bin] > 0 ? sum[bin] / weight[bin] : 0;
}

std::optional<double> apgr_of(std::vector<routing::EvalPoint> outcomes, const std::vector<double>& scores) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i].score = scores[i];
    return routing::evaluate(std::move(outcomes), 10).apgr;
}

json number_or_null(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

int run_train(TrainOptions o, Context& context) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    auto routing_config = routing::parse_routing_config(**config);
    if (!routing_config) return context.report(routing_config.error());
    if (o.folds == 1 || o.folds < 0 || o.folds > 20)
        return context.report(make_error(ErrorCode::invalid_argument, "--folds must be 0 (none) or 2 to 20"));
    if (o.settings.epochs < 1 || o.settings.epochs > 200)
        return context.report(make_error(ErrorCode::invalid_argument, "--epochs must be 1 to 200"));
    if (!(o.settings.l2 >= 0 && o.settings.l2 <= 1))
        return context.report(make_error(ErrorCode::invalid_argument, "--l2 must be 0 to 1"));
    auto prompts = read_labelled(o.source);
    if (!prompts) return context.report(prompts.error());
    if (o.folds > 0 && prompts->size() < static_cast<std::size_t>(o.folds) * 2)
        return context.report(make_error(ErrorCode::invalid_argument,
                                         o.source.file + ": " + std::to_string(prompts->size()) +
                                             " prompts are too few to cross-validate (use --folds 0)"));
    Prepared data = prepare(*prompts, routing_config->analyser);
    bool progress = !o.json && ::isatty(STDERR_FILENO) != 0;

    std::optional<double> learned_apgr, keyword_apgr;
    routing::DifficultyModel model = routing::train_difficulty_model(data.examples, o.settings);
    if (o.folds > 0) {
        std::vector<double> held_out = cross_validated(data, o, progress);
        learned_apgr = apgr_of(data.outcomes, held_out);
        keyword_apgr = apgr_of(data.outcomes, data.keyword_scores);
        calibrate(model, held_out, data.examples);
    }
    std::filesystem::path out = o.out.empty() ? routing::default_router_model_path(**config) : std::filesystem::path(o.out);
    if (out.empty()) return context.report(make_error(ErrorCode::invalid_argument, "no config folder: give --out FILE"));
    model.name = out.filename().string();
    model.trained = o.note.empty() ? std::to_string(prompts->size()) + " prompts from " +
                                         std::filesystem::path(o.source.file).filename().string()
                                   : o.note;
    for (char& c : model.trained)
        if (c == '\n' || c == '\r') c = ' ';
    std::size_t weights = 0;
    for (float w : model.weights) weights += w != 0 ? 1 : 0;

    if (out.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(out.parent_path(), ec);
    }
    std::string temporary = out.string() + ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << routing::serialize_difficulty_model(model);
        if (!file.flush())
            return context.report(make_error(ErrorCode::io, "cannot write " + temporary));
    }
    std::error_code ec;
    std::filesystem::rename(temporary, out, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        return context.report(make_error(ErrorCode::io, "cannot write " + out.string() + ": " + ec.message()));
    }

    double mean = 0;
    for (const auto& e : data.examples) mean += e.target;
    mean /= static_cast<double>(data.examples.size());
    if (o.json) {
        std::cout << json{{"file", o.source.file},
                          {"prompts", data.examples.size()},
                          {"mean_target", mean},
                          {"folds", o.folds},
                          {"cross_validated_apgr", {{"learned", number_or_null(learned_apgr)},
                                                    {"analyser", number_or_null(keyword_apgr)}}},
                          {"weights", weights},
                          {"model", out.string()}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::printf("trained on %zu prompts from %s (mean target %.3f)\n", data.examples.size(), o.source.file.c_str(),
                mean);
    if (o.folds > 0) {
        auto cell = [](const std::optional<double>& v) { return v ? std::to_string(*v).substr(0, 5) : std::string("n/a"); };
        std::printf("%d-fold cross-validated APGR: %s learned, %s keyword analyser (0.5 is a random order)\n",
                    o.folds, cell(learned_apgr).c_str(), cell(keyword_apgr).c_str());
    }
    std::printf("wrote %s (%zu weights)\n", out.string().c_str(), weights);
    const nlohmann::json& doc = (*config)->document;
    bool overridden = doc.is_object() && doc.contains("routing") && doc["routing"].is_object() &&
                      doc["routing"].contains("router_model");
    if (o.out.empty() && overridden)
        std::printf("note: [routing] router_model in %s selects another model; remove it to use this one\n",
                    (*config)->file.string().c_str());
    else if (o.out.empty())
        std::printf("serve and route use it from now on (a running serve after SIGHUP); "
                    "[routing] router_model = \"builtin\" goes back\n");
    else
        std::printf("use it with [routing] router_model = \"%s\", or try it with megarouter route eval FILE --model %s\n",
                    out.string().c_str(), out.string().c_str());
    return 0;
}

// `route features FILE` (hidden): each line's features and target as JSON, so
// tools can compare other learners on exactly the features the router uses.
int run_features(const LabelledSource& source, Context& context) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    auto routing_config = routing::parse_routing_config(**config);
    if (!routing_config) return context.report(routing_config.error());
    auto prompts = read_labelled(source);
    if (!prompts) return context.report(prompts.error());
    Prepared data = prepare(*prompts, routing_config->analyser);
    for (std::size_t i = 0; i < data.examples.size(); ++i) {
        json slots = json::array(), values = json::array();
        for (const routing::Feature& f : data.examples[i].features) {
            slots.push_back(f.slot);
            values.push_back(f.value);
        }
        std::cout << json{{"slots", slots},
                          {"values", values},
                          {"target", data.examples[i].target},
                          {"weight", data.examples[i].weight},
                          {"keyword_score", data.keyword_scores[i]}}
                         .dump()
                  << "\n";
    }
    return 0;
}

} // namespace

CLI::App* add_route_train_command(CLI::App& route, Context& context) {
    auto* features = route.add_subcommand("features", "Print each labelled line's features (for tools)");
    features->group(""); // hidden: tools/ uses it
    static LabelledSource feature_source{.file = {}, .weak = {}, .strong = {}, .allow_hard = true};
    add_labelled_options(*features, feature_source);
    features->callback([&context] { context.exit_code = run_features(feature_source, context); });

    auto* train = route.add_subcommand("train", "Fit the difficulty predictor on your own labelled prompts");
    static TrainOptions o;
    add_labelled_options(*train, o.source);
    train->add_option("-o,--out", o.out, "Where to write the model (default: router_model.txt beside the config)")
        ->option_text("FILE");
    train->add_option("--note", o.note, "Text stored in the model saying what it was trained on")->option_text("TEXT");
    train->add_option("--folds", o.folds, "Cross-validation folds for the reported APGR (default 5, 0 for none)")
        ->option_text("N");
    train->add_option("--epochs", o.settings.epochs, "Passes over the data (default 12)")->option_text("N");
    train->add_option("--l2", o.settings.l2, "L2 penalty per example seen (default 1e-6)")->option_text("X");
    train->add_flag("--json", o.json, "Print the figures as JSON");
    set_examples(*train, "  megarouter route train labelled.jsonl\n"
                         "  megarouter route train evals.jsonl --weak small-model --strong big-model --out team.txt\n");
    train->callback([&context] { context.exit_code = run_train(o, context); });
    return train;
}

} // namespace megarouter::cli
