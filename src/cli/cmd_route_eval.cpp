// `megarouter route eval FILE.jsonl`: how well the router's difficulty score
// orders labelled prompts (APGR, CPT(50%), CPT(80%), the cost saved at 95%
// of the strong model's quality), beside prompt length and a random order.
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cmd_route_eval.hpp"
#include "context.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/routing/analyser.hpp"
#include "megarouter/routing/eval.hpp"
#include "megarouter/routing/routing_config.hpp"

namespace megarouter::cli {

namespace {

using nlohmann::json;

struct EvalOptions {
    std::string file;
    std::string weak, strong; // with "scores": the two models compared
    double cost_ratio = 10;
    bool json = false;
};

// A line's prompt as a request: "request" (an OpenAI chat body) or "prompt" (text).
Result<providers::ChatRequest> request_of(const json& line) {
    if (auto it = line.find("request"); it != line.end() && it->is_object())
        return providers::client_adapter(providers::WireFormat::openai)->decode_client_request(*it);
    std::string prompt = core::string_member(line, "prompt", "");
    if (prompt.empty()) return fail(ErrorCode::invalid_argument, "needs \"prompt\" (text) or \"request\" (a chat body)");
    providers::ChatRequest request;
    providers::Message message;
    message.content.push_back({providers::ContentPart::Kind::text, prompt, "", "", ""});
    request.messages.push_back(std::move(message));
    return request;
}

Result<double> score_of(const json& line, const std::string& key, const std::string& model) {
    if (!model.empty()) {
        auto scores = line.find("scores");
        if (scores == line.end() || !scores->is_object() || !scores->contains(model) || !(*scores)[model].is_number())
            return fail(ErrorCode::invalid_argument, "has no number scores." + model);
        return (*scores)[model].get<double>();
    }
    auto it = line.find(key);
    if (it == line.end() || !it->is_number())
        return fail(ErrorCode::invalid_argument, "needs a number \"" + key + "\" (or --" + key + " MODEL with \"scores\")");
    return it->get<double>();
}

struct Labelled {
    std::vector<routing::EvalPoint> analyser, length;
};

Result<Labelled> read_file(const EvalOptions& o, const routing::AnalyserSettings& settings) {
    std::ifstream in(o.file);
    if (!in) return fail(ErrorCode::io, "cannot read " + o.file);
    Labelled out;
    std::string text;
    for (std::size_t number = 1; std::getline(in, text); ++number) {
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::string where = o.file + ":" + std::to_string(number) + ": ";
        auto line = core::parse_json_bounded(text, core::JsonLimits{});
        if (!line || !line->is_object())
            return fail(ErrorCode::invalid_argument, where + (line ? "not a JSON object" : line.error().message));
        auto request = request_of(*line);
        if (!request) return fail(ErrorCode::invalid_argument, where + request.error().message);
        auto weak = score_of(*line, "weak", o.weak);
        if (!weak) return fail(ErrorCode::invalid_argument, where + weak.error().message);
        auto strong = score_of(*line, "strong", o.strong);
        if (!strong) return fail(ErrorCode::invalid_argument, where + strong.error().message);
        routing::Analysis analysis = routing::analyse(*request, settings);
        std::size_t characters = 0;
        for (const providers::Message& m : request->messages) characters += m.text().size();
        out.analyser.push_back({analysis.score, *weak, *strong});
        out.length.push_back({static_cast<double>(characters), *weak, *strong});
    }
    if (out.analyser.empty()) return fail(ErrorCode::invalid_argument, o.file + ": no labelled prompts");
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
    auto labelled = read_file(o, routing_config->analyser);
    if (!labelled) return context.report(labelled.error());
    routing::EvalResult analyser = routing::evaluate(labelled->analyser, o.cost_ratio);
    routing::EvalResult length = routing::evaluate(labelled->length, o.cost_ratio);
    // A random order is a tie of every prompt: its expectation, exactly.
    std::vector<routing::EvalPoint> tied = labelled->analyser;
    for (routing::EvalPoint& p : tied) p.score = 0;
    routing::EvalResult random = routing::evaluate(std::move(tied), o.cost_ratio);
    if (o.json) {
        json out = {{"file", o.file},
                    {"prompts", analyser.prompts},
                    {"weak_quality", analyser.weak_quality},
                    {"strong_quality", analyser.strong_quality},
                    {"cost_ratio", o.cost_ratio},
                    {"routers", {{"analyser", result_json(analyser)},
                                 {"prompt_length", result_json(length)},
                                 {"random", result_json(random)}}}};
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::printf("%s: %zu prompts; mean quality %.3f weak, %.3f strong; a strong call costs %g weak ones\n\n",
                o.file.c_str(), analyser.prompts, analyser.weak_quality, analyser.strong_quality, o.cost_ratio);
    std::printf("%-22s %-7s %-10s %-10s %-14s %s\n", "score", "APGR", "CPT(50%)", "CPT(80%)", "strong at 95%",
                "saved at 95%");
    print_row("megarouter analyser", analyser);
    print_row("prompt length", length);
    print_row("random", random);
    if (!analyser.apgr) std::printf("\nthe strong model is not better on average here: no gap to recover\n");
    return 0;
}

} // namespace

CLI::App* add_route_eval_command(CLI::App& route, Context& context) {
    auto* eval = route.add_subcommand("eval", "Measure how well routing orders labelled prompts (APGR, CPT, savings)");
    static EvalOptions o;
    eval->add_option("file", o.file, "JSONL: per line \"prompt\" (or \"request\") with \"weak\" and \"strong\" scores")
        ->required()
        ->option_text("FILE");
    eval->add_option("--weak", o.weak, "With per-model \"scores\": the weak model's name")->option_text("MODEL");
    eval->add_option("--strong", o.strong, "With per-model \"scores\": the strong model's name")->option_text("MODEL");
    eval->add_option("--cost-ratio", o.cost_ratio, "What one strong call costs in weak calls (default 10)")
        ->option_text("R");
    eval->add_flag("--json", o.json, "Print the figures as JSON");
    set_examples(*eval, "  megarouter route eval tests/data/route_eval/gsm8k.jsonl\n"
                        "  megarouter route eval results.jsonl --weak mixtral-8x7b --strong gpt-4 --json\n");
    eval->callback([&context] { context.exit_code = run_eval(o, context); });
    return eval;
}

} // namespace megarouter::cli
