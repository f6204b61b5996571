#include "cmd_models_common.hpp"

#include <cmath>
#include <cstdio>

namespace megarouter::cli::models {

using namespace megarouter::catalog;

Result<Catalog> load_catalog(Context& context) {
    auto config = context.config();
    if (!config) return std::unexpected(config.error());
    return Catalog::load(**config, context.paths);
}

Result<const Model*> find_model(const Catalog& catalog, const std::string& id) {
    if (const Model* model = catalog.find(id)) return model;
    std::string message = "unknown model '" + id + "'";
    auto near = catalog.suggestions(id);
    if (!near.empty()) {
        message += " (did you mean ";
        for (std::size_t i = 0; i < near.size(); ++i) message += (i ? ", " : "") + near[i];
        message += "?)";
    }
    message += "; 'megarouter models --search TEXT' lists matching models";
    return fail(ErrorCode::not_found, message);
}

std::string format_tokens(std::int64_t tokens) {
    char text[32];
    if (tokens >= 1'000'000) {
        double millions = static_cast<double>(tokens) / 1e6;
        if (std::fabs(millions - std::round(millions)) < 0.05) std::snprintf(text, sizeof text, "%.0fM", millions);
        else std::snprintf(text, sizeof text, "%.1fM", millions);
    } else if (tokens >= 1000) {
        std::snprintf(text, sizeof text, "%lldK", static_cast<long long>((tokens + 500) / 1000));
    } else {
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(tokens));
    }
    return text;
}

std::string format_price(Nanos per_mtok) {
    std::string text = format_usd(per_mtok);
    auto dollar = text.find('$');
    if (dollar != std::string::npos) text.erase(dollar, 1);
    return text;
}

std::string capability_letters(const Model& model) {
    struct Letter {
        Capability cap;
        char letter;
    };
    static constexpr Letter k_letters[] = {{cap_tools, 'T'},       {cap_parallel_tools, 'P'}, {cap_vision, 'V'},
                                           {cap_json_schema, 'J'}, {cap_reasoning, 'R'},      {cap_prompt_caching, 'C'}};
    std::string out;
    for (const Letter& l : k_letters) out += model.has(l.cap) ? l.letter : '-';
    return out;
}

std::string capability_names(const Model& model, const char* separator) {
    std::string out;
    for (Capability cap : k_all_capabilities)
        if (model.has(cap)) out += (out.empty() ? "" : separator) + std::string(to_string(cap));
    return out;
}

std::string format_quality(const Model& model) {
    if (!model.quality) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%s%.1f", model.quality_estimated ? "~" : "", *model.quality);
    return text;
}

std::string describe_quality(const Model& model) {
    std::string text = format_quality(model);
    if (!model.quality) return text;
    if (model.quality_estimated) return text + " (estimate from family and tier)";
    if (model.quality_source.empty()) return text;
    return text + " (" + model.quality_source + (model.quality_date.empty() ? "" : ", " + model.quality_date) + ")";
}

} // namespace megarouter::cli::models
