#include "unit/routing/fixture.hpp"

using namespace routing_test;
using routing::Mode;

TEST_CASE("routing: cost mode picks the cheapest deployment that meets the required tier") {
    Setup setup;
    auto easy = setup.plan("auto:cost", chat(k_easy));
    REQUIRE(easy);
    CHECK(easy->required_tier == catalog::Tier::light);
    CHECK(easy->chosen.key() == "acme/tiny");
    CHECK(easy->mode == Mode::cost);

    auto hard = setup.plan("auto:cost", chat(k_hard));
    REQUIRE(hard);
    CHECK(hard->required_tier >= catalog::Tier::strong);
    CHECK(hard->chosen.model->tier >= hard->required_tier);
    // Every candidate meets the tier, and nothing cheaper was chosen over it.
    for (const auto& c : hard->candidates) {
        CHECK(c.model->tier >= hard->required_tier);
        CHECK(c.estimated_cost >= hard->chosen.estimated_cost);
    }
}

TEST_CASE("routing: deprecated models are skipped by auto routing") {
    Setup setup;
    auto plan = setup.plan("auto:cost", chat(k_easy));
    REQUIRE(plan);
    CHECK(reason_for(*plan, "old-light", "acme") == routing::Exclusion::deprecated);
    // Asked for by name it still routes, with a note.
    auto named = setup.plan("old-light", chat(k_easy));
    REQUIRE(named);
    CHECK(named->chosen.model->id == "old-light");
    REQUIRE_FALSE(named->notes.empty());
}

TEST_CASE("routing: balanced mode follows its weights") {
    Setup setup;
    SUBCASE("default weights send easy work to a light model") {
        auto plan = setup.plan("auto", chat(k_easy));
        REQUIRE(plan);
        CHECK(plan->mode == Mode::balanced);
        CHECK(plan->chosen.model->tier == catalog::Tier::light);
    }
    SUBCASE("quality only prefers the most headroom") {
        setup.config.weights = {1, 0, 0};
        auto plan = setup.plan("auto", chat(k_easy));
        REQUIRE(plan);
        CHECK(plan->chosen.model->id == "frontier-1");
    }
    SUBCASE("price only behaves like cost mode") {
        setup.config.weights = {0, 1, 0};
        auto plan = setup.plan("auto", chat(k_easy));
        REQUIRE(plan);
        CHECK(plan->chosen.key() == "acme/tiny");
    }
    SUBCASE("the default mode comes from the config") {
        setup.config.default_mode = Mode::latency;
        auto plan = setup.plan("auto", chat(k_easy));
        REQUIRE(plan);
        CHECK(plan->mode == Mode::latency);
    }
}

TEST_CASE("routing: latency mode uses observed health data over catalog priors") {
    Setup setup;
    auto prior = setup.plan("strong-1", chat(k_easy), {});
    REQUIRE(prior);
    CHECK_FALSE(prior->chosen.latency_observed);

    routing::RouteRequest route;
    route.model = "strong-1";
    route.mode = Mode::latency;
    // cloud answers fast, acme slowly.
    setup.health.deployments["cloud/strong-1"] = {.successes = 5, .latency_samples = 5, .ttft_ms = 200, .tokens_per_s = 200};
    setup.health.deployments["acme/strong-1"] = {.successes = 5, .latency_samples = 5, .ttft_ms = 3000, .tokens_per_s = 20};
    auto fast = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(fast);
    CHECK(fast->chosen.key() == "cloud/strong-1");
    CHECK(fast->chosen.latency_observed);
    CHECK(fast->chosen.expected_latency_ms == doctest::Approx(200 + 512 * 1000.0 / 200));

    setup.health.deployments["cloud/strong-1"].ttft_ms = 30'000;
    auto slow = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(slow);
    CHECK(slow->chosen.key() == "acme/strong-1");
}

TEST_CASE("routing: availability mode prefers low error rates and models with several providers") {
    Setup setup;
    routing::RouteRequest route;
    route.model = "auto:availability";
    auto plan = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(plan);
    // tiny has two providers, mini-vision one: tiny ranks first.
    CHECK(plan->chosen.model->id == "tiny");
    CHECK(plan->chosen.independent_providers == 2);

    setup.health.deployments["acme/tiny"] = {.failures = 2, .error_rate = 0.6};
    setup.health.deployments["openrouter/tiny"] = {.failures = 2, .error_rate = 0.6};
    auto failing = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(failing);
    CHECK(failing->chosen.model->id != "tiny");
}

TEST_CASE("routing: auto:<mode> selects the mode and rejects unknown ones") {
    Setup setup;
    for (auto [name, mode] : {std::pair{"auto:cost", Mode::cost}, {"auto:latency", Mode::latency},
                              {"auto:balanced", Mode::balanced}, {"auto:availability", Mode::availability}}) {
        auto plan = setup.plan(name, chat(k_easy));
        REQUIRE(plan);
        CHECK(plan->mode == mode);
    }
    auto bad = setup.plan("auto:fastest", chat(k_easy));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("routing: ties break deterministically by cost, then model id, then provider") {
    Setup setup;
    // mid is offered by beta and cloud at identical prices.
    routing::RouteRequest route;
    route.model = "mid";
    route.mode = Mode::cost;
    std::string first;
    for (int i = 0; i < 5; ++i) {
        auto plan = routing::plan(route, chat(k_easy), setup.context());
        REQUIRE(plan);
        if (i == 0) first = plan->chosen.key();
        CHECK(plan->chosen.key() == first);
    }
    CHECK(first == "beta/mid");
    // Reordering the configured providers changes nothing.
    setup.providers = {"openrouter", "gamma", "cloud", "beta", "acme"};
    auto reordered = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(reordered);
    CHECK(reordered->chosen.key() == "beta/mid");
    REQUIRE_FALSE(reordered->fallbacks.empty());
    CHECK(reordered->fallbacks.front().key() == "cloud/mid");
}
