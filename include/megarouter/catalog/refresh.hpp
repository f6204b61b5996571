// Updating the catalog from outside sources: an OpenRouter-style
// /api/v1/models document and a LiteLLM-style price file, merged into the
// current catalog, plus writing a catalog back out as JSON (schema version 1).
// Pure functions over values, except fetch_text and write_catalog_file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

// One offering whose prices a refresh changed.
struct PriceChange {
    std::string model_id;
    std::string provider;
    PriceSet before;
    PriceSet after;
};

// What a refresh changed, for `models refresh` to print.
struct RefreshReport {
    std::vector<std::string> added;          // new model ids
    std::vector<PriceChange> price_changes;
    std::vector<std::string> removed;        // "model-id" (model gone) or "model-id (openrouter offering)"
    bool empty() const { return added.empty() && price_changes.empty() && removed.empty(); }
};

struct RefreshResult {
    Catalog catalog;
    RefreshReport report;
};

// Merges an OpenRouter /api/v1/models document (data[]: id "vendor/model",
// name, context_length, pricing.prompt / completion / input_cache_read /
// input_cache_write / internal_reasoning as USD-per-token strings,
// top_provider.max_completion_tokens, architecture.input_modalities /
// output_modalities, supported_parameters) into `base`: updates the prices
// of existing openrouter offerings, adds an openrouter offering to known
// models that lack one, adds unknown models, and drops openrouter offerings
// absent from the document (a model left with no offering is removed).
// Entries with negative ("-1", variable) prices are skipped. Fails with
// invalid_argument when the text is not such a document.
Result<RefreshResult> merge_openrouter(const Catalog& base, std::string_view document, std::string generated);

// Applies a LiteLLM-style price file ({"<model>": {"input_cost_per_token",
// "output_cost_per_token", "cache_read_input_token_cost",
// "cache_creation_input_token_cost", "litellm_provider", ...}}) to offerings
// that already exist: an entry matches the offering whose provider maps from
// litellm_provider and whose provider model id equals the key (without a
// "provider/" prefix). Adds no models. Appends to `report`.
Result<Catalog> merge_litellm(const Catalog& base, std::string_view document, RefreshReport& report);

// A model / a whole catalog as JSON in the catalog schema (version 1).
nlohmann::json model_to_json(const Model& model);
std::string catalog_to_json_text(const Catalog& catalog);

// "0.0000025" (USD per token, as OpenRouter writes prices) -> nano-dollars per
// million tokens, exactly (no floating point). nullopt when not a decimal.
std::optional<Nanos> per_token_text_to_nanos(std::string_view text);

// Fetches an http(s) URL with libcurl (30 s timeout, redirects followed).
// Fails with upstream_unavailable / upstream_error, or io for a FILE path
// that cannot be read when `source` is not a URL.
Result<std::string> fetch_text(const std::string& source);

// Writes `catalog` to `file` atomically (temporary file + rename), creating
// the folder with mode 0700. Fails with io.
Result<void> write_catalog_file(const Catalog& catalog, const std::filesystem::path& file);

} // namespace megarouter::catalog
