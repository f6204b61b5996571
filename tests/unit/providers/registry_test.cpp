#include <doctest/doctest.h>

#include <map>

#include "megarouter/providers/registry.hpp"
#include "megarouter/upstream/http.hpp"

using namespace megarouter;
using namespace megarouter::providers;

namespace {

core::EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
}

core::Config config_from(const char* toml) {
    auto config = core::parse_config(toml, "test.toml");
    REQUIRE(config);
    return *config;
}

} // namespace

TEST_CASE("providers: registry knows the providers and their key variables") {
    for (const char* name : {"openai", "anthropic", "google", "deepseek", "xai", "groq", "mistral", "together", "fireworks",
                             "deepinfra", "openrouter", "dashscope", "moonshot", "perplexity", "cerebras", "zhipu", "cohere",
                             "azure", "ollama", "vllm", "lmstudio"})
        CHECK_MESSAGE(find_provider(name) != nullptr, name);
    CHECK(find_provider("google")->key_env == std::vector<std::string>{"GEMINI_API_KEY", "GOOGLE_API_KEY"});
    CHECK(find_provider("anthropic")->format == WireFormat::anthropic);
    CHECK_FALSE(find_provider("ollama")->needs_key);
    CHECK(find_provider("nope") == nullptr);
}

TEST_CASE("providers: resolve_endpoint takes env first, then config, and names the variable when missing") {
    core::Config empty;
    auto missing = resolve_endpoint("openai", empty, fake_env({}));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::no_route);
    CHECK(missing.error().message.find("OPENAI_API_KEY") != std::string::npos);

    auto from_env = resolve_endpoint("openai", empty, fake_env({{"OPENAI_API_KEY", "sk-env"}, {"OPENAI_BASE_URL", "http://evil"}}));
    REQUIRE(from_env);
    CHECK(from_env->api_key == "sk-env");
    CHECK(from_env->base_url == "https://api.openai.com/v1"); // OPENAI_BASE_URL is never read

    core::Config config = config_from("[providers.openai]\napi_key = \"sk-file\"\nbase_url = \"http://127.0.0.1:9/v1/\"\n");
    auto from_file = resolve_endpoint("openai", config, fake_env({}));
    REQUIRE(from_file);
    CHECK(from_file->api_key == "sk-file");
    CHECK(from_file->base_url == "http://127.0.0.1:9/v1");
    CHECK(resolve_endpoint("openai", config, fake_env({{"OPENAI_API_KEY", "sk-env"}}))->api_key == "sk-env");

    auto google = resolve_endpoint("google", empty, fake_env({{"GOOGLE_API_KEY", "g"}}));
    REQUIRE(google);
    CHECK(google->format == WireFormat::gemini);

    CHECK_FALSE(resolve_endpoint("ollama", empty, fake_env({})));
    CHECK(resolve_endpoint("ollama", config_from("[providers.ollama]\n"), fake_env({})));
    auto disabled = resolve_endpoint("openai", config_from("[providers.openai]\nenabled = false\n"), fake_env({{"OPENAI_API_KEY", "k"}}));
    REQUIRE_FALSE(disabled);
    CHECK(disabled.error().code == ErrorCode::no_route);
    CHECK(resolve_endpoint("who", empty, fake_env({})).error().code == ErrorCode::not_found);
}

TEST_CASE("providers: custom providers and configured_providers") {
    core::Config config = config_from("[providers.mylab]\nbase_url = \"http://10.0.0.1/v1\"\nformat = \"anthropic\"\napi_key = \"k\"\n"
                                      "[providers.anthropic]\napi_key = \"a\"\n");
    auto custom = resolve_endpoint("mylab", config, fake_env({}));
    REQUIRE(custom);
    CHECK(custom->format == WireFormat::anthropic);
    auto names = configured_providers(config, fake_env({{"GROQ_API_KEY", "g"}}));
    CHECK(names == std::vector<std::string>{"anthropic", "groq", "mylab"});
}

TEST_CASE("providers: path_segment keeps a model id inside one URL path segment") {
    CHECK(path_segment("gemini-2.5-flash_x~1") == "gemini-2.5-flash_x~1");
    CHECK(path_segment("a/b?c#d e%") == "a%2Fb%3Fc%23d%20e%25");
    CHECK(path_segment("llama3:8b") == "llama3%3A8b");
    CHECK(path_segment(std::string("\r\n\x01\xff", 4)) == "%0D%0A%01%FF");
}

TEST_CASE("upstream: Retry-After parsing") {
    CHECK(upstream::parse_retry_after("7") == doctest::Approx(7));
    CHECK(upstream::parse_retry_after("1.5") == doctest::Approx(1.5));
    CHECK(upstream::parse_retry_after("120ms") == doctest::Approx(0.12));
    CHECK(upstream::parse_retry_after("6m0s") == doctest::Approx(360));
    CHECK(upstream::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == doctest::Approx(0)); // in the past
    CHECK_FALSE(upstream::parse_retry_after("soon"));
    CHECK(upstream::retry_after_from({{"retry-after-ms", "250"}}) == doctest::Approx(0.25));
}
