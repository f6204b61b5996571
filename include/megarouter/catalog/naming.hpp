// What a model id the catalog does not list yet says about itself: the
// provider whose naming it follows ("gpt-6.2-sol" is OpenAI's, "claude-*"
// Anthropic's) and the listed model it is most likely a sibling of
// ("gpt-6-sol"), whose prices serve as an estimate until `models refresh`
// learns the real ones.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

// The provider (and vendor) whose naming `id` clearly follows, or nullopt:
// gpt-*, o<digit>*, chatgpt-*, codex-*, text-embedding-* -> openai;
// claude-* -> anthropic; gemini-* -> google; grok-* -> xai; mistral-*,
// codestral-*, devstral-*, magistral-*, ministral-*, pixtral-* -> mistral;
// deepseek-* -> deepseek; command-* -> cohere; kimi-* -> moonshot;
// glm-* -> zhipu; qwen*, qwq-* -> dashscope; sonar* -> perplexity.
// Case-insensitive.
struct Naming {
    std::string_view provider;
    std::string_view vendor;
};
std::optional<Naming> naming_of(std::string_view id);

// The listed model served by `provider` whose id has the same words as `id`
// once version numbers are set aside ("gpt-6.2-sol" and "gpt-6-sol" are both
// gpt .. sol), preferring the highest version not above `id`'s, else the
// lowest above it. nullptr when no listed model has the same words.
const Model* closest_sibling(const Catalog& catalog, std::string_view id, std::string_view provider);

// The listed model `id` is most likely a typo of, or nullptr: one within two
// edits whose version numbers are the same ("gpt-4o-minii" of "gpt-4o-mini").
// A different number is a new version ("gpt-6.2-sol", "claude-opus-9"), not a typo.
const Model* likely_typo_of(const Catalog& catalog, std::string_view id);

// The edit distance of `a` and `b` when it is at most `limit`, else limit + 1.
std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit);

} // namespace megarouter::catalog
