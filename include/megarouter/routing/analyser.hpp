// The request analyser: a fast look at a canonical chat request that estimates
// its input tokens and classifies the work into a required capability tier.
// It is pure and cheap (one pass over the text, no tokenizer, no allocation
// beyond one lowercase copy of the last user turn), so the router can run it
// on every request.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "megarouter/catalog/model.hpp"
#include "megarouter/providers/canonical.hpp"

namespace megarouter::routing {

// What the analyser looks for. Each hit adds points to the request's
// difficulty score; the score's band gives the tier.
enum class Signal : std::uint8_t {
    length,             // long input (points grow with size)
    code,               // code fences, code-like lines, code tasks (review, refactor, debug)
    math,               // formulas, LaTeX, proof requests
    reasoning,          // algorithm design, analysis, trade-offs, "why"
    multi_step,         // plans, step-by-step, numbered requirement lists
    structured_output,  // response_format json_schema / json_object
    tools,              // tool definitions (agents)
    images,             // image inputs
    conversation_depth, // many turns
    language,           // not English
    simple_task,        // greetings, classification, extraction, short summaries (negative)
    reasoning_effort,   // the client asked for reasoning_effort medium/high
};
inline constexpr std::size_t k_signal_count = 12;

std::string_view to_string(Signal signal);

// One signal found in the request. `detail` points at a static string.
struct SignalHit {
    Signal signal = Signal::length;
    double points = 0;
    std::string_view detail;
};

// Tuning knobs, read from `[routing.thresholds]` and `[routing.signal_weights]`.
struct AnalyserSettings {
    double standard_at = 2; // score >= standard_at -> standard
    double strong_at = 4;   // score >= strong_at   -> strong
    double frontier_at = 7; // score >= frontier_at -> frontier
    std::int64_t long_input_tokens = 8'000;
    std::int64_t very_long_input_tokens = 64'000;
    int deep_conversation_turns = 10;
    std::int64_t default_output_tokens = 512; // expected output when max_tokens is absent
    // The learned difficulty (0..1, see difficulty.hpp) from which an auto
    // route needs at least each tier; the required tier is the higher of this
    // and the keyword score's. [routing.thresholds] difficulty_standard, ...
    // At 0.8 and above, cheap models lost 79-85% of the built-in model's
    // held-out prompts (its calibration); below, the learned figure only
    // informs, so confident keyword calls (a translation, an extraction) stand.
    double difficulty_standard_at = 0.8;
    double difficulty_strong_at = 0.9;
    double difficulty_frontier_at = 0.97;
    std::array<double, k_signal_count> weights{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}; // per Signal
};

struct Analysis {
    std::int64_t input_tokens = 0;    // estimate, see estimate_tokens()
    std::int64_t output_tokens = 0;   // expected output: min(max_tokens, default) or default
    std::int64_t max_output_tokens = 0; // the request's max_tokens, 0 when absent
    catalog::Tier tier = catalog::Tier::light;
    double score = 0;
    std::vector<SignalHit> signals;   // every hit, weights applied, in detection order
    std::string_view language = "en"; // "en", "zh", "ja", "ko", "ru", "ar", "hi", "other"
    // The kind of work, as the catalog's quality_by_category names it:
    // "coding", "math", "reasoning", "hard_prompts", "multilingual",
    // "long_context", "instruction_following"; "" for general chat. From the
    // strongest decisive signal.
    std::string_view category;
    int turns = 0;                    // user + assistant messages
    bool needs_tools = false;         // tools defined (and tool_choice not "none")
    bool needs_vision = false;        // an image part somewhere
    bool needs_json_schema = false;   // response_format type json_schema
    bool needs_json = false;          // any response_format

    // The hits with positive points, strongest first: the signals that decided
    // the tier.
    std::vector<SignalHit> decisive() const;
};

// Analyses `request`. Never fails; an empty request is light with 0 tokens.
// Thread-safe (pure).
Analysis analyse(const providers::ChatRequest& request, const AnalyserSettings& settings);

// The tier a learned difficulty asks for (see the settings above).
catalog::Tier tier_for_difficulty(double difficulty, const AnalyserSettings& settings);

// Estimated tokens of one text. ASCII prose counts ~4 characters per token,
// code-dense text (punctuation-heavy) ~3, CJK ~1 per character, other
// non-Latin scripts ~2 per character. Against o200k/cl100k tokenizers this is
// typically within +-20% for English prose and code and within +-35% for other
// languages; it errs high on whitespace-heavy text.
std::int64_t estimate_tokens(std::string_view text);

// The whole request's input estimate: every message (+4 per message for
// framing), the system prompt, tool definitions as JSON, and 800 per image (a
// high-detail 1024px image is ~765 tokens at OpenAI, ~1,600 max at Anthropic).
std::int64_t estimate_input_tokens(const providers::ChatRequest& request);

} // namespace megarouter::routing
