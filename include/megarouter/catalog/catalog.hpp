// The model catalog: every model megarouter knows, the offerings that serve
// each one, and their prices. Built into the binary, refreshable into the
// cache folder, adjustable by the config file. Immutable once loaded, so it is
// safe to share between threads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::catalog {

class Catalog {
public:
    // Parses a catalog document (schema version 1, see data/catalog.json).
    // Fails with invalid_argument naming the model and field at fault.
    static Result<Catalog> from_json(std::string_view text, std::string_view origin);

    // The catalog compiled into the binary, parsed once and kept (tests and
    // tools that share one copy; load_base parses its own). Thread-safe.
    static const Catalog& builtin();
    // The JSON text compiled into the binary (data/catalog.json at build time).
    static std::string_view builtin_document();

    // The effective catalog: the refreshed copy in the cache folder when there
    // is one, else the built-in one, then the config file's [[models]] /
    // [prices] / hidden overrides applied. Fails with config or invalid_argument.
    static Result<Catalog> load(const core::Config& config, const core::Paths& paths);

    // The refreshed copy at <cache_dir>/catalog.json when it exists, else the
    // built-in one; no config overrides (what `models refresh` merges into).
    // Fails with invalid_argument when the cached file does not parse.
    static Result<Catalog> load_base(const core::Paths& paths);

    // A catalog from models already in memory (refresh, tests). Aliases that
    // collide with another model's id are resolved in favour of the id.
    static Catalog from_models(std::vector<Model> models, std::string generated, std::string origin);

    std::span<const Model> models() const { return m_models; }
    // The document's "generated" date, and where it was read from
    // ("built-in", a file path, or a test's origin string).
    const std::string& generated() const { return m_generated; }
    const std::string& origin() const { return m_origin; }

    // A model by id or alias, case-insensitive; also accepts
    // "provider/provider_model_id" of any offering. nullptr when unknown.
    const Model* find(std::string_view id_or_alias) const;

    // Up to `count` known ids closest to `unknown` (for "did you mean ...?").
    std::vector<std::string> suggestions(std::string_view unknown, std::size_t count = 3) const;

    // The config's price for a model the catalog does not list yet
    // ([prices."provider/model"], or a bare id with `provider = ...`): an
    // offering by `provider` of `model_id` (case-insensitive), or nullptr.
    // Requests for such a model pass through priced by it (see
    // routing's pass-through of unknown models).
    const Offering* unlisted_price(std::string_view provider, std::string_view model_id) const;

private:
    void index();
    std::vector<Model> m_models;
    std::string m_generated;
    std::string m_origin;
    std::unordered_map<std::string, std::size_t> m_by_name; // lowercase id/alias -> index
    std::vector<Offering> m_unlisted; // [prices] of models not listed
};

// The most one request may cost: $1,000,000. Whatever counts an upstream
// claims and whatever prices a config sets, a request's cost is held here,
// so the sums budgets and reports make of many requests stay in int64.
inline constexpr Nanos k_max_request_cost = 1'000'000'000'000'000;

// The exact cost of `usage` at `offering`, in nano-dollars: the long-context
// tier whose threshold the request's input (input + cached + cache write)
// exceeds replaces the base prices; reasoning tokens are billed at the
// reasoning price where one exists, otherwise as output. Rounded once, to the
// nearest nano-dollar, and held at k_max_request_cost.
Nanos cost(const Offering& offering, const Usage& usage);

// The offering with the lowest input+output price (ties: first listed).
const Offering* cheapest_offering(const Model& model);

// The prices `cost` applies to `usage`: the highest long-context tier whose
// threshold the total input exceeds, else the base prices. The returned tier
// pointer is null when the base prices apply.
const PriceTier* applicable_tier(const Offering& offering, const Usage& usage);

// The offering of `model` served by `provider` (case-insensitive), or null.
const Offering* find_offering(const Model& model, std::string_view provider);

// Whether the model is retired: a deprecation date on or before `today`
// (YYYY-MM-DD). Models with a future date are still listed.
bool is_deprecated(const Model& model, std::string_view today);

// Today's date in UTC as YYYY-MM-DD.
std::string today_utc();

// Capability names as the catalog spells them ("tools", "vision", ...).
std::string_view to_string(Capability cap);
// Parses a capability name; also accepts "json", "caching", "parallel",
// "audio", "pdf". Case-insensitive.
std::optional<Capability> parse_capability(std::string_view text);
inline constexpr Capability k_all_capabilities[] = {cap_tools,     cap_parallel_tools,  cap_vision,      cap_json_schema,
                                                    cap_reasoning, cap_prompt_caching, cap_audio_input, cap_pdf_input};

// Exact decimal text of an amount, trailing zeros trimmed: "0.0075", "12", "-0.5".
std::string format_usd_plain(Nanos amount);
// Nano-dollars -> USD as a double (for JSON output only; sums stay in Nanos).
double nanos_to_usd(Nanos amount);

// USD per million tokens -> nano-dollars per million tokens, rounded.
Nanos usd_per_mtok_to_nanos(double usd);

// "$0.0123" style text with sensible precision.
std::string format_usd(Nanos amount);

std::string_view to_string(Tier tier);
// Parses "light" / "standard" / "strong" / "frontier".
std::optional<Tier> parse_tier(std::string_view text);

} // namespace megarouter::catalog
