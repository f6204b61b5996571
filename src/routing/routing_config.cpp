#include "megarouter/routing/routing_config.hpp"

#include <algorithm>
#include <cmath>

#include "megarouter/catalog/catalog.hpp"
#include "routing/config_reader.hpp"

namespace megarouter::routing {

namespace {

using nlohmann::json;

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool contains_ci(const std::vector<std::string>& list, const std::string& name) {
    std::string key = lower(name);
    return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return lower(s) == key; });
}

void intersect(std::vector<std::string>& mine, const std::vector<std::string>& other) {
    if (other.empty()) return;
    if (mine.empty()) {
        mine = other;
        return;
    }
    std::erase_if(mine, [&](const std::string& name) { return !contains_ci(other, name); });
    if (mine.empty()) mine.push_back("\x01none"); // disjoint allow lists allow nothing
}

void unite(std::vector<std::string>& mine, const std::vector<std::string>& other) {
    for (const std::string& name : other)
        if (!contains_ci(mine, name)) mine.push_back(name);
}

template <typename T>
void take_min(std::optional<T>& mine, const std::optional<T>& other) {
    if (other && (!mine || *other < *mine)) mine = other;
}

Result<void> read_weights(const Reader& r, const json& doc, Weights& w) {
    const std::string base = "/routing/weights";
    if (!doc.is_object()) return std::unexpected(r.error(base, "expected a table {quality, price, latency}"));
    for (auto& [key, value] : doc.items()) {
        std::string pointer = base + "/" + key;
        double* slot = key == "quality" ? &w.quality : key == "price" ? &w.price : key == "latency" ? &w.latency : nullptr;
        if (!slot) return std::unexpected(r.error(pointer, "unknown weight (quality, price, latency)"));
        TRY_ASSIGN(*slot, r.number(value, pointer, 0, 100));
    }
    if (w.quality + w.price + w.latency <= 0) return std::unexpected(r.error(base, "weights must not all be 0"));
    return {};
}

Result<void> read_thresholds(const Reader& r, const json& doc, AnalyserSettings& a) {
    const std::string base = "/routing/thresholds";
    if (!doc.is_object()) return std::unexpected(r.error(base, "expected a table"));
    for (auto& [key, value] : doc.items()) {
        std::string pointer = base + "/" + key;
        double v = 0;
        TRY_ASSIGN(v, r.number(value, pointer, 0, 1e9));
        if (key == "standard") a.standard_at = v;
        else if (key == "strong") a.strong_at = v;
        else if (key == "frontier") a.frontier_at = v;
        else if (key == "difficulty_standard" && v <= 1) a.difficulty_standard_at = v;
        else if (key == "difficulty_strong" && v <= 1) a.difficulty_strong_at = v;
        else if (key == "difficulty_frontier" && v <= 1.01) a.difficulty_frontier_at = v;
        else if (key == "long_input_tokens") a.long_input_tokens = static_cast<std::int64_t>(v);
        else if (key == "very_long_input_tokens") a.very_long_input_tokens = static_cast<std::int64_t>(v);
        else if (key == "deep_conversation_turns") a.deep_conversation_turns = static_cast<int>(v);
        else if (key == "default_output_tokens") a.default_output_tokens = static_cast<std::int64_t>(v);
        else
            return std::unexpected(r.error(pointer, "unknown or out-of-range threshold (standard, strong, frontier, "
                                                     "difficulty_standard, difficulty_strong, difficulty_frontier (0..1), "
                                                     "long_input_tokens, "
                                                     "very_long_input_tokens, deep_conversation_turns, "
                                                     "default_output_tokens)"));
    }
    if (!(a.standard_at <= a.strong_at && a.strong_at <= a.frontier_at))
        return std::unexpected(r.error(base, "need standard <= strong <= frontier"));
    if (!(a.difficulty_standard_at <= a.difficulty_strong_at && a.difficulty_strong_at <= a.difficulty_frontier_at))
        return std::unexpected(r.error(base, "need difficulty_standard <= difficulty_strong <= difficulty_frontier"));
    return {};
}

Result<void> read_signal_weights(const Reader& r, const json& doc, AnalyserSettings& a) {
    const std::string base = "/routing/signal_weights";
    if (!doc.is_object()) return std::unexpected(r.error(base, "expected a table"));
    for (auto& [key, value] : doc.items()) {
        std::string pointer = base + "/" + key;
        std::size_t index = k_signal_count;
        for (std::size_t i = 0; i < k_signal_count; ++i)
            if (to_string(static_cast<Signal>(i)) == key) index = i;
        if (index == k_signal_count) return std::unexpected(r.error(pointer, "unknown signal"));
        TRY_ASSIGN(a.weights[index], r.number(value, pointer, 0, 100));
    }
    return {};
}

Result<void> read_health(const Reader& r, const json& doc, HealthSettings& h) {
    const std::string base = "/routing/health";
    if (!doc.is_object()) return std::unexpected(r.error(base, "expected a table"));
    for (auto& [key, value] : doc.items()) {
        std::string pointer = base + "/" + key;
        double v = 0;
        TRY_ASSIGN(v, r.number(value, pointer, 0, 1e9));
        if (key == "ewma_alpha" && v > 0 && v <= 1) h.ewma_alpha = v;
        else if (key == "consecutive_failures" && v >= 1) h.consecutive_failures_to_eject = static_cast<int>(v);
        else if (key == "base_ejection_s") h.base_ejection_ms = static_cast<core::Millis>(v * 1000);
        else if (key == "max_ejection_s") h.max_ejection_ms = static_cast<core::Millis>(v * 1000);
        else if (key == "panic_threshold" && v <= 1) h.panic_threshold = v;
        else
            return std::unexpected(r.error(pointer, "unknown or out-of-range setting (ewma_alpha 0..1, "
                                                     "consecutive_failures >= 1, base_ejection_s, max_ejection_s, "
                                                     "panic_threshold 0..1)"));
    }
    return {};
}

Result<void> read_routing_table(const Reader& r, const json& doc, RoutingConfig& out) {
    if (!doc.is_object()) return std::unexpected(r.error("/routing", "expected a table"));
    for (auto& [key, value] : doc.items()) {
        std::string pointer = "/routing/" + key;
        Result<void> step;
        if (key == "default_mode") TRY_ASSIGN(out.default_mode, r.mode(value, pointer));
        else if (key == "max_fallbacks") {
            double v = 0;
            TRY_ASSIGN(v, r.number(value, pointer, 0, 32));
            out.max_fallbacks = static_cast<int>(v);
        } else if (key == "fallback_to_other_models") {
            if (!value.is_boolean()) return std::unexpected(r.error(pointer, "expected true or false"));
            out.fallback_to_other_models = value.get<bool>();
        } else if (key == "fallback_max_quality_drop") {
            TRY_ASSIGN(out.fallback_max_quality_drop, r.number(value, pointer, 0, 100));
        } else if (key == "baseline_model") {
            if (!value.is_string()) return std::unexpected(r.error(pointer, "expected a model id"));
            out.baseline_model = value.get<std::string>();
        } else if (key == "unknown_models") {
            if (!value.is_string() || (value != "pass" && value != "refuse"))
                return std::unexpected(r.error(pointer, "expected \"pass\" or \"refuse\""));
            out.pass_unknown_models = value == "pass";
        } else if (key == "unpriced_input_price" || key == "unpriced_output_price") {
            double v = 0;
            TRY_ASSIGN(v, r.number(value, pointer, 0, 10000));
            (key == "unpriced_input_price" ? out.unpriced_input : out.unpriced_output) =
                catalog::usd_per_mtok_to_nanos(v);
        } else if (key == "cost_quality_tolerance") {
            TRY_ASSIGN(out.cost_quality_tolerance, r.number(value, pointer, 0, 1));
        } else if (key == "router_model") {
            if (!value.is_string() || value.get<std::string>().empty())
                return std::unexpected(r.error(pointer, "expected a file from `megarouter route train`, or \"builtin\""));
        } else if (key == "weights") step = read_weights(r, value, out.weights);
        else if (key == "thresholds") step = read_thresholds(r, value, out.analyser);
        else if (key == "signal_weights") step = read_signal_weights(r, value, out.analyser);
        else if (key == "health") step = read_health(r, value, out.health);
        else
            return std::unexpected(r.error(pointer, "unknown setting (default_mode, router_model, cost_quality_tolerance, max_fallbacks, "
                                                     "fallback_to_other_models, fallback_max_quality_drop, baseline_model, unknown_models, "
                                                     "unpriced_input_price, unpriced_output_price, weights, "
                                                     "thresholds, signal_weights, health)"));
        if (!step) return step;
    }
    return {};
}

} // namespace

Result<RoutingConfig> parse_routing_config(const core::Config& config) {
    RoutingConfig out;
    Reader reader(config);
    const json& doc = config.document;
    if (!doc.is_object()) return out;
    bool routing_mode = false;
    if (auto it = doc.find("routing"); it != doc.end()) {
        if (auto step = read_routing_table(reader, *it, out); !step) return std::unexpected(step.error());
        routing_mode = it->is_object() && it->contains("default_mode");
    }
    // [defaults] mode and MEGAROUTER_MODE arrive in config.default_mode; the
    // environment wins over [routing] default_mode, [routing] over [defaults].
    std::string file_default = "balanced";
    if (auto d = doc.find("defaults"); d != doc.end() && d->is_object() && d->contains("mode") &&
                                       (*d)["mode"].is_string())
        file_default = (*d)["mode"].get<std::string>();
    bool from_env = config.default_mode != file_default;
    if (from_env || !routing_mode) {
        auto mode = parse_mode(config.default_mode);
        if (!mode)
            return fail(ErrorCode::config, (from_env ? std::string("MEGAROUTER_MODE") : config.where("/defaults/mode")) +
                                               ": unknown mode '" + config.default_mode +
                                               "' (cost, balanced, latency, availability)");
        out.default_mode = *mode;
    }
    if (auto step = read_groups_and_aliases(reader, doc, out); !step) return std::unexpected(step.error());
    auto model = load_router_model(config);
    if (!model) return std::unexpected(model.error());
    out.difficulty_model = std::move(*model);
    return out;
}

std::string_view to_string(Mode mode) {
    switch (mode) {
    case Mode::cost: return "cost";
    case Mode::balanced: return "balanced";
    case Mode::latency: return "latency";
    case Mode::availability: return "availability";
    }
    return "balanced";
}

std::optional<Mode> parse_mode(std::string_view text) {
    if (text == "cost") return Mode::cost;
    if (text == "balanced") return Mode::balanced;
    if (text == "latency") return Mode::latency;
    if (text == "availability") return Mode::availability;
    return std::nullopt;
}

void Constraints::merge(const Constraints& other) {
    intersect(allow_vendors, other.allow_vendors);
    intersect(allow_providers, other.allow_providers);
    intersect(allow_models, other.allow_models);
    unite(deny_vendors, other.deny_vendors);
    unite(deny_providers, other.deny_providers);
    unite(deny_models, other.deny_models);
    if (!region) region = other.region;
    take_min(max_price_per_mtok, other.max_price_per_mtok);
    take_min(max_cost_per_request, other.max_cost_per_request);
    if (!forced_mode) forced_mode = other.forced_mode;
    take_min(downgrade_price_ceiling, other.downgrade_price_ceiling);
}

} // namespace megarouter::routing
