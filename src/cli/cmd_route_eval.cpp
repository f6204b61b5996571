// `megarouter route eval FILE.jsonl`: how well the router's difficulty scores
// (the learned predictor and the keyword analyser) order labelled prompts
// (APGR, CPT(50%), CPT(80%), the cost saved at 95% of the strong model's
// quality), beside prompt length and a random order.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cmd_route_eval.hpp"
#include "context.hpp"
#include "route_labelled.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/difficulty.hpp"
#include "megarouter/routing/eval.hpp"
#include "megarouter/routing/routing_config.hpp"

namespace megarouter::cli {

namespace {

using nlohmann::json;

struct EvalOptions {
    LabelledSource source;
    std::string model; // a router model file; "" = the one the config selects
    double cost_ratio = 10;
    bool json = false;
};

struct Labelled {
    std::vector<routing::EvalPoint> analyser, learned, length;
};

Labelled score_prompts(const std::vector<LabelledPrompt>& prompts, const routing::RoutingConfig& config) {
    Labelled out;
    for (const LabelledPrompt& p : prompts) {
        routing::Analysis analysis = routing::analyse(p.request, config.analyser);
        double difficulty = config.predictor().predict(routing::difficulty_features(p.request, analysis));
        std::size_t characters = 0;
        for (const providers::Message& m : p.request.messages) characters += m.text().size();
        out.analyser.push_back({analysis.score, *p.weak, *p.strong});
        out.learned.push_back({difficulty, *p.weak, *p.strong});
        out.length.push_back({static_cast<double>(characters), *p.weak, *p.strong});
    }
    return out;
}

json result_json(const routing::EvalResult& r) {
    auto number = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    return {{"apgr", number(r.apgr)},
            {"cpt50", number(r.cpt50)},
            {"cpt80", number(r.cpt80)},
            {"strong_share_at_95", number(r.share_at_95)},
            {"cost_saved_at_95", number(r.cost_saved_at_95)}};
}

std::string cell(const std::optional<double>& value, bool percent) {
    if (!value) return "n/a";
    std::ostringstream s;
    s << std::fixed << std::setprecision(percent ? 1 : 3) << (percent ? *value * 100 : *value) << (percent ? "%" : "");
    return s.str();
}

void print_row(const std::string& name, const routing::EvalResult& r) {
    std::printf("%-22s %-7s %-10s %-10s %-14s %s\n", name.c_str(), cell(r.apgr, false).c_str(),
                cell(r.cpt50, true).c_str(), cell(r.cpt80, true).c_str(), cell(r.share_at_95, true).c_str(),
                cell(r.cost_saved_at_95, true).c_str());
}

int run_eval(const EvalOptions& o, Context& context) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    auto routing_config = routing::parse_routing_config(**config);
    if (!routing_config) return context.report(routing_config.error());
    if (o.cost_ratio <= 1)
        return context.report(make_error(ErrorCode::invalid_argument, "--cost-ratio must be above 1"));
    if (!o.model.empty()) {
        auto model = routing::read_router_model(o.model);
        if (!model) return context.report(model.error());
        routing_config->difficulty_model = *model;
    }
    auto prompts = read_labelled(o.source);
    if (!prompts) return context.report(prompts.error());
    Labelled labelled = score_prompts(*prompts, *routing_config);
    routing::EvalResult analyser = routing::evaluate(labelled.analyser, o.cost_ratio);
    routing::EvalResult learned = routing::evaluate(labelled.learned, o.cost_ratio);
    routing::EvalResult length = routing::evaluate(labelled.length, o.cost_ratio);
    // A random order is a tie of every prompt: its expectation, exactly.
    std::vector<routing::EvalPoint> tied = labelled.analyser;
    for (routing::EvalPoint& p : tied) p.score = 0;
    routing::EvalResult random = routing::evaluate(std::move(tied), o.cost_ratio);
    if (o.json) {
        json out = {{"file", o.source.file},
                    {"router_model", routing_config->predictor().name},
                    {"prompts", analyser.prompts},
                    {"weak_quality", analyser.weak_quality},
                    {"strong_quality", analyser.strong_quality},
                    {"cost_ratio", o.cost_ratio},
                    {"routers", {{"learned", result_json(learned)},
                                 {"analyser", result_json(analyser)},
                                 {"prompt_length", result_json(length)},
                                 {"random", result_json(random)}}}};
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("%s: %zu prompts; mean quality %.3f weak, %.3f strong; a strong call costs %g weak ones\n\n",
                o.source.file.c_str(), analyser.prompts, analyser.weak_quality, analyser.strong_quality, o.cost_ratio);
    std::printf("%-22s %-7s %-10s %-10s %-14s %s\n", "score", "APGR", "CPT(50%)", "CPT(80%)", "strong at 95%",
                "saved at 95%");
    print_row("learned (" + routing_config->predictor().name + ")", learned);
    print_row("keyword analyser", analyser);
    print_row("prompt length", length);
    print_row("random", random);
    if (!analyser.apgr) std::printf("\nthe strong model is not better on average here: no gap to recover\n");
    return 0;
}

} // namespace

CLI::App* add_route_eval_command(CLI::App& route, Context& context) {
    auto* eval = route.add_subcommand("eval", "Measure how well routing orders labelled prompts (APGR, CPT, savings)");
    static EvalOptions o;
    add_labelled_options(*eval, o.source);
    eval->add_option("--cost-ratio", o.cost_ratio, "What one strong call costs in weak calls (default 10)")
        ->option_text("R");
    eval->add_option("--model", o.model, "Score with this router model file (from route train) instead of the configured one")
        ->option_text("FILE");
    eval->add_flag("--json", o.json, "Print the figures as JSON");
    set_examples(*eval, "  megarouter route eval tests/data/route_eval/gsm8k.jsonl\n"
                        "  megarouter route eval results.jsonl --weak mixtral-8x7b --strong gpt-4 --json\n");
    eval->callback([&context] { context.exit_code = run_eval(o, context); });
    return eval;
}

} // namespace megarouter::cli
