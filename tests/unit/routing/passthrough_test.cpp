// Models the catalog does not list yet: naming rules, the closest sibling,
// and the router passing them through (issue 19, item 1).
#include <doctest/doctest.h>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/catalog/naming.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/routing/router.hpp"
#include "unit/catalog/temp_home.hpp"
#include "unit/routing/fixture.hpp"

using namespace megarouter;

namespace {

// A vendor's line-up as the catalog lists it, with a dated snapshot and a
// second provider for one model.
const char* k_vendor_catalog = R"json({"version":1,"models":[
{"id":"gpt-6","name":"GPT-6","vendor":"openai","family":"gpt-6","released":"2026-01-01","deprecated":"","context":400000,"max_output":128000,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"strong","quality":null,"aliases":[],
 "offerings":[{"provider":"openai","id":"gpt-6","price":{"in":1,"out":8,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"gpt-6-sol","name":"GPT-6 Sol","vendor":"openai","family":"gpt-6","released":"2026-03-01","deprecated":"","context":400000,"max_output":128000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision"],"tier":"frontier","quality":null,"aliases":[],
 "offerings":[{"provider":"openai","id":"gpt-6-sol","price":{"in":5,"out":40,"cache_read":0.5,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"gpt-6-sol-2026-06-01","name":"GPT-6 Sol (June)","vendor":"openai","family":"gpt-6","released":"2026-06-01","deprecated":"","context":400000,"max_output":128000,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"frontier","quality":null,"aliases":[],
 "offerings":[{"provider":"openai","id":"gpt-6-sol-2026-06-01","price":{"in":6,"out":48,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"claude-opus-5","name":"Claude Opus 5","vendor":"anthropic","family":"claude-opus","released":"2026-02-01","deprecated":"","context":1000000,"max_output":64000,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"frontier","quality":null,"aliases":[],
 "offerings":[{"provider":"anthropic","id":"claude-opus-5","price":{"in":5,"out":25,"cache_read":0.5,"cache_write":6.25,"reasoning":null},"tiers":[],"region":null},
              {"provider":"bedrock","id":"anthropic.claude-opus-5","price":{"in":5.5,"out":27.5,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]}
]})json";

const catalog::Catalog& vendor_catalog() {
    static const catalog::Catalog catalog = [] {
        auto parsed = catalog::Catalog::from_json(k_vendor_catalog, "vendors");
        REQUIRE(parsed);
        return std::move(*parsed);
    }();
    return catalog;
}

struct Gateway {
    routing::RoutingConfig config;
    std::vector<std::string> providers = {"openai", "anthropic"};
    const catalog::Catalog* catalog = &vendor_catalog();

    Result<routing::Plan> plan(const std::string& model) const {
        routing::RouteRequest route;
        route.model = model;
        route.defer_comparable = true;
        return routing::plan(route, routing_test::chat("Hello"), {catalog, providers, &config, nullptr, routing_test::k_now});
    }
};

} // namespace

TEST_CASE("naming: bare ids go to the provider whose naming they follow") {
    using catalog::naming_of;
    CHECK(naming_of("gpt-6.2-sol")->provider == "openai");
    CHECK(naming_of("o7-mini")->provider == "openai");
    CHECK(naming_of("chatgpt-5-latest")->provider == "openai");
    CHECK(naming_of("codex-mini-2")->provider == "openai");
    CHECK(naming_of("Claude-Opus-6")->provider == "anthropic");
    CHECK(naming_of("gemini-4-pro")->provider == "google");
    CHECK(naming_of("grok-7")->provider == "xai");
    CHECK(naming_of("devstral-3")->provider == "mistral");
    CHECK(naming_of("qwen4-max")->provider == "dashscope");
    CHECK(naming_of("qwen4-max")->vendor == "qwen");
    CHECK_FALSE(naming_of("llama-5-70b")); // served by many: no single provider's naming
    CHECK_FALSE(naming_of("octopus"));     // an 'o' without a digit
    CHECK_FALSE(naming_of("gpt-"));        // a bare prefix names nothing
    CHECK_FALSE(naming_of(std::string(200, 'g')));
}

TEST_CASE("naming: the closest sibling has the same words and the nearest version") {
    const auto& catalog = vendor_catalog();
    auto sibling = [&](std::string_view id, std::string_view provider) {
        const catalog::Model* m = catalog::closest_sibling(catalog, id, provider);
        return m ? m->id : std::string("(none)");
    };
    CHECK(sibling("gpt-6.2-sol", "openai") == "gpt-6-sol");   // not gpt-6 (other words), not the June snapshot (later)
    CHECK(sibling("gpt-6.1", "openai") == "gpt-6");
    CHECK(sibling("gpt-5.9-sol", "openai") == "gpt-6-sol");   // nothing older: the nearest newer one
    CHECK(sibling("claude-opus-6", "anthropic") == "claude-opus-5");
    CHECK(sibling("claude-opus-6", "openai") == "(none)");    // the sibling must be sold by that provider
    CHECK(sibling("gpt-6-nova", "openai") == "(none)");
}

TEST_CASE("routing: a bare id the catalog does not list passes through, priced from its sibling") {
    Gateway gateway;
    auto plan = gateway.plan("gpt-6.2-sol");
    REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message));
    CHECK(plan->route_kind == "passthrough");
    REQUIRE(plan->passthrough);
    CHECK(plan->passthrough->pricing == "estimate");
    CHECK(plan->passthrough->sibling == "gpt-6-sol");
    CHECK(plan->chosen.model == &plan->passthrough->model);
    CHECK(plan->chosen.offering->provider == "openai");
    CHECK(plan->chosen.offering->provider_model_id == "gpt-6.2-sol");
    CHECK(plan->chosen.offering->prices.input == 5 * catalog::k_nanos_per_usd);
    CHECK(plan->chosen.offering->prices.output == 40 * catalog::k_nanos_per_usd);
    CHECK(plan->chosen.model->vendor == "openai");
    CHECK(plan->fallbacks.empty()); // the caller asked for this model: no silent switch
    CHECK_FALSE(plan->comparable_deferred);
    CHECK(plan->estimated_cost > 0);
    // The plan owns the model: a copy outlives the original.
    routing::Plan copy = *plan;
    plan.value() = routing::Plan{};
    CHECK(copy.chosen.offering->provider_model_id == "gpt-6.2-sol");
    CHECK(routing::plan_to_json(copy)["price_source"]["pricing"] == "estimate");
}

TEST_CASE("routing: a bare id one slip from a listed model is a typo, not a new model") {
    CHECK(catalog::likely_typo_of(vendor_catalog(), "gpt-6-soll") == vendor_catalog().find("gpt-6-sol"));
    CHECK(catalog::likely_typo_of(vendor_catalog(), "claude-opsu-5") == vendor_catalog().find("claude-opus-5"));
    CHECK(catalog::likely_typo_of(vendor_catalog(), "gpt-6.2-sol") == nullptr);   // a new version
    CHECK(catalog::likely_typo_of(vendor_catalog(), "claude-opus-6") == nullptr); // a new version
    CHECK(catalog::likely_typo_of(vendor_catalog(), "gpt-6-sol-mega") == nullptr); // a new variant
    Gateway gateway;
    auto typo = gateway.plan("gpt-6-soll");
    REQUIRE_FALSE(typo);
    CHECK(typo.error().code == ErrorCode::not_found);
    CHECK(typo.error().message.find("did you mean gpt-6-sol") != std::string::npos);
    CHECK(typo.error().message.find("looks like a typo of gpt-6-sol") != std::string::npos);
    CHECK(typo.error().message.find("ask for openai/gpt-6-soll") != std::string::npos);
    auto as_asked = gateway.plan("openai/gpt-6-soll"); // explicit: the caller knows best
    REQUIRE(as_asked);
    CHECK(as_asked->chosen.offering->provider_model_id == "gpt-6-soll");
}

TEST_CASE("routing: provider/model passes through to any configured provider") {
    Gateway gateway;
    gateway.providers.push_back("ollama");
    auto plan = gateway.plan("openai/gpt-6.2-sol");
    REQUIRE(plan);
    CHECK(plan->chosen.offering->provider == "openai");
    CHECK(plan->chosen.offering->provider_model_id == "gpt-6.2-sol");
    auto local = gateway.plan("ollama/llama3.3:70b");
    REQUIRE_MESSAGE(local, (local ? "" : local.error().message));
    CHECK(local->chosen.offering->provider == "ollama");
    CHECK(local->chosen.offering->provider_model_id == "llama3.3:70b");
    CHECK(local->passthrough->pricing == "unpriced");
    auto missing = gateway.plan("groq/some-model");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(missing.error().message.find("no configured provider is called 'groq' (set GROQ_API_KEY)") != std::string::npos);
}

TEST_CASE("routing: a model with neither a price nor a sibling is charged at the unpriced price") {
    Gateway gateway;
    gateway.config.unpriced_input = 2 * catalog::k_nanos_per_usd;
    gateway.config.unpriced_output = 9 * catalog::k_nanos_per_usd;
    auto plan = gateway.plan("gpt-7-zephyr");
    REQUIRE(plan);
    CHECK(plan->passthrough->pricing == "unpriced");
    CHECK(plan->chosen.offering->prices.input == 2 * catalog::k_nanos_per_usd);
    CHECK(plan->chosen.offering->prices.output == 9 * catalog::k_nanos_per_usd);
    CHECK(plan->chosen.max_cost > 0); // a budget reserves against it
}

TEST_CASE("routing: unknown_models = refuse, an unconfigured provider and odd ids keep the 404") {
    Gateway gateway;
    gateway.config.pass_unknown_models = false;
    auto refused = gateway.plan("gpt-6.2-sol");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::not_found);
    CHECK(refused.error().message.find("did you mean gpt-6-sol") != std::string::npos);

    Gateway no_google;
    auto google = no_google.plan("gemini-4-pro");
    REQUIRE_FALSE(google);
    CHECK(google.error().code == ErrorCode::not_found);
    CHECK(google.error().message.find("google is not configured (set GEMINI_API_KEY)") != std::string::npos);
    auto nobody = no_google.plan("llama-5-70b");
    REQUIRE_FALSE(nobody);
    CHECK(nobody.error().message.find("ask for it as <provider>/llama-5-70b") != std::string::npos);
    for (const char* odd : {"gpt-6\r\nx-evil: 1", "openai/../admin", "gpt-6 sol", "openai/", "/gpt-6.2", "auto:fast"}) {
        auto plan = no_google.plan(odd);
        CHECK_MESSAGE(!plan, odd);
    }
    CHECK_FALSE(no_google.plan(std::string("gpt-") + std::string(200, 'x')));
}

TEST_CASE("routing: [prices] for a model the catalog does not list prices its pass-through") {
    catalog::test::TempDir home;
    home.write("cache/catalog.json", k_vendor_catalog);
    core::Paths paths;
    paths.cache_dir = home.path / "cache";
    auto config = core::parse_config(R"toml(
[prices."openai/gpt-6.2-sol"]
input = 7
output = 56

[prices."claude-opus-6"]
provider = "anthropic"
input = 4
output = 20
)toml", "test.toml");
    REQUIRE(config);
    auto loaded = catalog::Catalog::load(*config, paths);
    REQUIRE_MESSAGE(loaded, (loaded ? "" : loaded.error().message));
    CHECK(loaded->find("gpt-6.2-sol") == nullptr); // priced, still not listed
    Gateway gateway;
    gateway.catalog = &*loaded;
    auto plan = gateway.plan("gpt-6.2-sol");
    REQUIRE(plan);
    CHECK(plan->passthrough->pricing == "config");
    CHECK(plan->chosen.offering->prices.input == 7 * catalog::k_nanos_per_usd);
    auto claude = gateway.plan("claude-opus-6");
    REQUIRE(claude);
    CHECK(claude->passthrough->pricing == "config");
    CHECK(claude->chosen.offering->prices.output == 20 * catalog::k_nanos_per_usd);

    // A bare unknown id without a provider is still a typo to report.
    auto typo = core::parse_config("[prices.\"gpt-6-sool\"]\ninput = 1\noutput = 2\n", "test.toml");
    REQUIRE(typo);
    auto refused = catalog::Catalog::load(*typo, paths);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("did you mean gpt-6-sol") != std::string::npos);
    CHECK(refused.error().message.find("name its provider") != std::string::npos);
    auto half = core::parse_config("[prices.\"openai/gpt-9\"]\ninput = 1\n", "test.toml");
    REQUIRE(half);
    CHECK_FALSE(catalog::Catalog::load(*half, paths));
}
