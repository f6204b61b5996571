// The catalog's value types: models, the offerings that serve them, and their
// prices. Money is integer nano-dollars (USD x 10^9) so sums are exact; prices
// are nano-dollars per million tokens.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace megarouter::catalog {

using Nanos = std::int64_t; // USD x 10^9

inline constexpr Nanos k_nanos_per_usd = 1'000'000'000;

// A capability tier: what class of work a model is fit for.
enum class Tier { light = 0, standard = 1, strong = 2, frontier = 3 };

enum Capability : std::uint32_t {
    cap_tools = 1u << 0,
    cap_parallel_tools = 1u << 1,
    cap_vision = 1u << 2,
    cap_json_schema = 1u << 3,
    cap_reasoning = 1u << 4,
    cap_prompt_caching = 1u << 5,
    cap_audio_input = 1u << 6,
    cap_pdf_input = 1u << 7,
};

// Prices in nano-dollars per million tokens. A zero cache price means the
// provider does not discount cached input (it is billed as input).
struct PriceSet {
    Nanos input = 0;
    Nanos output = 0;
    Nanos cache_read = 0;
    Nanos cache_write = 0;
    std::optional<Nanos> reasoning; // when reasoning tokens are priced apart from output
};

// A long-context tier: when the request's input tokens are above
// `above_input_tokens`, these prices replace the base prices.
struct PriceTier {
    std::int64_t above_input_tokens = 0;
    PriceSet prices;
};

// One provider's way to serve a model.
struct Offering {
    std::string provider;          // "openai", "anthropic", "openrouter", ...
    std::string provider_model_id; // the id the provider's API expects
    PriceSet prices;
    std::vector<PriceTier> tiers;  // ascending by above_input_tokens
    std::optional<std::string> region; // data residency, when known ("us", "eu")
    std::optional<std::string> base_url; // config-defined custom models only (e.g. a local Ollama)
};

// One measured quality figure: a score from 0 to 100, the public leaderboard
// it comes from ("lmarena", "livebench", "livebench (scaled to lmarena)",
// "aider-polyglot"; data/README.md says which repository, commit and file) and
// that leaderboard's snapshot date (YYYY-MM-DD).
struct QualityFigure {
    double value = 0;
    std::string source;
    std::string date;
};

struct Model {
    std::string id;           // canonical id, e.g. "gpt-4o"
    std::string name;         // display name
    std::string vendor;       // "openai", "anthropic", "google", ...
    std::string family;       // "gpt-4o", "claude-sonnet", ...
    std::string released;     // YYYY-MM-DD or YYYY-MM or ""
    std::string deprecated;   // YYYY-MM-DD or ""
    std::int64_t context_window = 0;
    std::int64_t max_output = 0;
    std::vector<std::string> input_modalities;  // text, image, audio, video, pdf
    std::vector<std::string> output_modalities;
    std::uint32_t capabilities = 0; // Capability bits
    Tier tier = Tier::standard;
    // Overall quality, 0..100 (tools/catalog_quality.py says how each board's
    // score becomes this scale). Routing nudges choices within a tier by it.
    // Empty in catalogs older than the quality fields, and for custom models
    // that do not set it.
    std::optional<double> quality;
    std::string quality_source;     // where `quality` comes from: a leaderboard, "estimate", "config"; "" unknown
    std::string quality_date;       // the source's snapshot date (YYYY-MM-DD); "" for estimates
    bool quality_estimated = false; // `quality` is guessed from the family and price tier, not measured
    // Per-category figures where a leaderboard has them: "coding", "math",
    // "reasoning", "hard_prompts", "creative_writing", "instruction_following",
    // "long_context", "multilingual", "data_analysis", "code_editing".
    std::map<std::string, QualityFigure> quality_by_category;
    std::vector<std::string> aliases;
    std::vector<Offering> offerings; // at least one; the vendor's own first where it exists

    bool has(Capability cap) const { return (capabilities & cap) != 0; }
};

// Token counts of one request, as providers report them. `input` excludes
// cached and cache-write tokens; `output` includes reasoning tokens.
// The most tokens one usage field may hold: an upstream claiming more is
// held here when read (a trillion, far above any context window), so sums
// of counts over fields and attempts stay far from int64's range.
inline constexpr std::int64_t k_max_tokens = 1'000'000'000'000;

// a + b held at the int64 range: upstream token counts are saturated when
// read, so sums of them (prompt = input + cached + cache write) must not
// overflow either.
inline std::int64_t add_saturated(std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a, b, &sum)) return sum;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

struct Usage {
    std::int64_t input = 0;
    std::int64_t cached_input = 0;
    std::int64_t cache_write = 0;
    std::int64_t output = 0;
    std::int64_t reasoning = 0;

    // Folds in a later report of the same request: providers report usage in
    // pieces (Anthropic: input at the start, output at the end), so each
    // non-zero field of `later` replaces this one's.
    void merge(const Usage& later) {
        if (later.input) input = later.input;
        if (later.cached_input) cached_input = later.cached_input;
        if (later.cache_write) cache_write = later.cache_write;
        if (later.output) output = later.output;
        if (later.reasoning) reasoning = later.reasoning;
    }
};

} // namespace megarouter::catalog
