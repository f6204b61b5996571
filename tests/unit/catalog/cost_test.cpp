// Cost arithmetic pinned against hand-computed figures at published prices.
#include <doctest/doctest.h>

#include "megarouter/catalog/catalog.hpp"
#include "unit/catalog/fixture.hpp"

using namespace megarouter::catalog;

namespace {

const Catalog& fixture() {
    static const Catalog catalog = *Catalog::from_json(test::k_fixture, "fixture");
    return catalog;
}

// The cost at the model's first offering (or the one by `provider`).
Nanos cost_of(const char* id, Usage usage, const char* provider = nullptr) {
    const Model* model = fixture().find(id);
    REQUIRE(model != nullptr);
    const Offering* offering = provider ? find_offering(*model, provider) : &model->offerings.front();
    REQUIRE(offering != nullptr);
    return cost(*offering, usage);
}

} // namespace

TEST_CASE("catalog: cost matches hand-computed figures at published prices") {
    // gpt-4o $2.50 in / $10 out: 1000*2.5e-6 + 500*10e-6 = $0.0075
    CHECK(cost_of("gpt-4o", {.input = 1000, .output = 500}) == 7'500'000);
    // gpt-4o-mini $0.15 / $0.60: 1M in + 1M out = $0.75
    CHECK(cost_of("gpt-4o-mini", {.input = 1'000'000, .output = 1'000'000}) == 750'000'000);
    // o1 $15 / $60, reasoning billed as output: 1000*15e-6 + 5000*60e-6 = $0.315
    CHECK(cost_of("o1", {.input = 1000, .output = 5000, .reasoning = 4000}) == 315'000'000);
    // gemini-2.5-pro under 200k: 100000*1.25e-6 + 1000*10e-6 = $0.135
    CHECK(cost_of("gemini-2.5-pro", {.input = 100'000, .output = 1000}) == 135'000'000);
    // deepseek-chat $0.28 / $0.42 / cache hit $0.028:
    // 1234*0.28 + 5678*0.028 + 910*0.42 = 886.704 micro-dollars
    CHECK(cost_of("deepseek-chat", {.input = 1234, .cached_input = 5678, .output = 910}) == 886'704);
    // claude-3-5-haiku $0.80 / $4 / read $0.08 / write $1:
    // 12000*0.8 + 40000*0.08 + 4000*1 + 3000*4 = 28800 micro-dollars
    CHECK(cost_of("claude-3-5-haiku", {.input = 12000, .cached_input = 40000, .cache_write = 4000, .output = 3000}) ==
          28'800'000);
    // mistral-large $2 / $6: 123456*2 + 7890*6 = 294252 micro-dollars
    CHECK(cost_of("mistral-large", {.input = 123'456, .output = 7890}) == 294'252'000);
    // llama-3.3-70b on groq $0.59 / $0.79: 54321*0.59 + 12345*0.79 = 41801.94 micro-dollars
    CHECK(cost_of("llama-3.3-70b", {.input = 54'321, .output = 12'345}, "groq") == 41'801'940);
    // kimi-k2 $0.60 / $2.50 / cached $0.15: 30000*0.6 + 70000*0.15 + 4000*2.5 = 38500 micro-dollars
    CHECK(cost_of("kimi-k2", {.input = 30'000, .cached_input = 70'000, .output = 4000}) == 38'500'000);
    // grok-4 under 128k: 100000*3 + 20000*0.75 + 2000*15 = 345000 micro-dollars
    CHECK(cost_of("grok-4", {.input = 100'000, .cached_input = 20'000, .output = 2000}) == 345'000'000);
}

TEST_CASE("catalog: cost of a cached request") {
    // gpt-4o: 2000 fresh at $2.50 + 8000 cached at $1.25 + 1000 out at $10 = $0.025
    CHECK(cost_of("gpt-4o", {.input = 2000, .cached_input = 8000, .output = 1000}) == 25'000'000);
    // claude-sonnet-4: 10000*3 + 2000 written*3.75 + 50000 read*0.30 + 1000*15 = $0.0675
    CHECK(cost_of("claude-sonnet-4", {.input = 10'000, .cached_input = 50'000, .cache_write = 2000, .output = 1000}) ==
          67'500'000);
    // mistral-large has no cache discount: cached tokens cost the input price.
    CHECK(cost_of("mistral-large", {.cached_input = 1000}) == cost_of("mistral-large", {.input = 1000}));
}

TEST_CASE("catalog: long-context tiers replace the base prices above the threshold") {
    // claude-sonnet-4 above 200k input: 250000*6 + 2000*22.5 = $1.545
    CHECK(cost_of("claude-sonnet-4", {.input = 250'000, .output = 2000}) == 1'545'000'000);
    // exactly 200k is not above the threshold: 200000*3 = $0.60
    CHECK(cost_of("claude-sonnet-4", {.input = 200'000}) == 600'000'000);
    // cached tokens count toward the threshold: 10000*6 + 195000*0.60 = $0.177
    CHECK(cost_of("claude-sonnet-4", {.input = 10'000, .cached_input = 195'000}) == 177'000'000);
    // gemini-2.5-pro above 200k: 300000*2.5 + 10000*15 = $0.90
    CHECK(cost_of("gemini-2.5-pro", {.input = 300'000, .output = 10'000}) == 900'000'000);
    // grok-4 above 128k: 100000*6 + 50000*1.5 + 2000*30 = $0.735
    CHECK(cost_of("grok-4", {.input = 100'000, .cached_input = 50'000, .output = 2000}) == 735'000'000);
    const Model* sonnet = fixture().find("claude-sonnet-4");
    CHECK(applicable_tier(sonnet->offerings[0], {.input = 100}) == nullptr);
    REQUIRE(applicable_tier(sonnet->offerings[0], {.input = 200'001}) != nullptr);
    CHECK(applicable_tier(sonnet->offerings[0], {.input = 200'001})->above_input_tokens == 200'000);
}

TEST_CASE("catalog: reasoning tokens use the reasoning price where one exists") {
    // o4-mini via openrouter: out $10, reasoning $5: 400*10 + 600*5 = $0.007
    CHECK(cost_of("o4-mini", {.output = 1000, .reasoning = 600}) == 7'000'000);
    // reasoning above output is clamped (output includes reasoning)
    CHECK(cost_of("o4-mini", {.output = 100, .reasoning = 600}) == 500'000);
}

TEST_CASE("catalog: cost is rounded once, to the nearest nano-dollar") {
    // gemini-1.5-flash cached $0.01875/M = 18.75 nano-dollars per token
    CHECK(cost_of("gemini-1.5-flash", {.cached_input = 1}) == 19);
    CHECK(cost_of("gemini-1.5-flash", {.cached_input = 2}) == 38); // 37.5 rounds half up
    CHECK(cost_of("gemini-1.5-flash", {.cached_input = 4}) == 75); // not 4 x 19
    CHECK(cost_of("gemini-1.5-flash", {.input = 1, .cached_input = 2, .output = 1}) == 413); // 75 + 37.5 + 300
    // huge counts do not overflow: 10^10 tokens at $60/M = $600,000, exactly
    CHECK(cost_of("o1", {.output = 10'000'000'000}) == 600'000LL * 1'000'000'000LL);
    // and a request's cost is held at $1M (10^12 tokens would be $60M)
    CHECK(cost_of("o1", {.output = 1'000'000'000'000}) == k_max_request_cost);
    CHECK(cost_of("o1", {.input = INT64_MAX, .cached_input = INT64_MAX, .output = INT64_MAX}) == k_max_request_cost);
    CHECK(cost_of("o1", {.input = -5, .output = -1}) == 0);
}

TEST_CASE("catalog: money conversion and formatting") {
    CHECK(usd_per_mtok_to_nanos(2.5) == 2'500'000'000);
    CHECK(usd_per_mtok_to_nanos(0.075) == 75'000'000);
    CHECK(usd_per_mtok_to_nanos(0.01875) == 18'750'000);
    CHECK(format_usd(2'500'000'000) == "$2.50");
    CHECK(format_usd(15'000'000'000) == "$15.00");
    CHECK(format_usd(75'000'000) == "$0.075");
    CHECK(format_usd(7'500'000) == "$0.0075");
    CHECK(format_usd(150'000'000) == "$0.15");
    CHECK(format_usd(125'000'000) == "$0.125");
    CHECK(format_usd(886'704) == "$0.000887");
    CHECK(format_usd(0) == "$0.00");
    CHECK(format_usd(12'345'678'900) == "$12.35");
    CHECK(format_usd(-7'500'000) == "-$0.0075");
    CHECK(format_usd_plain(7'500'000) == "0.0075");
    CHECK(format_usd_plain(1'545'000'000) == "1.545");
    CHECK(format_usd_plain(3'000'000'000) == "3");
    CHECK(format_usd_plain(1) == "0.000000001");
}

TEST_CASE("catalog: cheapest offering compares input plus output") {
    const Model* gpt = fixture().find("gpt-4o");
    REQUIRE(cheapest_offering(*gpt) != nullptr);
    CHECK(cheapest_offering(*gpt)->provider == "openai");
    const Model* llama = fixture().find("llama-3.3-70b");
    CHECK(cheapest_offering(*llama)->provider == "groq");
    CHECK(find_offering(*llama, "TOGETHER") == &llama->offerings[1]);
    CHECK(find_offering(*llama, "azure") == nullptr);
}

TEST_CASE("catalog: usage reported in pieces merges field by field, later non-zero values winning") {
    megarouter::catalog::Usage usage{.input = 120, .cached_input = 30};
    usage.merge({.output = 7});                     // Anthropic's message_delta
    usage.merge({.output = 9, .reasoning = 4});     // a later, fuller report
    CHECK(usage.input == 120);
    CHECK(usage.cached_input == 30);
    CHECK(usage.output == 9);
    CHECK(usage.reasoning == 4);
    CHECK(usage.cache_write == 0);
}
