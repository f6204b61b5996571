#include "megarouter/providers/registry.hpp"

namespace megarouter::providers {

namespace {

using enum WireFormat;

const std::vector<ProviderInfo>& table() {
    static const std::vector<ProviderInfo> k_providers = {
        {"openai", openai, "https://api.openai.com/v1", {"OPENAI_API_KEY"}, true},
        {"anthropic", anthropic, "https://api.anthropic.com", {"ANTHROPIC_API_KEY"}, true},
        {"google", gemini, "https://generativelanguage.googleapis.com/v1beta", {"GEMINI_API_KEY", "GOOGLE_API_KEY"}, true},
        {"deepseek", openai, "https://api.deepseek.com/v1", {"DEEPSEEK_API_KEY"}, true},
        {"xai", openai, "https://api.x.ai/v1", {"XAI_API_KEY"}, true},
        {"groq", openai, "https://api.groq.com/openai/v1", {"GROQ_API_KEY"}, true},
        {"mistral", openai, "https://api.mistral.ai/v1", {"MISTRAL_API_KEY"}, true},
        {"together", openai, "https://api.together.xyz/v1", {"TOGETHER_API_KEY"}, true},
        {"fireworks", openai, "https://api.fireworks.ai/inference/v1", {"FIREWORKS_API_KEY"}, true},
        {"deepinfra", openai, "https://api.deepinfra.com/v1/openai", {"DEEPINFRA_API_KEY", "DEEPINFRA_TOKEN"}, true},
        {"openrouter", openai, "https://openrouter.ai/api/v1", {"OPENROUTER_API_KEY"}, true},
        {"dashscope", openai, "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", {"DASHSCOPE_API_KEY"}, true},
        {"moonshot", openai, "https://api.moonshot.ai/v1", {"MOONSHOT_API_KEY"}, true},
        {"perplexity", openai, "https://api.perplexity.ai", {"PERPLEXITY_API_KEY"}, true},
        {"cerebras", openai, "https://api.cerebras.ai/v1", {"CEREBRAS_API_KEY"}, true},
        {"zhipu", openai, "https://open.bigmodel.cn/api/paas/v4", {"ZHIPUAI_API_KEY", "ZHIPU_API_KEY"}, true},
        {"cohere", openai, "https://api.cohere.ai/compatibility/v1", {"COHERE_API_KEY", "CO_API_KEY"}, true},
        // Azure: base_url is the resource endpoint (https://NAME.openai.azure.com),
        // from the config or AZURE_OPENAI_ENDPOINT; the model id is the deployment.
        {"azure", openai, "", {"AZURE_OPENAI_API_KEY"}, true},
        {"ollama", openai, "http://127.0.0.1:11434/v1", {}, false},
        {"vllm", openai, "http://127.0.0.1:8000/v1", {}, false},
        {"lmstudio", openai, "http://127.0.0.1:1234/v1", {}, false},
    };
    return k_providers;
}

std::string strip_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::optional<std::string> first_env(const std::vector<std::string>& names, const core::EnvLookup& env) {
    for (const std::string& name : names)
        if (auto value = env(name); value && !value->empty()) return value;
    return std::nullopt;
}

const nlohmann::json* section(const core::Config& config, std::string_view name) {
    const auto& doc = config.document;
    if (!doc.is_object() || !doc.contains("providers") || !doc["providers"].is_object()) return nullptr;
    auto it = doc["providers"].find(std::string(name));
    return it == doc["providers"].end() || !it->is_object() ? nullptr : &*it;
}

std::string json_string(const nlohmann::json* object, const char* key) {
    if (object == nullptr || !object->contains(key) || !(*object)[key].is_string()) return {};
    return (*object)[key].get<std::string>();
}

std::optional<WireFormat> parse_format(std::string_view text) {
    if (text.empty() || text == "openai") return openai;
    if (text == "anthropic") return anthropic;
    if (text == "gemini" || text == "google") return gemini;
    return std::nullopt;
}

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? " or " : "") + names[i];
    return out;
}

Result<Endpoint> resolve_custom(std::string_view name, const core::Config& config, const core::EnvLookup& env) {
    const nlohmann::json* custom = section(config, name);
    std::string base_url = json_string(custom, "base_url");
    if (custom == nullptr || base_url.empty())
        return fail(ErrorCode::not_found, "unknown provider '" + std::string(name) +
                                              "' (add [providers." + std::string(name) + "] with base_url to the config)");
    auto format = parse_format(json_string(custom, "format"));
    if (!format)
        return fail(ErrorCode::config, config.where("/providers/" + std::string(name) + "/format") +
                                           ": format must be openai, anthropic or gemini");
    Endpoint endpoint{std::string(name), *format, strip_slash(base_url), json_string(custom, "api_key"), ""};
    if (std::string key_env = json_string(custom, "api_key_env"); !key_env.empty())
        if (auto key = env(key_env); key && !key->empty()) endpoint.api_key = *key;
    return endpoint;
}

} // namespace

std::string_view to_string(WireFormat format) {
    switch (format) {
    case openai: return "openai";
    case anthropic: return "anthropic";
    case gemini: return "gemini";
    }
    return "openai";
}

std::span<const ProviderInfo> known_providers() { return table(); }

const ProviderInfo* find_provider(std::string_view name) {
    for (const ProviderInfo& info : table())
        if (info.name == name) return &info;
    return nullptr;
}

Result<Endpoint> resolve_endpoint(std::string_view provider, const core::Config& config, const core::EnvLookup& env) {
    const ProviderInfo* info = find_provider(provider);
    if (info == nullptr) return resolve_custom(provider, config, env);
    const std::string name(provider);
    auto settings = config.providers.find(name);
    bool in_config = settings != config.providers.end();
    if (in_config && !settings->second.enabled)
        return fail(ErrorCode::no_route, "provider " + name + " is disabled in the config ([providers." + name + "] enabled = false)");

    Endpoint endpoint{name, info->format, info->default_base_url, "", ""};
    if (in_config && settings->second.base_url && !settings->second.base_url->empty())
        endpoint.base_url = *settings->second.base_url;
    endpoint.base_url = strip_slash(endpoint.base_url);

    if (!info->needs_key) {
        if (!in_config)
            return fail(ErrorCode::no_route, "local provider " + name + " is not enabled (add [providers." + name +
                                                 "] to the config)");
        if (settings->second.api_key) endpoint.api_key = *settings->second.api_key;
        return endpoint;
    }
    if (auto key = first_env(info->key_env, env)) endpoint.api_key = *key;
    else if (in_config && settings->second.api_key && !settings->second.api_key->empty()) endpoint.api_key = *settings->second.api_key;
    else
        return fail(ErrorCode::no_route, "provider " + name + " has no API key: set " + join(info->key_env) +
                                             " (or api_key in [providers." + name + "])");

    if (name == "azure") {
        if (endpoint.base_url.empty())
            if (auto url = env("AZURE_OPENAI_ENDPOINT")) endpoint.base_url = strip_slash(*url);
        if (endpoint.base_url.empty())
            return fail(ErrorCode::no_route, "provider azure has no endpoint: set AZURE_OPENAI_ENDPOINT (or base_url in [providers.azure])");
        endpoint.api_version = json_string(section(config, "azure"), "api_version");
        if (endpoint.api_version.empty()) endpoint.api_version = env("OPENAI_API_VERSION").value_or("2024-10-21");
    }
    return endpoint;
}

std::vector<std::string> configured_providers(const core::Config& config, const core::EnvLookup& env) {
    std::vector<std::string> names;
    for (const ProviderInfo& info : table())
        if (resolve_endpoint(info.name, config, env)) names.push_back(info.name);
    for (const auto& [name, settings] : config.providers)
        if (find_provider(name) == nullptr && resolve_endpoint(name, config, env)) names.push_back(name);
    return names;
}

} // namespace megarouter::providers

namespace megarouter::providers {

std::string path_segment(std::string_view text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '.' || c == '_' || c == '~';
        if (plain) {
            out += ch;
        } else {
            out += '%';
            out += k_hex[c >> 4];
            out += k_hex[c & 15];
        }
    }
    return out;
}

Endpoint endpoint_for(const Endpoint& provider_endpoint, const catalog::Offering& offering) {
    Endpoint endpoint = provider_endpoint;
    if (offering.base_url && !offering.base_url->empty()) endpoint.base_url = strip_slash(*offering.base_url);
    return endpoint;
}

} // namespace megarouter::providers
