// Refreshing the catalog from an OpenRouter-style models document, served by
// the mock provider on loopback, and from a LiteLLM-style price file.
#include <doctest/doctest.h>

#include "megarouter/catalog/refresh.hpp"
#include "megarouter/mock/mock_server.hpp"
#include "unit/catalog/fixture.hpp"
#include "unit/catalog/temp_home.hpp"

using namespace megarouter;
using namespace megarouter::catalog;

namespace {

// Prices as OpenRouter writes them: USD per token, as strings.
constexpr std::string_view k_openrouter_doc = R"json({"data":[
 {"id":"deepseek/deepseek-chat","name":"DeepSeek: DeepSeek V3","context_length":163840,
  "pricing":{"prompt":"0.00000025","completion":"0.0000008","input_cache_read":"0","request":"0"},
  "architecture":{"input_modalities":["text"],"output_modalities":["text"]},"supported_parameters":["tools"]},
 {"id":"openai/gpt-4o","name":"OpenAI: GPT-4o","context_length":128000,
  "pricing":{"prompt":"0.0000025","completion":"0.00001","input_cache_read":"0.00000125"}},
 {"id":"newco/nova-7b","name":"NewCo: Nova 7B","created":1735689600,"context_length":65536,
  "pricing":{"prompt":"0.0000001","completion":"0.0000004","input_cache_read":"0.00000001"},
  "top_provider":{"max_completion_tokens":8192,"context_length":65536},
  "architecture":{"input_modalities":["text","image","file"],"output_modalities":["text"]},
  "supported_parameters":["tools","structured_outputs","reasoning","temperature"]},
 {"id":"x-ai/grok-4","name":"xAI: Grok 4","context_length":256000,
  "pricing":{"prompt":"0.000003","completion":"0.000015","input_cache_read":"0.00000075"}},
 {"id":"openrouter/auto","name":"Auto Router","context_length":2000000,"pricing":{"prompt":"-1","completion":"-1"}},
 {"id":"newco/nova-7b:free","name":"NewCo: Nova 7B (free)","context_length":65536,"pricing":{"prompt":"0","completion":"0"}}
]})json";

Catalog fixture() { return *Catalog::from_json(test::k_fixture, "fixture"); }

void check_merged(const RefreshResult& result) {
    const RefreshReport& report = result.report;
    const Catalog& catalog = result.catalog;
    // deepseek-chat's openrouter offering: $0.30/$0.85 -> $0.25/$0.80
    REQUIRE(report.price_changes.size() == 1);
    CHECK(report.price_changes[0].model_id == "deepseek-chat");
    CHECK(report.price_changes[0].before.input == 300'000'000);
    CHECK(report.price_changes[0].after.input == 250'000'000);
    CHECK(find_offering(*catalog.find("deepseek-chat"), "openrouter")->prices.output == 800'000'000);
    CHECK(find_offering(*catalog.find("deepseek-chat"), "deepseek")->prices.input == 280'000'000); // untouched
    // gpt-4o and grok-4 gain an openrouter offering; nova-7b is new
    CHECK(report.added == std::vector<std::string>{"gpt-4o (openrouter offering)", "nova-7b", "grok-4 (openrouter offering)"});
    CHECK(find_offering(*catalog.find("grok-4"), "openrouter")->provider_model_id == "x-ai/grok-4");
    // o4-mini was served only through openrouter and is gone from the document
    CHECK(report.removed == std::vector<std::string>{"o4-mini"});
    CHECK(catalog.find("o4-mini") == nullptr);
    CHECK(catalog.models().size() == 13); // 13 - o4-mini + nova-7b
}

} // namespace

TEST_CASE("catalog: per-token price text converts exactly") {
    CHECK(per_token_text_to_nanos("0.0000025") == 2'500'000'000);
    CHECK(per_token_text_to_nanos("0.00001") == 10'000'000'000);
    CHECK(per_token_text_to_nanos("0.000000075") == 75'000'000);
    CHECK(per_token_text_to_nanos("2.5e-06") == 2'500'000'000);
    CHECK(per_token_text_to_nanos("1.875E-8") == 18'750'000);
    CHECK(per_token_text_to_nanos("0") == 0);
    CHECK(per_token_text_to_nanos("-1") == -1'000'000'000'000'000);
    CHECK(per_token_text_to_nanos("0.0000000000000004") == 0);   // 0.4 nano-dollars per million rounds to 0
    CHECK(per_token_text_to_nanos("0.0000000000000005") == 1);
    CHECK_FALSE(per_token_text_to_nanos("").has_value());
    CHECK_FALSE(per_token_text_to_nanos("free").has_value());
    CHECK_FALSE(per_token_text_to_nanos("1.2.3").has_value());
    CHECK_FALSE(per_token_text_to_nanos("99999999999").has_value()); // overflows
}

TEST_CASE("catalog: merge_openrouter updates prices, adds and removes") {
    auto merged = merge_openrouter(fixture(), k_openrouter_doc, "2026-01-02");
    REQUIRE(merged);
    check_merged(*merged);
    CHECK(merged->catalog.generated() == "2026-01-02");
    const Model* nova = merged->catalog.find("nova-7b");
    REQUIRE(nova);
    CHECK(nova->name == "Nova 7B");
    CHECK(nova->vendor == "newco");
    CHECK(nova->released == "2025-01-01");
    CHECK(nova->context_window == 65536);
    CHECK(nova->max_output == 8192);
    CHECK(nova->input_modalities == std::vector<std::string>{"text", "image", "pdf"});
    CHECK(nova->has(cap_tools));
    CHECK(nova->has(cap_json_schema));
    CHECK(nova->has(cap_reasoning));
    CHECK(nova->has(cap_vision));
    CHECK(nova->has(cap_pdf_input));
    CHECK(nova->has(cap_prompt_caching));
    CHECK(nova->tier == Tier::light);
    CHECK(nova->offerings[0].prices.cache_read == 10'000'000);
    CHECK(merged->catalog.find("newco/nova-7b") == nova);
    CHECK(merged->catalog.find("auto") == nullptr); // variable-price routers are skipped
}

TEST_CASE("catalog: merge_openrouter rejects documents that are not model lists") {
    CHECK(merge_openrouter(fixture(), "not json", "d").error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(merge_openrouter(fixture(), R"({"models":[]})", "d"));
    auto empty = merge_openrouter(fixture(), R"({"data":[]})", "d");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("no models") != std::string::npos);
}

TEST_CASE("catalog: a written catalog reads back the same") {
    auto merged = merge_openrouter(fixture(), k_openrouter_doc, "2026-01-02");
    REQUIRE(merged);
    test::TempDir home;
    REQUIRE(write_catalog_file(merged->catalog, home.path / "cache" / "catalog.json"));
    core::Paths paths;
    paths.cache_dir = home.path / "cache";
    auto back = Catalog::load_base(paths);
    REQUIRE(back);
    REQUIRE(back->models().size() == merged->catalog.models().size());
    for (std::size_t i = 0; i < back->models().size(); ++i) {
        const Model& a = merged->catalog.models()[i];
        const Model& b = back->models()[i];
        INFO(a.id);
        CHECK(a.id == b.id);
        CHECK(a.capabilities == b.capabilities);
        CHECK(a.aliases == b.aliases);
        REQUIRE(a.offerings.size() == b.offerings.size());
        for (std::size_t j = 0; j < a.offerings.size(); ++j) {
            CHECK(a.offerings[j].prices.input == b.offerings[j].prices.input);
            CHECK(a.offerings[j].prices.output == b.offerings[j].prices.output);
            CHECK(a.offerings[j].prices.cache_read == b.offerings[j].prices.cache_read);
            CHECK(a.offerings[j].prices.reasoning == b.offerings[j].prices.reasoning);
            CHECK(a.offerings[j].tiers.size() == b.offerings[j].tiers.size());
        }
    }
}

TEST_CASE("catalog: refresh fetches the models document from the mock provider") {
    mock::MockServer server;
    REQUIRE(server.start("127.0.0.1", 0));
    server.set_models_document(std::string(k_openrouter_doc));
    auto text = fetch_text(server.base_url() + "/api/v1/models");
    REQUIRE(text);
    auto merged = merge_openrouter(fixture(), *text, "2026-01-02");
    REQUIRE(merged);
    check_merged(*merged);

    auto missing = fetch_text(server.base_url() + "/nothing-here");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::upstream_error);
    server.stop();
    auto refused = fetch_text("http://127.0.0.1:" + std::to_string(1) + "/api/v1/models");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::upstream_unavailable);
    CHECK(fetch_text("/no/such/file.json").error().code == ErrorCode::io);
}

TEST_CASE("catalog: merge_litellm updates prices of known offerings only") {
    constexpr std::string_view k_litellm = R"({
      "sample_spec": {"input_cost_per_token": 0, "output_cost_per_token": 0},
      "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06,
                 "output_cost_per_token": 8e-06, "cache_read_input_token_cost": 1e-06},
      "azure/gpt-4o": {"litellm_provider": "azure", "mode": "chat", "input_cost_per_token": 2.75e-06,
                       "output_cost_per_token": 1.1e-05},
      "groq/llama-3.3-70b-versatile": {"litellm_provider": "groq", "mode": "chat",
                                       "input_cost_per_token": 5.9e-07, "output_cost_per_token": 9.9e-07},
      "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08},
      "brand-new-model": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06,
                          "output_cost_per_token": 1e-06}
    })";
    RefreshReport report;
    auto merged = merge_litellm(fixture(), k_litellm, report);
    REQUIRE(merged);
    REQUIRE(report.price_changes.size() == 2); // azure unchanged, unknown ones ignored
    CHECK(report.price_changes[0].model_id == "gpt-4o");
    CHECK(find_offering(*merged->find("gpt-4o"), "openai")->prices.input == 2'000'000'000);
    CHECK(find_offering(*merged->find("gpt-4o"), "openai")->prices.cache_read == 1'000'000'000);
    CHECK(find_offering(*merged->find("llama-3.3-70b"), "groq")->prices.output == 790'000'000 + 200'000'000);
    CHECK(merged->find("brand-new-model") == nullptr);
    CHECK(merged->models().size() == 13);
}
