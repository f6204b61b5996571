#include "route_labelled.hpp"

#include <algorithm>
#include <fstream>

#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"

namespace megarouter::cli {

namespace {

using nlohmann::json;

// A line's prompt as a request: "request" (an OpenAI chat body) or "prompt" (text).
Result<providers::ChatRequest> request_of(const json& line) {
    if (auto it = line.find("request"); it != line.end() && it->is_object())
        return providers::client_adapter(providers::ClientApi::chat_completions).decode_client_request(*it);
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

Result<LabelledPrompt> read_line(const json& line, const LabelledSource& source) {
    auto request = request_of(line);
    if (!request) return std::unexpected(request.error());
    LabelledPrompt out;
    out.request = std::move(*request);
    if (auto it = line.find("weight"); it != line.end()) {
        if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() > 1e6)
            return fail(ErrorCode::invalid_argument, "\"weight\" must be a number above 0");
        out.weight = it->get<double>();
    }
    if (auto it = line.find("hard"); source.allow_hard && it != line.end() && source.weak.empty()) {
        if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1)
            return fail(ErrorCode::invalid_argument, "\"hard\" must be a number from 0 to 1");
        out.hard = it->get<double>();
        return out;
    }
    auto weak = score_of(line, "weak", source.weak);
    if (!weak) return std::unexpected(weak.error());
    auto strong = score_of(line, "strong", source.strong);
    if (!strong) return std::unexpected(strong.error());
    out.weak = *weak;
    out.strong = *strong;
    return out;
}

} // namespace

void add_labelled_options(CLI::App& sub, LabelledSource& source) {
    sub.add_option("file", source.file,
                   source.allow_hard
                       ? "JSONL: per line \"prompt\" (or \"request\") with \"weak\" and \"strong\" scores, or \"hard\" 0..1"
                       : "JSONL: per line \"prompt\" (or \"request\") with \"weak\" and \"strong\" scores")
        ->required()
        ->option_text("FILE");
    sub.add_option("--weak", source.weak, "With per-model \"scores\": the weak model's name")->option_text("MODEL");
    sub.add_option("--strong", source.strong, "With per-model \"scores\": the strong model's name")->option_text("MODEL");
}

Result<std::vector<LabelledPrompt>> read_labelled(const LabelledSource& source) {
    std::ifstream in(source.file);
    if (!in) return fail(ErrorCode::io, "cannot read " + source.file);
    std::vector<LabelledPrompt> out;
    std::string text;
    for (std::size_t number = 1; std::getline(in, text); ++number) {
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::string where = source.file + ":" + std::to_string(number) + ": ";
        auto line = core::parse_json_bounded(text, core::JsonLimits{});
        if (!line || !line->is_object())
            return fail(ErrorCode::invalid_argument, where + (line ? "not a JSON object" : line.error().message));
        auto prompt = read_line(*line, source);
        if (!prompt) return fail(ErrorCode::invalid_argument, where + prompt.error().message);
        out.push_back(std::move(*prompt));
    }
    if (out.empty()) return fail(ErrorCode::invalid_argument, source.file + ": no labelled prompts");
    return out;
}

std::vector<double> training_targets(const std::vector<LabelledPrompt>& prompts) {
    double low = 0, high = 1; // 0..1 unless the file's scores reach further
    for (const LabelledPrompt& p : prompts)
        if (p.weak) {
            low = std::min({low, *p.weak, *p.strong});
            high = std::max({high, *p.weak, *p.strong});
        }
    double range = high - low;
    std::vector<double> out;
    out.reserve(prompts.size());
    for (const LabelledPrompt& p : prompts)
        out.push_back(p.hard ? *p.hard : std::clamp((*p.strong - *p.weak) / range, 0.0, 1.0));
    return out;
}

} // namespace megarouter::cli
