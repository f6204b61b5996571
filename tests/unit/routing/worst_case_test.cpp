#include "megarouter/routing/worst_case.hpp"

#include "megarouter/routing/analyser.hpp"
#include "unit/routing/fixture.hpp"

using namespace routing_test;

namespace {

constexpr catalog::Nanos k_per_mtok = 1'000'000'000; // $1 per million tokens = 1,000 nanos a token

catalog::Model model_with(std::int64_t context, std::int64_t max_output) {
    catalog::Model m;
    m.id = "m";
    m.context_window = context;
    m.max_output = max_output;
    return m;
}

catalog::Offering offering_with(catalog::Nanos input, catalog::Nanos output) {
    catalog::Offering o;
    o.provider = "p";
    o.prices.input = input;
    o.prices.output = output;
    return o;
}

} // namespace

TEST_CASE("worst case: the input bound is at least the estimate and at least one token a byte") {
    for (std::string text : {std::string("Say hello"), std::string(3000, 'a'), std::string("{\"a\": [1, 2, 3]}"),
                             std::string("\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c"), std::string(" ", 1)}) {
        auto request = chat(text);
        CAPTURE(text);
        CHECK(routing::input_token_bound(request) >= static_cast<std::int64_t>(text.size()));
        CHECK(routing::input_token_bound(request) >= routing::estimate_input_tokens(request));
    }
    auto with_image = chat("what is this?");
    with_image.messages[0].content.push_back(providers::image_part("https://example.com/cat.png"));
    CHECK(routing::input_token_bound(with_image) >= routing::k_image_bound);
    auto with_tool = chat("call it");
    with_tool.tools.push_back({.name = "lookup", .description = "find a thing", .parameters = nlohmann::json::object()});
    CHECK(routing::input_token_bound(with_tool) >= routing::input_token_bound(chat("call it")) + routing::k_tools_overhead);
}

TEST_CASE("worst case: max_tokens when given, else the model's maximum output, and input within the context window") {
    auto model = model_with(1000, 300);
    auto offering = offering_with(2 * k_per_mtok, 10 * k_per_mtok);
    auto capped = routing::worst_case(model, offering, 100, 50);
    CHECK(capped.input_tokens == 100);
    CHECK(capped.output_tokens == 50);
    CHECK(capped.cost == 100 * 2000 + 50 * 10000);
    auto open = routing::worst_case(model, offering, 100, std::nullopt);
    CHECK(open.output_tokens == 300);
    CHECK(routing::worst_case(model, offering, 100, 5000).output_tokens == 300); // above the model's maximum
    CHECK(routing::worst_case(model, offering, 50'000, 10).input_tokens == 1000); // the window holds no more
    CHECK(routing::worst_case(model_with(0, 0), offering, 10, std::nullopt).output_tokens == routing::k_unknown_max_output);
}

TEST_CASE("worst case: tokens are priced at the dearest price they could carry") {
    auto model = model_with(0, 100);
    auto offering = offering_with(3 * k_per_mtok, 15 * k_per_mtok);
    offering.prices.cache_write = 4 * k_per_mtok; // Anthropic: writing the cache costs 1.25x input
    offering.prices.reasoning = 20 * k_per_mtok;
    CHECK(routing::worst_case(model, offering, 1000, 100).cost == 1000 * 4000 + 100 * 20000);
    // Above 200k input tokens the long-context tier's prices apply.
    auto tiered = offering_with(1 * k_per_mtok, 2 * k_per_mtok);
    tiered.tiers.push_back({.above_input_tokens = 200'000, .prices = {.input = 2 * k_per_mtok, .output = 4 * k_per_mtok}});
    CHECK(routing::worst_case(model, tiered, 100'000, 100).cost == 100'000 * 1000 + 100 * 2000);
    CHECK(routing::worst_case(model, tiered, 300'000, 100).cost == 300'000 * 2000 + 100 * 4000);
}

TEST_CASE("worst case: the largest output that fits a room fits, and one more token does not") {
    auto model = model_with(0, 16'384);
    auto offering = offering_with(2'500'000'000, 10'000'000'000); // gpt-4o: $2.50 / $10 per million
    for (catalog::Nanos room : {catalog::Nanos{0}, catalog::Nanos{112'500}, catalog::Nanos{122'499},
                                catalog::Nanos{312'500}, catalog::Nanos{1'000'000'007}}) {
        CAPTURE(room);
        std::int64_t out = routing::output_that_fits(model, offering, 45, 16'384, room, INT64_MAX);
        if (out == 0) {
            CHECK(routing::worst_case(model, offering, 45, 1).cost > room);
            continue;
        }
        CHECK(routing::worst_case(model, offering, 45, out).cost <= room);
        if (out < 16'384) CHECK(routing::worst_case(model, offering, 45, out + 1).cost > room);
    }
    CHECK(routing::output_that_fits(model, offering, 45, 16'384, 312'500, INT64_MAX) == 20);
    CHECK(routing::output_that_fits(model, offering, 45, 10, 312'500, INT64_MAX) == 10); // at most the ceiling
    CHECK(routing::output_that_fits(model, offering, 45, 16'384, 312'500, 50) == 5);     // token room
    CHECK(routing::output_that_fits(model, offering, 45, 16'384, 1'000'000'000, 45) == 0);
}
