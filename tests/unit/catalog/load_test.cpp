// Catalog::load: the cached refreshed copy over the built-in one, then the
// config file's custom models, price overrides and hidden models.
#include <doctest/doctest.h>

#include "megarouter/catalog/catalog.hpp"
#include "unit/catalog/fixture.hpp"
#include "unit/catalog/temp_home.hpp"

using namespace megarouter;
using namespace megarouter::catalog;

namespace {

// Loads with the fixture as the cached catalog and `toml` as the config file.
Result<Catalog> load_with(const std::string& toml, const test::TempDir& home) {
    home.write("cache/catalog.json", test::k_fixture);
    auto config = core::parse_config(toml, "test.toml");
    REQUIRE(config);
    core::Paths paths;
    paths.cache_dir = home.path / "cache";
    return Catalog::load(*config, paths);
}

} // namespace

TEST_CASE("catalog: the refreshed copy in the cache folder takes precedence") {
    test::TempDir home;
    core::Paths paths;
    paths.cache_dir = home.path / "cache";
    auto builtin = Catalog::load_base(paths);
    REQUIRE(builtin);
    CHECK(builtin->origin() == "built-in catalog");
    home.write("cache/catalog.json", test::k_fixture);
    auto cached = Catalog::load_base(paths);
    REQUIRE(cached);
    CHECK(cached->models().size() == 13);
    CHECK(cached->origin() == (home.path / "cache" / "catalog.json").string());
    home.write("cache/catalog.json", "{\"version\":1,\"models\":[{]}");
    auto broken = Catalog::load_base(paths);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().code == ErrorCode::invalid_argument);
    CHECK(broken.error().message.find("catalog.json") != std::string::npos);
}

TEST_CASE("catalog: a config without overrides loads the base catalog unchanged") {
    test::TempDir home;
    auto catalog = load_with("[defaults]\nmodel = \"gpt-4o\"\n", home);
    REQUIRE(catalog);
    CHECK(catalog->models().size() == 13);
}

TEST_CASE("catalog: config adds a custom local model at price 0") {
    test::TempDir home;
    auto catalog = load_with(R"toml(
[[models]]
id = "llama3.2-local"
name = "Llama 3.2 (Ollama)"
vendor = "meta"
provider = "ollama"
provider_model_id = "llama3.2:3b"
base_url = "http://127.0.0.1:11434/v1"
context = 131072
max_output = 4096
input_price = 0
output_price = 0
tier = "light"
caps = ["tools", "json"]
)toml",
                             home);
    REQUIRE(catalog);
    CHECK(catalog->models().size() == 14);
    const Model* local = catalog->find("llama3.2-local");
    REQUIRE(local);
    CHECK(local->name == "Llama 3.2 (Ollama)");
    CHECK(local->tier == Tier::light);
    CHECK(local->has(cap_tools));
    CHECK(local->has(cap_json_schema));
    REQUIRE(local->offerings.size() == 1);
    CHECK(local->offerings[0].provider == "ollama");
    CHECK(local->offerings[0].provider_model_id == "llama3.2:3b");
    CHECK(local->offerings[0].base_url == "http://127.0.0.1:11434/v1");
    CHECK(cost(local->offerings[0], {.input = 100'000, .output = 5000}) == 0);
    CHECK(catalog->find("ollama/llama3.2:3b") == local);
}

TEST_CASE("catalog: a custom model with a known id replaces it") {
    test::TempDir home;
    auto catalog = load_with("[[models]]\nid = \"gpt-4o\"\nprovider = \"vllm\"\ncontext = 32000\n", home);
    REQUIRE(catalog);
    CHECK(catalog->models().size() == 13);
    const Model* model = catalog->find("gpt-4o");
    REQUIRE(model);
    CHECK(model->offerings.size() == 1);
    CHECK(model->offerings[0].provider == "vllm");
    CHECK(model->context_window == 32000);
}

TEST_CASE("catalog: config price overrides set negotiated rates") {
    test::TempDir home;
    SUBCASE("a plain id changes every offering") {
        auto catalog = load_with("[prices.\"gpt-4o\"]\ninput = 2.0\noutput = 8.0\n", home);
        REQUIRE(catalog);
        for (const Offering& o : catalog->find("gpt-4o")->offerings) {
            CHECK(o.prices.input == 2'000'000'000);
            CHECK(o.prices.output == 8'000'000'000);
        }
        CHECK(catalog->find("gpt-4o")->offerings[0].prices.cache_read == 1'250'000'000); // untouched
    }
    SUBCASE("provider picks one offering") {
        auto catalog = load_with("[prices.\"gpt-4o\"]\nprovider = \"azure\"\ninput = 2.0\ncache_read = 0.5\n", home);
        REQUIRE(catalog);
        const Model* gpt = catalog->find("gpt-4o");
        CHECK(find_offering(*gpt, "openai")->prices.input == 2'500'000'000);
        CHECK(find_offering(*gpt, "azure")->prices.input == 2'000'000'000);
        CHECK(find_offering(*gpt, "azure")->prices.cache_read == 500'000'000);
    }
    SUBCASE("a provider/model key picks that offering") {
        auto catalog = load_with("[prices.\"anthropic/claude-sonnet-4-20250514\"]\ninput = 2.4\noutput = 12\n", home);
        REQUIRE(catalog);
        const Offering& o = catalog->find("claude-sonnet-4")->offerings[0];
        CHECK(o.prices.input == 2'400'000'000);
        CHECK(o.tiers.empty()); // a negotiated rate is flat
        CHECK(cost(o, {.input = 1000, .output = 1000}) == 14'400'000);
    }
}

TEST_CASE("catalog: config hides models") {
    test::TempDir home;
    auto catalog = load_with("[catalog]\nhidden = [\"o1\", \"GPT-4O-2024-08-06\"]\n", home);
    REQUIRE(catalog);
    CHECK(catalog->models().size() == 11);
    CHECK(catalog->find("o1") == nullptr);
    CHECK(catalog->find("gpt-4o") == nullptr);
    CHECK(catalog->find("gpt-4o-mini") != nullptr);
}

TEST_CASE("catalog: bad overrides fail with config and the file and line") {
    test::TempDir home;
    auto expect_error = [&](const std::string& toml, const std::string& where, const std::string& what) {
        auto catalog = load_with(toml, home);
        REQUIRE_FALSE(catalog);
        CHECK(catalog.error().code == ErrorCode::config);
        INFO(catalog.error().message);
        CHECK(catalog.error().message.find(where) != std::string::npos);
        CHECK(catalog.error().message.find(what) != std::string::npos);
    };
    expect_error("\n[prices.\"gpt4o\"]\ninput = 1\n", "test.toml:2", "did you mean gpt-4o");
    expect_error("[prices.\"gpt-4o\"]\n\ninput = \"cheap\"\n", "test.toml:3", "'input' must be a non-negative number");
    expect_error("[prices.\"gpt-4o\"]\ninput = -1\n", "test.toml:2", "non-negative");
    expect_error("[prices.\"gpt-4o\"]\nprovider = \"groq\"\ninput = 1\n", "test.toml", "no offering by 'groq'");
    expect_error("[prices.\"gpt-4o\"]\ninptu = 1\n", "test.toml:2", "unknown key 'inptu'");
    expect_error("[[models]]\nid = \"x\"\n", "test.toml:1", "needs 'context'");
    expect_error("[[models]]\nid = \"x\"\ncontext = 10\ntier = \"huge\"\n", "test.toml:4", "unknown tier");
    expect_error("[[models]]\nid = \"x\"\ncontext = 10\ncaps = [\"tools\", \"flying\"]\n", "test.toml:4",
                 "unknown capability 'flying'");
    expect_error("[[models]]\nid = \"x\"\ncontext = 10\ncolour = 1\n", "test.toml:4", "unknown key 'colour'");
    expect_error("[catalog]\nhidden = [\"gpt-4o\", \"o2\"]\n", "test.toml:2", "cannot hide unknown model 'o2'");
}
