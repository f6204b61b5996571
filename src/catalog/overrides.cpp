// Catalog::load: the base catalog (refreshed copy or built-in) with the config
// file's overrides applied, in this order: [[models]] custom models (a custom
// id equal to a known id replaces that model), [prices."<id>"] price
// overrides (and prices of models not listed yet, kept apart for
// pass-through), then [catalog] hidden. Every mistake names its file:line.
#include <algorithm>
#include <cctype>
#include <set>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

namespace {

using nlohmann::json;

struct Reader {
    const core::Config& config;

    Error error(const std::string& pointer, const std::string& what) const {
        return make_error(ErrorCode::config, config.where(pointer) + ": " + what);
    }

    Result<void> string(const json& table, const std::string& pointer, const char* key, std::string& out) const {
        auto it = table.find(key);
        if (it == table.end()) return {};
        if (!it->is_string()) return fail(error(pointer + "/" + key, std::string("'") + key + "' must be a string"));
        out = it->get<std::string>();
        return {};
    }

    Result<void> integer(const json& table, const std::string& pointer, const char* key, std::int64_t& out) const {
        auto it = table.find(key);
        if (it == table.end()) return {};
        if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
            return fail(error(pointer + "/" + key, std::string("'") + key + "' must be a non-negative integer"));
        out = it->get<std::int64_t>();
        return {};
    }

    // A price in USD per million tokens.
    Result<void> price(const json& table, const std::string& pointer, const char* key, Nanos& out) const {
        auto it = table.find(key);
        if (it == table.end()) return {};
        if (!it->is_number() || it->get<double>() < 0)
            return fail(error(pointer + "/" + key,
                              std::string("'") + key + "' must be a non-negative number (USD per million tokens)"));
        out = usd_per_mtok_to_nanos(it->get<double>());
        return {};
    }

    Result<void> strings(const json& table, const std::string& pointer, const char* key,
                         std::vector<std::string>& out) const {
        auto it = table.find(key);
        if (it == table.end()) return {};
        bool ok = it->is_array();
        if (ok)
            for (const json& item : *it) ok = ok && item.is_string();
        if (!ok) return fail(error(pointer + "/" + key, std::string("'") + key + "' must be a list of strings"));
        out = it->get<std::vector<std::string>>();
        return {};
    }

    Result<void> only_keys(const json& table, const std::string& pointer, std::initializer_list<const char*> keys) const {
        for (auto& [key, value] : table.items()) {
            bool known = false;
            for (const char* k : keys) known = known || key == k;
            if (known) continue;
            std::string list;
            for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
            return fail(error(pointer + "/" + key, "unknown key '" + key + "' (known: " + list + ")"));
        }
        return {};
    }
};

std::string did_you_mean(const Catalog& catalog, const std::string& id) {
    auto near = catalog.suggestions(id);
    if (near.empty()) return "";
    std::string text = " (did you mean ";
    for (std::size_t i = 0; i < near.size(); ++i) text += (i ? ", " : "") + near[i];
    return text + "?)";
}

Result<Model> custom_model(const Reader& r, const json& table, const std::string& at) {
    if (!table.is_object()) return fail(r.error(at, "each [[models]] entry must be a table"));
    if (auto ok = r.only_keys(table, at, {"id", "name", "vendor", "family", "provider", "provider_model_id", "context",
                                          "max_output", "input_price", "output_price", "cache_read_price",
                                          "cache_write_price", "tier", "caps", "aliases", "base_url", "quality",
                                          "input"});
        !ok)
        return std::unexpected(ok.error());
    Model model;
    Offering offering;
    std::string tier = "standard", base_url;
    std::vector<std::string> caps;
    Result<void> steps[] = {
        r.string(table, at, "id", model.id),          r.string(table, at, "name", model.name),
        r.string(table, at, "vendor", model.vendor),  r.string(table, at, "family", model.family),
        r.string(table, at, "provider", offering.provider),
        r.string(table, at, "provider_model_id", offering.provider_model_id),
        r.integer(table, at, "context", model.context_window), r.integer(table, at, "max_output", model.max_output),
        r.price(table, at, "input_price", offering.prices.input), r.price(table, at, "output_price", offering.prices.output),
        r.price(table, at, "cache_read_price", offering.prices.cache_read),
        r.price(table, at, "cache_write_price", offering.prices.cache_write), r.string(table, at, "tier", tier),
        r.strings(table, at, "caps", caps),           r.strings(table, at, "aliases", model.aliases),
        r.string(table, at, "base_url", base_url),    r.strings(table, at, "input", model.input_modalities),
    };
    for (auto& step : steps)
        if (!step) return std::unexpected(step.error());
    if (model.id.empty()) return fail(r.error(at, "a custom model needs an 'id'"));
    if (model.context_window <= 0) return fail(r.error(at, "custom model '" + model.id + "' needs 'context' (tokens)"));
    if (auto parsed = parse_tier(tier)) model.tier = *parsed;
    else return fail(r.error(at + "/tier", "unknown tier '" + tier + "' (light, standard, strong, frontier)"));
    for (std::size_t i = 0; i < caps.size(); ++i) {
        auto cap = parse_capability(caps[i]);
        if (!cap) return fail(r.error(at + "/caps/" + std::to_string(i), "unknown capability '" + caps[i] + "'"));
        model.capabilities |= *cap;
    }
    if (auto q = table.find("quality"); q != table.end()) {
        if (!q->is_number() || q->get<double>() < 0 || q->get<double>() > 100)
            return fail(r.error(at + "/quality", "'quality' must be a number from 0 to 100"));
        model.quality = q->get<double>();
        model.quality_source = "config";
    }
    if (model.name.empty()) model.name = model.id;
    if (model.vendor.empty()) model.vendor = "custom";
    if (model.family.empty()) model.family = model.id;
    if (model.input_modalities.empty()) model.input_modalities = {"text"};
    model.output_modalities = {"text"};
    if (model.max_output == 0) model.max_output = model.context_window;
    if (offering.provider.empty()) offering.provider = "custom";
    if (offering.provider_model_id.empty()) offering.provider_model_id = model.id;
    if (!base_url.empty()) offering.base_url = base_url;
    model.offerings.push_back(std::move(offering));
    return model;
}

Result<void> apply_custom_models(const Reader& r, const json& list, std::vector<Model>& models) {
    if (!list.is_array()) return fail(r.error("/models", "'models' must be an array of tables ([[models]])"));
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto model = custom_model(r, list[i], "/models/" + std::to_string(i));
        if (!model) return std::unexpected(model.error());
        auto same = std::find_if(models.begin(), models.end(), [&](const Model& m) { return m.id == model->id; });
        if (same != models.end()) *same = std::move(*model);
        else models.push_back(std::move(*model));
    }
    return {};
}

// A price for a model the catalog does not list yet: the key names its
// provider ("openai/gpt-6.2-sol") or the table does (provider = "openai").
// A bare unknown id without a provider stays an error, so that a typo of a
// listed id is still caught.
Result<void> price_unlisted(const Reader& r, const Catalog& catalog, const std::string& key, std::string provider,
                            const json& table, std::vector<Offering>& unlisted) {
    const std::string at = "/prices/" + key;
    std::string model = key;
    if (std::size_t slash = key.find('/'); provider.empty() && slash != std::string::npos && slash > 0) {
        provider = key.substr(0, slash);
        model = key.substr(slash + 1);
    }
    if (provider.empty() || model.empty())
        return fail(r.error(at, "unknown model '" + key + "'" + did_you_mean(catalog, key) +
                                    "; to price a model the catalog does not list yet, name its provider: "
                                    "[prices.\"<provider>/" + key + "\"] or provider = \"<provider>\""));
    Offering offering;
    for (char& c : provider) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    offering.provider = provider;
    offering.provider_model_id = model;
    PriceSet& p = offering.prices;
    Nanos reasoning = 0;
    Result<void> steps[] = {r.price(table, at, "input", p.input), r.price(table, at, "output", p.output),
                            r.price(table, at, "cache_read", p.cache_read),
                            r.price(table, at, "cache_write", p.cache_write), r.price(table, at, "reasoning", reasoning)};
    for (auto& step : steps)
        if (!step) return step;
    if (table.contains("reasoning")) p.reasoning = reasoning;
    if (!table.contains("input") || !table.contains("output"))
        return fail(r.error(at, "a model the catalog does not list needs both input and output prices"));
    unlisted.push_back(std::move(offering));
    return {};
}

Result<void> apply_price(const Reader& r, const Catalog& catalog, const std::string& key, const json& table,
                         std::vector<Model>& models, std::vector<Offering>& unlisted) {
    std::string at = "/prices/" + key;
    if (!table.is_object()) return fail(r.error(at, "[prices.\"" + key + "\"] must be a table"));
    if (auto ok = r.only_keys(table, at, {"provider", "input", "output", "cache_read", "cache_write", "reasoning"}); !ok)
        return ok;
    std::string provider;
    if (auto ok = r.string(table, at, "provider", provider); !ok) return ok;
    const Model* found = catalog.find(key);
    if (!found) return price_unlisted(r, catalog, key, provider, table, unlisted);
    Model& model = models[static_cast<std::size_t>(found - catalog.models().data())];
    // "openai/gpt-4o" names one offering; a plain id names them all unless
    // `provider` picks one.
    auto key_of = [](const Offering& o) { return o.provider + "/" + o.provider_model_id; };
    bool names_offering = std::any_of(model.offerings.begin(), model.offerings.end(),
                                      [&](const Offering& o) { return key_of(o) == key; });
    bool matched = false;
    for (Offering& offering : model.offerings) {
        bool selected = !provider.empty() ? find_offering(model, provider) == &offering
                                          : (!names_offering || key_of(offering) == key);
        if (!selected) continue;
        matched = true;
        PriceSet& p = offering.prices;
        Nanos reasoning = p.reasoning.value_or(0);
        Result<void> steps[] = {r.price(table, at, "input", p.input), r.price(table, at, "output", p.output),
                                r.price(table, at, "cache_read", p.cache_read),
                                r.price(table, at, "cache_write", p.cache_write),
                                r.price(table, at, "reasoning", reasoning)};
        for (auto& step : steps)
            if (!step) return step;
        if (table.contains("reasoning")) p.reasoning = reasoning;
        offering.tiers.clear(); // a negotiated rate is flat
    }
    if (!matched)
        return fail(r.error(at + "/provider", "model '" + model.id + "' has no offering by '" + provider + "'"));
    return {};
}

Result<void> apply_hidden(const Reader& r, const Catalog& catalog, const json& section, std::vector<Model>& models) {
    std::vector<std::string> hidden;
    if (auto ok = r.strings(section, "/catalog", "hidden", hidden); !ok) return ok;
    std::set<std::string> drop;
    for (std::size_t i = 0; i < hidden.size(); ++i) {
        const Model* found = catalog.find(hidden[i]);
        if (!found)
            return fail(r.error("/catalog/hidden/" + std::to_string(i),
                                "cannot hide unknown model '" + hidden[i] + "'" + did_you_mean(catalog, hidden[i])));
        drop.insert(found->id);
    }
    std::erase_if(models, [&](const Model& m) { return drop.contains(m.id); });
    return {};
}

} // namespace

Result<Catalog> Catalog::load(const core::Config& config, const core::Paths& paths) {
    auto base = load_base(paths);
    if (!base) return base;
    const json& doc = config.document;
    auto custom = doc.find("models");
    auto prices = doc.find("prices");
    auto section = doc.find("catalog");
    if (custom == doc.end() && prices == doc.end() && (section == doc.end() || !section->contains("hidden")))
        return base;
    Reader r{config};
    std::vector<Model> models(base->models().begin(), base->models().end());
    if (custom != doc.end())
        if (auto ok = apply_custom_models(r, *custom, models); !ok) return std::unexpected(ok.error());
    Catalog current = from_models(std::move(models), base->generated(), base->origin());
    std::vector<Model> working(current.models().begin(), current.models().end());
    std::vector<Offering> unlisted;
    if (prices != doc.end()) {
        if (!prices->is_object()) return fail(r.error("/prices", "[prices] must be a table of models"));
        for (auto& [key, table] : prices->items())
            if (auto ok = apply_price(r, current, key, table, working, unlisted); !ok)
                return std::unexpected(ok.error());
    }
    if (section != doc.end() && section->is_object())
        if (auto ok = apply_hidden(r, current, *section, working); !ok) return std::unexpected(ok.error());
    Catalog out = from_models(std::move(working), current.generated(),
                              current.origin() + " + " + (config.file.empty() ? std::string("config") : config.file.string()));
    out.m_unlisted = std::move(unlisted);
    return out;
}

} // namespace megarouter::catalog
