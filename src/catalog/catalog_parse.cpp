// Catalog::from_json: schema version 1 read with the pull parser straight into
// Model values (no DOM), then checked model by model.
#include <algorithm>

#include "catalog/json_reader.hpp"
#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

namespace {

// Reads a price in USD per million tokens; null reads as 0 unless `optional`.
bool read_price(JsonReader& reader, Nanos& out) {
    if (reader.read_null()) return out = 0, true;
    double usd = 0;
    if (!reader.read_number(usd)) return false;
    if (usd < 0) return reader.fail("negative price");
    out = usd_per_mtok_to_nanos(usd);
    return true;
}

bool read_price_set(JsonReader& reader, PriceSet& prices, std::int64_t* above) {
    if (!reader.begin_object()) return false;
    std::string_view key;
    while (reader.next_member(key)) {
        if (key == "in") read_price(reader, prices.input);
        else if (key == "out") read_price(reader, prices.output);
        else if (key == "cache_read") read_price(reader, prices.cache_read);
        else if (key == "cache_write") read_price(reader, prices.cache_write);
        else if (key == "reasoning") {
            if (reader.read_null()) continue;
            Nanos value = 0;
            if (read_price(reader, value)) prices.reasoning = value;
        } else if (key == "above" && above) reader.read_int(*above);
        else reader.skip_value();
    }
    return reader.ok();
}

bool read_optional_string(JsonReader& reader, std::optional<std::string>& out) {
    if (reader.read_null()) return out.reset(), true;
    std::string value;
    if (!reader.read_string(value)) return false;
    out = std::move(value);
    return true;
}

bool read_offering(JsonReader& reader, Offering& offering) {
    if (!reader.begin_object()) return false;
    std::string_view key;
    while (reader.next_member(key)) {
        if (key == "provider") reader.read_string(offering.provider);
        else if (key == "id") reader.read_string(offering.provider_model_id);
        else if (key == "price") read_price_set(reader, offering.prices, nullptr);
        else if (key == "tiers") {
            if (!reader.begin_array()) return false;
            while (reader.next_element()) {
                PriceTier tier;
                read_price_set(reader, tier.prices, &tier.above_input_tokens);
                offering.tiers.push_back(std::move(tier));
            }
        } else if (key == "region") read_optional_string(reader, offering.region);
        else if (key == "base_url") read_optional_string(reader, offering.base_url);
        else reader.skip_value();
    }
    std::sort(offering.tiers.begin(), offering.tiers.end(),
              [](const PriceTier& a, const PriceTier& b) { return a.above_input_tokens < b.above_input_tokens; });
    return reader.ok();
}

bool read_caps(JsonReader& reader, std::uint32_t& caps) {
    if (!reader.begin_array()) return false;
    std::string name;
    while (reader.next_element()) {
        if (!reader.read_string(name)) return false;
        // Unknown capability names are ignored so newer files load in older binaries.
        if (auto cap = parse_capability(name)) caps |= *cap;
    }
    return reader.ok();
}

bool read_nullable_string(JsonReader& reader, std::string& out) { return reader.read_null() || reader.read_string(out); }

// {"value": 81.2, "source": "lmarena", "date": "2025-12-11"}; unknown members skipped.
bool read_quality_figure(JsonReader& reader, QualityFigure& figure) {
    if (!reader.begin_object()) return false;
    std::string_view key;
    while (reader.next_member(key)) {
        if (key == "value") reader.read_number(figure.value);
        else if (key == "source") read_nullable_string(reader, figure.source);
        else if (key == "date") read_nullable_string(reader, figure.date);
        else reader.skip_value();
    }
    if (reader.ok() && (figure.value < 0 || figure.value > 100)) return reader.fail("quality must be within 0..100");
    return reader.ok();
}

bool read_quality_by_category(JsonReader& reader, std::map<std::string, QualityFigure>& out) {
    if (reader.read_null()) return true;
    if (!reader.begin_object()) return false;
    std::string_view key;
    while (reader.next_member(key)) {
        std::string category(key); // the view dies with the next call
        if (!read_quality_figure(reader, out[category])) return false;
    }
    return reader.ok();
}

bool read_quality(JsonReader& reader, Model& model) {
    if (reader.read_null()) return true;
    double quality = 0;
    if (!reader.read_number(quality)) return false;
    if (quality < 0 || quality > 100) return reader.fail("quality must be within 0..100");
    model.quality = quality;
    return true;
}

bool read_model_field(JsonReader& reader, std::string_view key, Model& model) {
    if (key == "id") return reader.read_string(model.id);
    if (key == "name") return reader.read_string(model.name);
    if (key == "vendor") return reader.read_string(model.vendor);
    if (key == "family") return reader.read_string(model.family);
    if (key == "released") return reader.read_null() || reader.read_string(model.released);
    if (key == "deprecated") return reader.read_null() || reader.read_string(model.deprecated);
    if (key == "context") return reader.read_int(model.context_window);
    if (key == "max_output") return reader.read_null() || reader.read_int(model.max_output);
    if (key == "input") return reader.read_string_array(model.input_modalities);
    if (key == "output") return reader.read_string_array(model.output_modalities);
    if (key == "caps") return read_caps(reader, model.capabilities);
    if (key == "aliases") return reader.read_string_array(model.aliases);
    if (key == "quality") return read_quality(reader, model);
    if (key == "quality_source") return read_nullable_string(reader, model.quality_source);
    if (key == "quality_date") return read_nullable_string(reader, model.quality_date);
    if (key == "quality_by_category") return read_quality_by_category(reader, model.quality_by_category);
    if (key == "tier") {
        std::string text;
        if (!reader.read_string(text)) return false;
        auto tier = parse_tier(text);
        if (!tier) return reader.fail("unknown tier '" + text + "'");
        model.tier = *tier;
        return true;
    }
    if (key == "offerings") {
        if (!reader.begin_array()) return false;
        while (reader.next_element()) {
            Offering offering;
            if (!read_offering(reader, offering)) return false;
            model.offerings.push_back(std::move(offering));
        }
        return reader.ok();
    }
    return reader.skip_value();
}

// What is wrong with a parsed model, or "" when it is usable.
std::string check_model(const Model& model) {
    if (model.id.empty()) return "field 'id' is missing";
    if (model.vendor.empty()) return "field 'vendor' is missing";
    if (model.context_window <= 0) return "field 'context' must be a positive integer";
    if (model.max_output < 0) return "field 'max_output' must not be negative";
    if (model.offerings.empty()) return "field 'offerings' is empty";
    for (const Offering& offering : model.offerings)
        if (offering.provider.empty() || offering.provider_model_id.empty())
            return "an offering lacks 'provider' or 'id'";
    return "";
}

} // namespace

Result<Catalog> Catalog::from_json(std::string_view text, std::string_view origin) {
    JsonReader reader(text);
    std::vector<Model> models;
    std::string generated;
    std::int64_t version = 0;
    std::string where = std::string(origin) + ": ";
    if (!reader.begin_object()) return fail(ErrorCode::invalid_argument, where + "not a catalog document: " + reader.error());
    std::string_view key;
    while (reader.next_member(key)) {
        if (key == "version") reader.read_int(version);
        else if (key == "generated") reader.read_string(generated);
        else if (key == "models") {
            if (!reader.begin_array()) break;
            models.reserve(512);
            while (reader.next_element()) {
                Model& model = models.emplace_back();
                if (!reader.begin_object()) break;
                std::string_view field;
                while (reader.next_member(field)) {
                    std::string field_name(field); // the view dies with the next call
                    if (!read_model_field(reader, field_name, model) && reader.ok())
                        reader.fail("bad value");
                    if (!reader.ok()) {
                        std::string who = model.id.empty() ? "model #" + std::to_string(models.size()) : "model '" + model.id + "'";
                        return fail(ErrorCode::invalid_argument, where + who + ", field '" + field_name + "': " + reader.error());
                    }
                }
            }
        } else reader.skip_value();
    }
    if (!reader.ok() || !reader.at_end())
        return fail(ErrorCode::invalid_argument, where + (reader.ok() ? "trailing text after the document" : reader.error()));
    if (version != 1)
        return fail(ErrorCode::invalid_argument, where + "unsupported catalog version " + std::to_string(version) + " (expected 1)");
    for (std::size_t i = 0; i < models.size(); ++i) {
        Model& model = models[i];
        std::string problem = check_model(model);
        if (!problem.empty()) {
            std::string who = model.id.empty() ? "model #" + std::to_string(i + 1) : "model '" + model.id + "'";
            return fail(ErrorCode::invalid_argument, where + who + ": " + problem);
        }
        if (model.name.empty()) model.name = model.id;
        model.quality_estimated = model.quality_source == "estimate";
    }
    return from_models(std::move(models), std::move(generated), std::string(origin));
}

} // namespace megarouter::catalog
