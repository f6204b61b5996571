#include "megarouter/core/config.hpp"

#include "unit/routing/fixture.hpp"

using namespace routing_test;

namespace {

routing::RoutingConfig parse_ok(const std::string& toml) {
    auto config = core::parse_config(toml, "config.toml");
    REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().message));
    auto routing_config = routing::parse_routing_config(*config);
    REQUIRE_MESSAGE(routing_config.has_value(), (routing_config ? "" : routing_config.error().message));
    return *routing_config;
}

Error parse_error(const std::string& toml) {
    auto config = core::parse_config(toml, "config.toml");
    REQUIRE(config);
    auto routing_config = routing::parse_routing_config(*config);
    REQUIRE_FALSE(routing_config);
    return routing_config.error();
}

const char* k_config = R"(
[routing]
default_mode = "cost"
max_fallbacks = 2
weights = { quality = 0.2, price = 0.7, latency = 0.1 }
thresholds = { standard = 1, strong = 3, frontier = 6, long_input_tokens = 4000 }
signal_weights = { code = 2.0, language = 0 }
health = { consecutive_failures = 5, base_ejection_s = 10, max_ejection_s = 60, panic_threshold = 0.3 }

[groups.team-default]
deployments = [
  { model = "tiny", provider = "acme", weight = 1 },
  { model = "tiny", provider = "openrouter", weight = 3 },
]
fallbacks = ["mid"]

[groups.hard-work]
tier = "strong"
mode = "cost"
deny_vendors = ["gamma"]

[aliases]
fast = "tiny-latest"
team = "team-default"
)";

} // namespace

TEST_CASE("routing: the config file's routing sections parse") {
    routing::RoutingConfig config = parse_ok(k_config);
    CHECK(config.default_mode == routing::Mode::cost);
    CHECK(config.max_fallbacks == 2);
    CHECK(config.weights.price == doctest::Approx(0.7));
    CHECK(config.analyser.strong_at == 3);
    CHECK(config.analyser.long_input_tokens == 4000);
    CHECK(config.analyser.weights[static_cast<int>(routing::Signal::code)] == 2.0);
    CHECK(config.health.consecutive_failures_to_eject == 5);
    CHECK(config.health.max_ejection_ms == 60'000);
    CHECK(config.health.panic_threshold == doctest::Approx(0.3));
    REQUIRE(config.groups.count("team-default"));
    CHECK(config.groups["team-default"].deployments.size() == 2);
    CHECK(config.groups["team-default"].deployments[1].weight == 3);
    CHECK(config.groups["hard-work"].tier == catalog::Tier::strong);
    CHECK(config.groups["hard-work"].constraints.deny_vendors == std::vector<std::string>{"gamma"});
    CHECK(config.aliases["fast"] == "tiny-latest");
}

TEST_CASE("routing: config errors name the file and line") {
    Error bad_mode = parse_error("[routing]\ndefault_mode = \"fastest\"\n");
    CHECK(bad_mode.code == ErrorCode::config);
    CHECK(bad_mode.message.find("config.toml:2") != std::string::npos);
    CHECK(bad_mode.message.find("fastest") != std::string::npos);

    Error bad_tier = parse_error("[groups.x]\ntier = \"mega\"\n");
    CHECK(bad_tier.message.find("config.toml:2") != std::string::npos);

    Error bad_weight = parse_error("[routing.weights]\nquality = \"high\"\n");
    CHECK(bad_weight.message.find("/routing/weights/quality") != std::string::npos);

    Error unknown = parse_error("[routing]\nfoo = 1\n");
    CHECK(unknown.message.find("unknown setting") != std::string::npos);
}

TEST_CASE("routing: groups route over their weighted deployments, then their fallbacks") {
    Setup setup;
    setup.config = parse_ok(k_config);
    routing::RouteRequest route;
    route.model = "team-default";
    auto plan = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(plan);
    CHECK(plan->route_kind == "group");
    CHECK(plan->chosen.key() == "openrouter/tiny"); // seed 0: the highest weight
    REQUIRE(plan->fallbacks.size() >= 2);
    CHECK(plan->fallbacks[0].key() == "acme/tiny");
    CHECK(plan->fallbacks.back().model->id == "mid");

    // With seeds the weighted pick spreads traffic about 1:3.
    int acme = 0;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        route.seed = seed;
        auto p = routing::plan(route, chat(k_easy), setup.context());
        REQUIRE(p);
        if (p->chosen.offering->provider == "acme") ++acme;
    }
    CHECK(acme == 100);

    SUBCASE("an ejected group deployment is skipped") {
        setup.health.deployments["openrouter/tiny"] = {.failures = 3, .error_rate = 1, .consecutive_failures = 3,
                                                        .ejections = 1, .ejected_until = k_now + 1000,
                                                        .state = routing::HealthState::ejected};
        route.seed = 0;
        auto skipped = routing::plan(route, chat(k_easy), setup.context());
        REQUIRE(skipped);
        CHECK(skipped->chosen.key() == "acme/tiny");
    }
}

TEST_CASE("routing: rule groups set the tier, mode and constraints; aliases resolve") {
    Setup setup;
    setup.config = parse_ok(k_config);
    auto plan = setup.plan("hard-work", chat(k_easy));
    REQUIRE(plan);
    CHECK(plan->required_tier == catalog::Tier::strong);
    CHECK(plan->mode == routing::Mode::cost);
    CHECK(plan->chosen.model->id == "strong-1"); // strong-cheap's vendor is denied
    CHECK(reason_for(*plan, "strong-cheap", "gamma") == routing::Exclusion::denied_by_policy);

    auto alias = setup.plan("fast", chat(k_easy));
    REQUIRE(alias);
    CHECK(alias->route_kind == "alias");
    CHECK(alias->chosen.model->id == "tiny");
    auto group_alias = setup.plan("team", chat(k_easy));
    REQUIRE(group_alias);
    CHECK(group_alias->route_kind == "group");
}

TEST_CASE("routing: the fallback chain tries the same model elsewhere first, then comparable models") {
    Setup setup;
    auto plan = setup.plan("strong-1", chat(k_easy));
    REQUIRE(plan);
    REQUIRE(plan->fallbacks.size() >= 2);
    CHECK(plan->fallbacks[0].model->id == "strong-1");
    CHECK(plan->fallbacks[0].offering != plan->chosen.offering);
    for (std::size_t i = 1; i < plan->fallbacks.size(); ++i) {
        CHECK(plan->fallbacks[i].model->id != "strong-1");
        CHECK(plan->fallbacks[i].model->tier >= catalog::Tier::strong);
    }
    setup.config.fallback_to_other_models = false;
    auto same_only = setup.plan("strong-1", chat(k_easy));
    REQUIRE(same_only);
    CHECK(same_only->fallbacks.size() == 1);
}

TEST_CASE("routing: deferred comparable models come later, in the order the full plan has them") {
    Setup setup;
    auto full = setup.plan("strong-1", chat(k_easy));
    REQUIRE(full);
    routing::RouteRequest route;
    route.model = "strong-1";
    route.defer_comparable = true;
    auto deferred = routing::plan(route, chat(k_easy), setup.context());
    REQUIRE(deferred);
    CHECK(deferred->comparable_deferred);
    CHECK(deferred->chosen.key() == full->chosen.key());
    REQUIRE(deferred->fallbacks.size() == 1); // strong-1 at its other provider only
    CHECK(deferred->fallbacks[0].model->id == "strong-1");
    auto later = routing::comparable_fallbacks(*deferred, setup.context());
    REQUIRE(later.size() + 1 == full->fallbacks.size());
    for (std::size_t i = 0; i < later.size(); ++i) CHECK(later[i].key() == full->fallbacks[i + 1].key());
    CHECK(routing::comparable_fallbacks(*full, setup.context()).empty()); // nothing was deferred
}

TEST_CASE("routing: larger_context_fallbacks offers only bigger windows") {
    Setup setup;
    auto plan = setup.plan("tiny", chat(k_easy));
    REQUIRE(plan);
    auto larger = routing::larger_context_fallbacks(*plan, plan->chosen, setup.context());
    REQUIRE_FALSE(larger.empty());
    for (const auto& c : larger) CHECK(c.model->context_window > 16'000);
}

// A regression guard: the comparable models' scan enforces the tier and skips
// deprecated models (collect_target's catalog-wide path).
TEST_CASE("routing: comparable fallbacks are never of a lower tier than the named model, nor deprecated") {
    Setup setup;
    setup.config.max_fallbacks = 32; // room for every model that qualifies
    for (const char* named : {"tiny", "mid", "strong-1"}) {
        CAPTURE(named);
        auto plan = setup.plan(named, chat(k_easy));
        REQUIRE(plan);
        for (const routing::Candidate& c : plan->fallbacks) {
            CHECK(c.model->tier >= plan->chosen.model->tier);
            CHECK(c.model->deprecated.empty());
        }
    }
    // A light model's fallbacks: other light or stronger models, but not the
    // cheapest one, which is deprecated.
    auto tiny = setup.plan("tiny", chat(k_easy));
    REQUIRE(tiny);
    CHECK(tiny->fallbacks.size() > 1);
}
