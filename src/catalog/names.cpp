// Names of tiers and capabilities, and the deprecation rule.
#include <chrono>
#include <ctime>

#include "megarouter/catalog/catalog.hpp"

namespace megarouter::catalog {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

} // namespace

std::string_view to_string(Tier tier) {
    switch (tier) {
    case Tier::light: return "light";
    case Tier::standard: return "standard";
    case Tier::strong: return "strong";
    case Tier::frontier: return "frontier";
    }
    return "standard";
}

std::optional<Tier> parse_tier(std::string_view text) {
    for (Tier tier : {Tier::light, Tier::standard, Tier::strong, Tier::frontier})
        if (iequals(text, to_string(tier))) return tier;
    return std::nullopt;
}

std::string_view to_string(Capability cap) {
    switch (cap) {
    case cap_tools: return "tools";
    case cap_parallel_tools: return "parallel_tools";
    case cap_vision: return "vision";
    case cap_json_schema: return "json_schema";
    case cap_reasoning: return "reasoning";
    case cap_prompt_caching: return "prompt_caching";
    case cap_audio_input: return "audio_input";
    case cap_pdf_input: return "pdf_input";
    }
    return "";
}

std::optional<Capability> parse_capability(std::string_view text) {
    for (Capability cap : k_all_capabilities)
        if (iequals(text, to_string(cap))) return cap;
    struct Short {
        std::string_view name;
        Capability cap;
    };
    static constexpr Short k_short[] = {{"json", cap_json_schema},        {"structured_output", cap_json_schema},
                                        {"caching", cap_prompt_caching},  {"cache", cap_prompt_caching},
                                        {"parallel", cap_parallel_tools}, {"audio", cap_audio_input},
                                        {"pdf", cap_pdf_input},           {"thinking", cap_reasoning}};
    for (const Short& s : k_short)
        if (iequals(text, s.name)) return s.cap;
    return std::nullopt;
}

bool is_deprecated(const Model& model, std::string_view today) {
    // Dates compare as text: YYYY-MM-DD (or YYYY-MM) sorts chronologically.
    return !model.deprecated.empty() && model.deprecated <= today;
}

std::string today_utc() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
    return text;
}

} // namespace megarouter::catalog
