// `megarouter models refresh --from URL|FILE [--litellm FILE] [--dry-run]`:
// merges an OpenRouter-style models document (and optionally a LiteLLM price
// file) into the current catalog and writes <cache_dir>/catalog.json, which
// then takes precedence over the built-in catalog.
#include <iostream>
#include <memory>

#include "cmd_models_common.hpp"
#include "megarouter/catalog/refresh.hpp"

namespace megarouter::cli {

namespace {

using namespace megarouter::catalog;
using nlohmann::json;

struct RefreshOptions {
    std::string from;
    std::string litellm;
    bool dry_run = false;
    bool json = false;
};

std::string price_pair(const PriceSet& before, const PriceSet& after) {
    std::string text;
    auto part = [&](const char* label, Nanos a, Nanos b) {
        if (a == b) return;
        text += std::string(text.empty() ? "" : ", ") + label + " " + models::format_price(a) + " -> " +
                models::format_price(b);
    };
    part("in", before.input, after.input);
    part("out", before.output, after.output);
    part("cached", before.cache_read, after.cache_read);
    part("write", before.cache_write, after.cache_write);
    part("reasoning", before.reasoning.value_or(0), after.reasoning.value_or(0));
    return text;
}

void print_report(const RefreshReport& report) {
    for (const std::string& id : report.added) std::cout << "+ " << id << "\n";
    for (const PriceChange& change : report.price_changes)
        std::cout << "~ " << change.model_id << " at " << change.provider << ": " << price_pair(change.before, change.after)
                  << "\n";
    for (const std::string& id : report.removed) std::cout << "- " << id << "\n";
}

json report_json(const RefreshReport& report, const std::string& file, bool written) {
    json changes = json::array();
    for (const PriceChange& c : report.price_changes)
        changes.push_back({{"model", c.model_id},
                           {"provider", c.provider},
                           {"before", {{"in", nanos_to_usd(c.before.input)}, {"out", nanos_to_usd(c.before.output)}}},
                           {"after", {{"in", nanos_to_usd(c.after.input)}, {"out", nanos_to_usd(c.after.output)}}}});
    return {{"added", report.added}, {"price_changes", std::move(changes)}, {"removed", report.removed},
            {"file", file},          {"written", written}};
}

int run_refresh(Context& context, const RefreshOptions& options) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    // Merge into the catalog without config overrides, so they stay overrides.
    auto base = Catalog::load_base(context.paths);
    if (!base) return context.report(base.error());
    auto document = fetch_text(options.from);
    if (!document) return context.report(document.error());
    auto merged = merge_openrouter(*base, *document, today_utc());
    if (!merged) return context.report(merged.error());
    if (!options.litellm.empty()) {
        auto prices = fetch_text(options.litellm);
        if (!prices) return context.report(prices.error());
        auto updated = merge_litellm(merged->catalog, *prices, merged->report);
        if (!updated) return context.report(updated.error());
        merged->catalog = std::move(*updated);
    }
    const RefreshReport& report = merged->report;
    std::filesystem::path file = context.paths.cache_dir / "catalog.json";
    bool write = !options.dry_run;
    if (write)
        if (auto written = write_catalog_file(merged->catalog, file); !written) return context.report(written.error());
    if (options.json) {
        std::cout << report_json(report, file.string(), write).dump(2) << "\n";
        return 0;
    }
    print_report(report);
    std::cout << report.added.size() << " added, " << report.price_changes.size() << " price changes, "
              << report.removed.size() << " removed; " << merged->catalog.models().size() << " models. "
              << (write ? "Wrote " + file.string() : std::string("Dry run: nothing written")) << "\n";
    return 0;
}

} // namespace

void add_models_refresh_command(CLI::App& models, Context& context) {
    auto* refresh = models.add_subcommand("refresh", "Update the catalog from an OpenRouter-style models document");
    auto o = std::make_shared<RefreshOptions>();
    refresh->add_option("--from", o->from, "URL or file of an OpenRouter-style /api/v1/models document")
        ->required()
        ->option_text("URL|FILE");
    refresh->add_option("--litellm", o->litellm, "Also apply a LiteLLM-style price file (URL or file)")->option_text("FILE");
    refresh->add_flag("--dry-run", o->dry_run, "Show what would change; write nothing");
    refresh->add_flag("--json", o->json, "Print the changes as JSON");
    set_examples(*refresh, "  megarouter models refresh --from https://openrouter.ai/api/v1/models --dry-run\n"
                           "  megarouter models refresh --from models.json --litellm model_prices_and_context_window.json\n"
                           "  rm ~/.cache/megarouter/catalog.json   # back to the built-in catalog\n");
    refresh->callback([o, &context] { context.exit_code = run_refresh(context, *o); });
}

} // namespace megarouter::cli
