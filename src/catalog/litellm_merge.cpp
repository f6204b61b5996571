// merge_litellm: a LiteLLM-style price file applied to offerings the catalog
// already has, and the exact per-token price parser both refresh sources use.
#include <map>

#include "megarouter/catalog/refresh.hpp"

namespace megarouter::catalog {

namespace {

using nlohmann::json;

// LiteLLM's provider names -> the catalog's.
std::string provider_name(const std::string& litellm) {
    static const std::map<std::string, std::string> k_names = {
        {"gemini", "google"},         {"vertex_ai-language-models", "vertex"}, {"vertex_ai", "vertex"},
        {"together_ai", "together"},  {"fireworks_ai", "fireworks"},           {"cohere_chat", "cohere"},
        {"text-completion-openai", "openai"}, {"zai", "zhipu"},                {"bedrock_converse", "bedrock"}};
    auto it = k_names.find(litellm);
    return it == k_names.end() ? litellm : it->second;
}

std::optional<Nanos> cost_field(const json& entry, const char* key) {
    auto it = entry.find(key);
    if (it == entry.end() || !it->is_number()) return std::nullopt;
    return per_token_text_to_nanos(it->dump());
}

} // namespace

std::optional<Nanos> per_token_text_to_nanos(std::string_view text) {
    // value = mantissa x 10^exponent USD per token; we want value x 10^15
    // (nano-dollars per million tokens), rounded half away from zero.
    bool negative = !text.empty() && text.front() == '-';
    if (negative || (!text.empty() && text.front() == '+')) text.remove_prefix(1);
    __int128 mantissa = 0;
    int exponent = 0, digits = 0;
    bool dot = false;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        if (digits < 30) {
            mantissa = mantissa * 10 + (c - '0');
            if (dot) --exponent;
            if (mantissa != 0) ++digits;
        } else if (!dot) {
            ++exponent;
        }
    }
    if (i == 0 || (i == 1 && dot)) return std::nullopt;
    if (i < text.size()) {
        if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
        std::string_view rest = text.substr(i + 1);
        int sign = 1;
        if (!rest.empty() && (rest.front() == '-' || rest.front() == '+')) {
            sign = rest.front() == '-' ? -1 : 1;
            rest.remove_prefix(1);
        }
        if (rest.empty() || rest.size() > 4) return std::nullopt;
        int value = 0;
        for (char c : rest) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        exponent += sign * value;
    }
    exponent += 15;
    const __int128 k_limit = __int128(9'000'000'000'000'000'000LL); // fits Nanos
    for (; exponent > 0; --exponent) {
        if (mantissa > k_limit) return std::nullopt;
        mantissa *= 10;
    }
    __int128 divisor = 1;
    for (; exponent < 0 && divisor < (__int128(1) << 100); ++exponent) divisor *= 10;
    if (exponent < 0) return Nanos{0};
    __int128 value = (mantissa + divisor / 2) / divisor;
    if (value > k_limit) return std::nullopt;
    return static_cast<Nanos>(negative ? -value : value);
}

Result<Catalog> merge_litellm(const Catalog& base, std::string_view document, RefreshReport& report) {
    json doc;
    try {
        doc = json::parse(document);
    } catch (const json::exception& error) {
        return fail(ErrorCode::invalid_argument, std::string("the LiteLLM price file is not JSON: ") + error.what());
    }
    if (!doc.is_object()) return fail(ErrorCode::invalid_argument, "the LiteLLM price file is not a JSON object");
    std::vector<Model> models(base.models().begin(), base.models().end());
    // (provider, provider model id) -> offering
    std::map<std::pair<std::string, std::string>, std::pair<Model*, Offering*>> offerings;
    for (Model& model : models)
        for (Offering& offering : model.offerings)
            offerings[{offering.provider, offering.provider_model_id}] = {&model, &offering};
    for (auto& [key, entry] : doc.items()) {
        if (!entry.is_object() || entry.value("mode", std::string("chat")) != "chat") continue;
        std::string provider = provider_name(entry.value("litellm_provider", std::string()));
        std::string id = key;
        if (auto slash = id.find('/'); slash != std::string::npos && provider_name(id.substr(0, slash)) == provider)
            id.erase(0, slash + 1);
        auto found = offerings.find({provider, id});
        if (found == offerings.end()) continue;
        auto in = cost_field(entry, "input_cost_per_token");
        auto out = cost_field(entry, "output_cost_per_token");
        if (!in || !out || *in < 0 || *out < 0) continue;
        auto [model, offering] = found->second;
        PriceSet updated = offering->prices;
        updated.input = *in;
        updated.output = *out;
        if (auto read = cost_field(entry, "cache_read_input_token_cost"); read && *read >= 0) updated.cache_read = *read;
        if (auto write = cost_field(entry, "cache_creation_input_token_cost"); write && *write >= 0)
            updated.cache_write = *write;
        const PriceSet& old = offering->prices;
        if (old.input == updated.input && old.output == updated.output && old.cache_read == updated.cache_read &&
            old.cache_write == updated.cache_write)
            continue;
        report.price_changes.push_back({model->id, offering->provider, old, updated});
        offering->prices = updated;
    }
    return Catalog::from_models(std::move(models), base.generated(), base.origin());
}

} // namespace megarouter::catalog
