#include "megarouter/core/json.hpp"
#include "megarouter/routing/analyser.hpp"

#include <algorithm>

#include "routing/keywords.hpp"

namespace megarouter::routing {

namespace {

using catalog::Tier;
using providers::ChatRequest;
using providers::Role;

void add(Analysis& analysis, const AnalyserSettings& settings, Signal signal, double points,
         std::string_view detail) {
    double weighted = points * settings.weights[static_cast<std::size_t>(signal)];
    if (weighted == 0) return;
    analysis.signals.push_back({signal, weighted, detail});
    analysis.score += weighted;
}

// The text the task keywords are read from: the last user turn. System prompts
// of agents mention "code" and "step by step" on every request, so they only
// count towards length.
std::string last_user_text(const ChatRequest& request) {
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it)
        if (it->role == Role::user) return it->text();
    return request.messages.empty() ? std::string() : request.messages.back().text();
}

void length_signals(Analysis& analysis, const AnalyserSettings& settings) {
    if (analysis.input_tokens >= settings.very_long_input_tokens)
        add(analysis, settings, Signal::length, 3, "very long input");
    else if (analysis.input_tokens >= settings.long_input_tokens)
        add(analysis, settings, Signal::length, 2, "long input");
    else if (analysis.input_tokens >= settings.long_input_tokens / 4)
        add(analysis, settings, Signal::length, 1, "medium-length input");
}

void shape_signals(Analysis& analysis, const ChatRequest& request, const AnalyserSettings& settings) {
    if (analysis.needs_tools)
        add(analysis, settings, Signal::tools, request.tools.size() > 8 ? 2 : 1,
            request.tools.size() > 8 ? "many tool definitions" : "tool definitions");
    if (analysis.needs_vision) add(analysis, settings, Signal::images, 1, "image input");
    if (analysis.needs_json_schema) add(analysis, settings, Signal::structured_output, 1, "JSON schema output");
    if (analysis.turns >= 3 * settings.deep_conversation_turns)
        add(analysis, settings, Signal::conversation_depth, 2, "very long conversation");
    else if (analysis.turns >= settings.deep_conversation_turns)
        add(analysis, settings, Signal::conversation_depth, 1, "long conversation");
    if (request.reasoning_effort == "high" || request.reasoning_effort == "xhigh")
        add(analysis, settings, Signal::reasoning_effort, 3, "reasoning_effort high");
    else if (request.reasoning_effort == "medium")
        add(analysis, settings, Signal::reasoning_effort, 1, "reasoning_effort medium");
}

// The catalog category a signal's work belongs to ("" = none in particular).
std::string_view category_of(Signal signal) {
    switch (signal) {
    case Signal::code: return "coding";
    case Signal::math: return "math";
    case Signal::reasoning: return "reasoning";
    case Signal::multi_step: return "hard_prompts";
    case Signal::language: return "multilingual";
    case Signal::length: return "long_context";
    case Signal::structured_output:
    case Signal::tools: return "instruction_following";
    default: return "";
    }
}

Tier tier_for(double score, const AnalyserSettings& settings) {
    if (score >= settings.frontier_at) return Tier::frontier;
    if (score >= settings.strong_at) return Tier::strong;
    if (score >= settings.standard_at) return Tier::standard;
    return Tier::light;
}

} // namespace

Tier tier_for_difficulty(double difficulty, const AnalyserSettings& settings) {
    if (difficulty >= settings.difficulty_frontier_at) return Tier::frontier;
    if (difficulty >= settings.difficulty_strong_at) return Tier::strong;
    if (difficulty >= settings.difficulty_standard_at) return Tier::standard;
    return Tier::light;
}

std::string_view to_string(Signal signal) {
    switch (signal) {
    case Signal::length: return "length";
    case Signal::code: return "code";
    case Signal::math: return "math";
    case Signal::reasoning: return "reasoning";
    case Signal::multi_step: return "multi_step";
    case Signal::structured_output: return "structured_output";
    case Signal::tools: return "tools";
    case Signal::images: return "images";
    case Signal::conversation_depth: return "conversation_depth";
    case Signal::language: return "language";
    case Signal::simple_task: return "simple_task";
    case Signal::reasoning_effort: return "reasoning_effort";
    }
    return "length";
}

std::vector<SignalHit> Analysis::decisive() const {
    std::vector<SignalHit> out;
    for (const SignalHit& hit : signals)
        if (hit.points > 0) out.push_back(hit);
    std::stable_sort(out.begin(), out.end(), [](const SignalHit& a, const SignalHit& b) { return a.points > b.points; });
    return out;
}

Analysis analyse(const ChatRequest& request, const AnalyserSettings& settings) {
    Analysis analysis;
    analysis.signals.reserve(8);
    analysis.input_tokens = estimate_input_tokens(request);
    analysis.max_output_tokens = request.max_tokens.value_or(0);
    analysis.output_tokens = analysis.max_output_tokens > 0
                                 ? std::min(analysis.max_output_tokens, settings.default_output_tokens)
                                 : settings.default_output_tokens;
    for (const auto& message : request.messages)
        if (message.role == Role::user || message.role == Role::assistant) ++analysis.turns;
    analysis.needs_tools = !request.tools.empty() && request.tool_choice != "none";
    analysis.needs_vision = request.has_images();
    analysis.needs_json = request.wants_json();
    analysis.needs_json_schema = core::string_member(request.response_format, "type") == "json_schema";

    length_signals(analysis, settings);
    shape_signals(analysis, request, settings);
    std::string task = last_user_text(request);
    TextScan scan = scan_text(task);
    if (scan.language != "en") add(analysis, settings, Signal::language, 1, "non-English text");
    analysis.language = scan.language;
    for (const KeywordHit& hit : scan.hits) add(analysis, settings, hit.signal, hit.points, hit.detail);
    analysis.score = std::max(analysis.score, 0.0);
    analysis.tier = tier_for(analysis.score, settings);
    for (const SignalHit& hit : analysis.decisive())
        if (std::string_view category = category_of(hit.signal); !category.empty()) {
            analysis.category = category;
            break;
        }
    return analysis;
}

} // namespace megarouter::routing
