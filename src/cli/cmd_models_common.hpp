// What the `megarouter models ...` subcommands share: loading the effective
// catalog, looking a model up with "did you mean", and compact text for token
// counts, prices and capabilities.
#pragma once

#include <string>

#include "context.hpp"
#include "megarouter/catalog/catalog.hpp"

namespace megarouter::cli::models {

// The effective catalog (cache copy or built-in, plus config overrides).
// Fails with config when the config file or its overrides are wrong.
Result<catalog::Catalog> load_catalog(Context& context);

// The model `id` names, or not_found: "unknown model 'x' (did you mean a, b?)".
Result<const catalog::Model*> find_model(const catalog::Catalog& catalog, const std::string& id);

// 128000 -> "128K", 1048576 -> "1M", 2000000 -> "2M", 900 -> "900".
std::string format_tokens(std::int64_t tokens);

// A price per million tokens without the "$": "2.50", "0.075", "0.00".
std::string format_price(catalog::Nanos per_mtok);

// Fixed-position capability letters, "-" where absent: "TPVJRC" =
// tools, parallel tools, vision, JSON schema, reasoning, prompt caching.
std::string capability_letters(const catalog::Model& model);
inline constexpr const char* k_capability_legend =
    "CAPS: T tools, P parallel tools, V vision, J JSON schema, R reasoning, C caching";

// The overall quality to one decimal: "87.2"; "~94.4" when it is an
// estimate, "-" when there is none.
std::string format_quality(const catalog::Model& model);
// The quality with where it comes from: "87.2 (lmarena, 2025-12-11)",
// "~94.4 (estimate from family and tier)", "70 (config)", "-".
std::string describe_quality(const catalog::Model& model);
inline constexpr const char* k_quality_legend = "QUAL: overall quality 0-100 from public leaderboards, ~ an estimate";

// "tools,vision,..." for CSV and `show`.
std::string capability_names(const catalog::Model& model, const char* separator);

} // namespace megarouter::cli::models
