// Writing catalogs back out in the catalog schema (version 1), and saving the
// refreshed copy atomically.
#include <fstream>
#include <unistd.h>

#include "megarouter/catalog/refresh.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::catalog {

namespace {

using nlohmann::json;

json price_json(Nanos nanos) { return nanos_to_usd(nanos); }

json prices_json(const PriceSet& p) {
    return {{"in", price_json(p.input)},
            {"out", price_json(p.output)},
            {"cache_read", price_json(p.cache_read)},
            {"cache_write", price_json(p.cache_write)},
            {"reasoning", p.reasoning ? price_json(*p.reasoning) : json(nullptr)}};
}

json offering_json(const Offering& offering) {
    json tiers = json::array();
    for (const PriceTier& tier : offering.tiers) {
        json t = prices_json(tier.prices);
        t.erase("reasoning");
        t["above"] = tier.above_input_tokens;
        tiers.push_back(std::move(t));
    }
    json out = {{"provider", offering.provider},
                {"id", offering.provider_model_id},
                {"price", prices_json(offering.prices)},
                {"tiers", std::move(tiers)},
                {"region", offering.region ? json(*offering.region) : json(nullptr)}};
    if (offering.base_url) out["base_url"] = *offering.base_url;
    return out;
}

json quality_by_category_json(const Model& model) {
    json out = json::object();
    for (const auto& [category, figure] : model.quality_by_category)
        out[category] = {{"value", figure.value}, {"source", figure.source}, {"date", figure.date}};
    return out;
}

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

} // namespace

json model_to_json(const Model& model) {
    json caps = json::array();
    for (Capability cap : k_all_capabilities)
        if (model.has(cap)) caps.push_back(std::string(to_string(cap)));
    json offerings = json::array();
    for (const Offering& offering : model.offerings) offerings.push_back(offering_json(offering));
    return {{"id", model.id},
            {"name", model.name},
            {"vendor", model.vendor},
            {"family", model.family},
            {"released", model.released},
            {"deprecated", model.deprecated},
            {"context", model.context_window},
            {"max_output", model.max_output},
            {"input", model.input_modalities},
            {"output", model.output_modalities},
            {"caps", std::move(caps)},
            {"tier", std::string(to_string(model.tier))},
            {"quality", model.quality ? json(*model.quality) : json(nullptr)},
            {"quality_source", text_or_null(model.quality_source)},
            {"quality_date", text_or_null(model.quality_date)},
            {"quality_estimated", model.quality_estimated},
            {"quality_by_category", quality_by_category_json(model)},
            {"aliases", model.aliases},
            {"offerings", std::move(offerings)}};
}

std::string catalog_to_json_text(const Catalog& catalog) {
    // One model per line, like data/catalog.json, so diffs stay readable.
    std::string text = "{\"version\":1,\"generated\":" + json(catalog.generated()).dump() + ",\"models\":[\n";
    bool first = true;
    for (const Model& model : catalog.models()) {
        if (!first) text += ",\n";
        first = false;
        text += model_to_json(model).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    text += "\n]}\n";
    return text;
}

Result<void> write_catalog_file(const Catalog& catalog, const std::filesystem::path& file) {
    if (auto dir = core::ensure_private_dir(file.parent_path()); !dir) return dir;
    std::filesystem::path temporary = file;
    temporary += ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << catalog_to_json_text(catalog);
        if (!out.flush()) return fail(ErrorCode::io, "cannot write " + temporary.string());
    }
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        std::filesystem::remove(temporary, ec);
        return fail(ErrorCode::io, "cannot replace " + file.string());
    }
    return {};
}

} // namespace megarouter::catalog
