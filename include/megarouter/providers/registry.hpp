// The providers megarouter can call and how to reach each one: its wire
// format, default base URL and the environment variables that hold its key.
// resolve_endpoint() turns a provider name plus the config and environment
// into a concrete Endpoint (URL + credential) or says how to enable it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::providers {

// The three request/response dialects megarouter speaks.
enum class WireFormat { openai, anthropic, gemini };

std::string_view to_string(WireFormat format);

// One known provider. `key_env` is tried in order; the first set variable
// wins. `needs_key` is false for local servers (ollama, vllm, lmstudio).
struct ProviderInfo {
    std::string name;             // "openai", "anthropic", "google", "deepseek", ...
    WireFormat format = WireFormat::openai;
    std::string default_base_url; // e.g. "https://api.openai.com/v1" (no trailing slash)
    std::vector<std::string> key_env;
    bool needs_key = true;
};

// Every built-in provider: openai, anthropic, google, deepseek, xai, groq,
// mistral, together, fireworks, deepinfra, openrouter, dashscope, moonshot,
// perplexity, cerebras, zhipu, cohere, azure, ollama, vllm, lmstudio.
std::span<const ProviderInfo> known_providers();

// A built-in provider by name (case-sensitive, lowercase), or nullptr.
const ProviderInfo* find_provider(std::string_view name);

// A concrete way to reach one provider: everything an adapter needs to build
// the URL and the auth headers. `api_key` is a secret: never log it.
struct Endpoint {
    std::string provider;   // registry name (or a custom [providers.X] name)
    WireFormat format = WireFormat::openai;
    std::string base_url;   // no trailing slash
    std::string api_key;    // empty for keyless local servers
    std::string api_version; // azure only: the api-version query value
};

// Resolves a provider into an Endpoint.
// - Credential: the first set variable of `key_env`, then the config's
//   [providers.X].api_key. Never OPENAI_BASE_URL / ANTHROPIC_BASE_URL (those
//   configure clients pointing at megarouter, not megarouter itself).
// - Base URL: the config's [providers.X].base_url, else the default.
// - Keyless local servers resolve only when the config has a [providers.X]
//   section (so that nothing calls localhost unasked).
// - A name not in the registry resolves when the config has
//   [providers.X] with base_url (format = "openai"|"anthropic"|"gemini",
//   default openai; api_key or api_key_env).
// Fails with not_found for an unknown provider, and no_route when the
// provider is disabled or has no credential; that message names the
// environment variable that would enable it. Pure apart from `env`.
Result<Endpoint> resolve_endpoint(std::string_view provider, const core::Config& config, const core::EnvLookup& env);

// The endpoint one offering is called at: `provider_endpoint` with the
// offering's own base URL when it has one (a [[models]] entry with
// base_url, e.g. several local servers under one provider), else a copy of
// `provider_endpoint` as it is. Pure.
Endpoint endpoint_for(const Endpoint& provider_endpoint, const catalog::Offering& offering);

// `text` as one segment of a URL path: every byte but A-Z a-z 0-9 - . _ ~ is
// percent-encoded, so a model id put into a path (Gemini's models/<id>,
// Azure's deployments/<id>) cannot add segments, a query or a fragment.
std::string path_segment(std::string_view text);

// Names of the providers that resolve_endpoint() accepts, in registry order,
// then custom ones from the config.
std::vector<std::string> configured_providers(const core::Config& config, const core::EnvLookup& env);

} // namespace megarouter::providers
