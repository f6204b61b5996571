// merge_openrouter: an OpenRouter /api/v1/models document folded into the
// catalog. Known models get their openrouter offering's prices updated;
// unknown ones are added with what the document says (the tier is guessed
// from the input price, since the document has no notion of one).
#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "megarouter/catalog/refresh.hpp"

namespace megarouter::catalog {

namespace {

using nlohmann::json;

constexpr std::string_view k_provider = "openrouter";

std::string lower(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return text;
}

std::optional<Nanos> price_field(const json& pricing, const char* key) {
    auto it = pricing.find(key);
    if (it == pricing.end() || it->is_null()) return Nanos{0};
    if (it->is_string()) return per_token_text_to_nanos(it->get<std::string>());
    if (it->is_number()) return per_token_text_to_nanos(it->dump());
    return std::nullopt;
}

// The document's prices, or nullopt when they are missing, malformed or
// negative (OpenRouter writes "-1" for routers with variable prices).
std::optional<PriceSet> entry_prices(const json& entry) {
    auto pricing = entry.find("pricing");
    if (pricing == entry.end() || !pricing->is_object()) return std::nullopt;
    auto in = price_field(*pricing, "prompt");
    auto out = price_field(*pricing, "completion");
    auto read = price_field(*pricing, "input_cache_read");
    auto write = price_field(*pricing, "input_cache_write");
    auto reasoning = price_field(*pricing, "internal_reasoning");
    if (!in || !out || !read || !write || !reasoning) return std::nullopt;
    if (*in < 0 || *out < 0 || *read < 0 || *write < 0 || *reasoning < 0) return std::nullopt;
    PriceSet prices{.input = *in, .output = *out, .cache_read = *read, .cache_write = *write, .reasoning = {}};
    if (*reasoning > 0) prices.reasoning = *reasoning;
    return prices;
}

bool same_prices(const PriceSet& a, const PriceSet& b) {
    return a.input == b.input && a.output == b.output && a.cache_read == b.cache_read &&
           a.cache_write == b.cache_write && a.reasoning == b.reasoning;
}

std::vector<std::string> string_list(const json& object, const char* key) {
    std::vector<std::string> out;
    auto it = object.find(key);
    if (it != object.end() && it->is_array())
        for (const json& item : *it)
            if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

std::string date_of(const json& entry) {
    auto it = entry.find("created");
    if (it == entry.end() || !it->is_number_integer()) return "";
    std::time_t when = it->get<std::time_t>();
    std::tm utc{};
    gmtime_r(&when, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

Tier guess_tier(const PriceSet& prices) {
    if (prices.input < usd_per_mtok_to_nanos(0.5)) return Tier::light;
    if (prices.input < usd_per_mtok_to_nanos(2)) return Tier::standard;
    if (prices.input < usd_per_mtok_to_nanos(5)) return Tier::strong;
    return Tier::frontier;
}

// Vendor names as the catalog spells them, learnt from the catalog's own
// openrouter offerings ("x-ai/grok-4" belongs to vendor "xai").
std::map<std::string, std::string> vendor_names(const std::vector<Model>& models) {
    std::map<std::string, std::string> names = {{"x-ai", "xai"},         {"meta-llama", "meta"},
                                                {"mistralai", "mistral"}, {"moonshotai", "moonshot"},
                                                {"z-ai", "zhipu"}};
    for (const Model& model : models)
        for (const Offering& offering : model.offerings)
            if (offering.provider == k_provider && offering.provider_model_id.find('/') != std::string::npos)
                names[lower(offering.provider_model_id.substr(0, offering.provider_model_id.find('/')))] = model.vendor;
    return names;
}

Model new_model(const json& entry, const std::string& or_id, const PriceSet& prices, const std::string& vendor,
                const Catalog& base) {
    Model model;
    std::string short_id = lower(or_id.substr(or_id.find('/') + 1));
    model.id = base.find(short_id) ? lower(or_id) : short_id;
    model.name = entry.value("name", model.id);
    if (auto colon = model.name.find(": "); colon != std::string::npos) model.name.erase(0, colon + 2);
    model.vendor = vendor;
    model.family = short_id;
    model.released = date_of(entry);
    model.context_window = entry.value("context_length", std::int64_t{0});
    if (auto top = entry.find("top_provider"); top != entry.end() && top->is_object()) {
        auto max = top->find("max_completion_tokens");
        if (max != top->end() && max->is_number_integer()) model.max_output = max->get<std::int64_t>();
    }
    json architecture = entry.value("architecture", json::object());
    for (std::string& modality : string_list(architecture, "input_modalities"))
        model.input_modalities.push_back(modality == "file" ? "pdf" : modality);
    model.output_modalities = string_list(architecture, "output_modalities");
    if (model.input_modalities.empty()) model.input_modalities = {"text"};
    if (model.output_modalities.empty()) model.output_modalities = {"text"};
    for (const std::string& parameter : string_list(entry, "supported_parameters")) {
        if (parameter == "tools") model.capabilities |= cap_tools;
        if (parameter == "structured_outputs") model.capabilities |= cap_json_schema;
        if (parameter == "reasoning" || parameter == "include_reasoning") model.capabilities |= cap_reasoning;
    }
    for (const std::string& modality : model.input_modalities) {
        if (modality == "image") model.capabilities |= cap_vision;
        if (modality == "audio") model.capabilities |= cap_audio_input;
        if (modality == "pdf") model.capabilities |= cap_pdf_input;
    }
    if (prices.cache_read > 0) model.capabilities |= cap_prompt_caching;
    model.tier = guess_tier(prices);
    if (lower(or_id) != model.id) model.aliases.push_back(or_id);
    model.offerings.push_back({.provider = std::string(k_provider), .provider_model_id = or_id, .prices = prices,
                               .tiers = {}, .region = {}, .base_url = {}});
    return model;
}

} // namespace

Result<RefreshResult> merge_openrouter(const Catalog& base, std::string_view document, std::string generated) {
    json doc;
    try {
        doc = json::parse(document);
    } catch (const json::exception& error) {
        return fail(ErrorCode::invalid_argument, std::string("the models document is not JSON: ") + error.what());
    }
    auto data = doc.is_object() ? doc.find("data") : doc.end();
    if (!doc.is_object() || data == doc.end() || !data->is_array())
        return fail(ErrorCode::invalid_argument, "the models document has no \"data\" array (expected OpenRouter's /api/v1/models)");
    if (data->empty())
        return fail(ErrorCode::invalid_argument, "the models document lists no models; refusing to drop every openrouter offering");

    std::vector<Model> models(base.models().begin(), base.models().end());
    auto vendors = vendor_names(models);
    RefreshReport report;
    std::set<std::pair<std::size_t, std::string>> seen; // (model index, lowercase openrouter id)
    for (const json& entry : *data) {
        if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_string()) continue;
        std::string or_id = entry["id"].get<std::string>();
        // Variants such as ":free" or ":extended" are other products of the same model.
        if (or_id.find('/') == std::string::npos || or_id.find(':') != std::string::npos) continue;
        auto prices = entry_prices(entry);
        if (!prices) continue;
        const Model* known = base.find("openrouter/" + or_id);
        if (!known) known = base.find(or_id);
        if (!known) known = base.find(or_id.substr(or_id.find('/') + 1));
        if (!known) {
            std::string prefix = lower(or_id.substr(0, or_id.find('/')));
            std::string vendor = vendors.contains(prefix) ? vendors[prefix] : prefix;
            Model model = new_model(entry, or_id, *prices, vendor, base);
            if (model.context_window <= 0) continue;
            seen.insert({models.size(), lower(or_id)});
            report.added.push_back(model.id);
            models.push_back(std::move(model));
            continue;
        }
        std::size_t index = static_cast<std::size_t>(known - base.models().data());
        Model& model = models[index];
        seen.insert({index, lower(or_id)});
        auto offering = std::find_if(model.offerings.begin(), model.offerings.end(), [&](const Offering& o) {
            return o.provider == k_provider && lower(o.provider_model_id) == lower(or_id);
        });
        if (offering == model.offerings.end()) {
            model.offerings.push_back({.provider = std::string(k_provider), .provider_model_id = or_id,
                                       .prices = *prices, .tiers = {}, .region = {}, .base_url = {}});
            report.added.push_back(model.id + " (openrouter offering)");
        } else if (!same_prices(offering->prices, *prices)) {
            report.price_changes.push_back({model.id, std::string(k_provider), offering->prices, *prices});
            offering->prices = *prices;
        }
    }
    for (std::size_t i = 0; i < models.size(); ++i) {
        Model& model = models[i];
        auto gone = [&](const Offering& o) {
            return o.provider == k_provider && !seen.contains({i, lower(o.provider_model_id)});
        };
        std::size_t before = model.offerings.size();
        std::erase_if(model.offerings, gone);
        if (model.offerings.size() == before) continue;
        report.removed.push_back(model.offerings.empty() ? model.id : model.id + " (openrouter offering)");
    }
    std::erase_if(models, [](const Model& m) { return m.offerings.empty(); });
    return RefreshResult{Catalog::from_models(std::move(models), std::move(generated), "refreshed"), std::move(report)};
}

} // namespace megarouter::catalog
