#include "unit/routing/fixture.hpp"

using namespace routing_test;
using routing::Exclusion;

TEST_CASE("routing: each constraint excludes with its reason") {
    Setup setup;
    routing::Constraints c;
    SUBCASE("allowed vendors") {
        c.allow_vendors = {"BETA"};
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.model->vendor == "beta");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::denied_by_policy);
    }
    SUBCASE("denied vendors") {
        c.deny_vendors = {"acme"};
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.model->vendor != "acme");
    }
    SUBCASE("allowed and denied providers") {
        c.deny_providers = {"acme"};
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.key() == "openrouter/tiny");
        c.deny_providers.clear();
        c.allow_providers = {"gamma"};
        auto only = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(only);
        CHECK(only->chosen.key() == "gamma/strong-cheap");
    }
    SUBCASE("allowed and denied models, by alias too") {
        c.deny_models = {"tiny-latest"};
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.model->id == "mini-vision");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::denied_by_policy);
        c.deny_models.clear();
        c.allow_models = {"mid"};
        auto only = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(only);
        CHECK(only->chosen.model->id == "mid");
    }
    SUBCASE("region") {
        c.region = "EU";
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.key() == "cloud/mid");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::wrong_region);
    }
    SUBCASE("max price per million tokens") {
        c.max_price_per_mtok = catalog::usd_per_mtok_to_nanos(5);
        auto plan = setup.plan("auto:cost", chat(k_hard), c);
        REQUIRE(plan);
        CHECK(plan->chosen.model->id == "strong-cheap"); // the frontier tier is over the cap: relaxed to strong
        CHECK(reason_for(*plan, "frontier-1", "beta") == Exclusion::over_price_cap);
    }
    SUBCASE("max cost per request, at the requested max output") {
        c.max_cost_per_request = 1'000'000; // $0.001
        auto request = chat(k_hard);
        request.max_tokens = 1000;
        auto plan = setup.plan("auto:cost", request, c);
        REQUIRE(plan);
        CHECK(reason_for(*plan, "frontier-1", "beta") == Exclusion::over_cost_cap);
        for (const auto& candidate : plan->candidates) CHECK(candidate.max_cost <= 1'000'000);
    }
    SUBCASE("budget downgrade forces cost mode under a ceiling") {
        c.forced_mode = routing::Mode::cost;
        c.downgrade_price_ceiling = catalog::usd_per_mtok_to_nanos(1);
        routing::RouteRequest route;
        route.model = "auto:latency";
        route.constraints = c;
        auto plan = routing::plan(route, chat(k_easy), setup.context());
        REQUIRE(plan);
        CHECK(plan->mode == routing::Mode::cost);
        CHECK(reason_for(*plan, "mid", "beta") == Exclusion::over_budget_ceiling);
    }
    SUBCASE("no credentials") {
        setup.providers = {"beta"};
        auto plan = setup.plan("auto:cost", chat(k_easy), c);
        REQUIRE(plan);
        CHECK(plan->chosen.offering->provider == "beta");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::no_credentials);
    }
}

TEST_CASE("routing: hard requirements of the request exclude deployments that cannot serve it") {
    Setup setup;
    SUBCASE("tools") {
        auto request = chat(k_easy);
        request.tools.push_back({"lookup", "find a thing", nlohmann::json::object()});
        routing::Constraints c;
        c.allow_models = {"no-tools", "mid"};
        auto plan = setup.plan("auto:cost", request, c);
        REQUIRE(plan);
        CHECK(plan->analysis.needs_tools);
        CHECK(plan->chosen.model->id == "mid");
        CHECK(reason_for(*plan, "no-tools", "delta") == Exclusion::lacks_tools);
        request.tool_choice = "none"; // tools defined but not to be used
        auto none = setup.plan("auto:cost", request, c);
        REQUIRE(none);
        CHECK(none->chosen.model->id == "no-tools");
    }
    SUBCASE("vision") {
        auto request = chat("What is in this picture?");
        request.messages[0].content.push_back({providers::ContentPart::Kind::image, "", "https://x/y.png", "", ""});
        auto plan = setup.plan("auto:cost", request);
        REQUIRE(plan);
        CHECK(plan->chosen.model->id == "mini-vision");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::lacks_vision);
    }
    SUBCASE("json schema") {
        auto request = chat("Extract the name.");
        request.response_format = {{"type", "json_schema"}, {"json_schema", {{"name", "x"}}}};
        auto plan = setup.plan("auto:cost", request);
        REQUIRE(plan);
        CHECK(plan->chosen.model->id == "mini-vision");
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::lacks_json_schema);
    }
    SUBCASE("context window holds the input plus the requested output") {
        auto request = chat(std::string(20'000 * 4, 'a')); // ~20k tokens
        auto plan = setup.plan("auto:cost", request);
        REQUIRE(plan);
        CHECK(reason_for(*plan, "tiny", "acme") == Exclusion::context_too_small);
        CHECK(plan->chosen.model->context_window >= plan->analysis.input_tokens);
        auto big_output = chat(k_easy);
        big_output.max_tokens = 15'000; // fits tiny's output limit? no: 4096
        auto out = setup.plan("auto:cost", big_output);
        REQUIRE(out);
        CHECK(reason_for(*out, "tiny", "acme") == Exclusion::output_too_small);
    }
    SUBCASE("tools requested but no model has them") {
        auto request = chat(k_easy);
        request.tools.push_back({"lookup", "", nlohmann::json::object()});
        routing::Constraints c;
        c.allow_models = {"strong-cheap"};
        request.messages[0].content.push_back({providers::ContentPart::Kind::image, "", "https://x/y.png", "", ""});
        auto plan = setup.plan("auto", request, c);
        REQUIRE_FALSE(plan);
        CHECK(plan.error().code == ErrorCode::no_route);
        CHECK(exit_code_for(plan.error()) == k_exit_unavailable);
        CHECK(plan.error().message.find("lacks_vision") != std::string::npos);
    }
}

TEST_CASE("routing: unknown models fail with suggestions") {
    Setup setup;
    auto plan = setup.plan("tinny", chat(k_easy));
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == ErrorCode::not_found);
    CHECK(plan.error().message.find("tiny") != std::string::npos);
}

TEST_CASE("routing: no credentials at all is a no_route error that says how to fix it") {
    Setup setup;
    setup.providers.clear();
    auto plan = setup.plan("auto", chat(k_easy));
    REQUIRE_FALSE(plan);
    CHECK(plan.error().code == ErrorCode::no_route);
    CHECK(plan.error().message.find("no_credentials") != std::string::npos);
    CHECK(plan.error().message.find("API_KEY") != std::string::npos);
}

TEST_CASE("routing: constraints merge by intersecting allows and uniting denies") {
    routing::Constraints key;
    key.allow_vendors = {"acme", "beta"};
    key.max_price_per_mtok = 10;
    routing::Constraints team;
    team.allow_vendors = {"beta", "gamma"};
    team.deny_providers = {"openrouter"};
    team.max_price_per_mtok = 5;
    key.merge(team);
    CHECK(key.allow_vendors == std::vector<std::string>{"beta"});
    CHECK(key.deny_providers == std::vector<std::string>{"openrouter"});
    CHECK(*key.max_price_per_mtok == 5);
}

TEST_CASE("routing: a named model caps a larger max_tokens to its maximum output; auto routing excludes it") {
    Setup setup;
    auto asking = [](std::int64_t max_tokens) {
        auto request = chat(k_easy);
        request.max_tokens = max_tokens;
        return request;
    };
    auto capped = setup.plan("tiny", asking(8000)); // tiny gives at most 4096
    REQUIRE(capped);
    CHECK(capped->chosen.model->id == "tiny");
    bool noted = false;
    for (const auto& note : capped->notes) noted = noted || note.find("capped to 4096") != std::string::npos;
    CHECK(noted);
    auto exact = setup.plan("tiny", asking(4096));
    REQUIRE(exact);
    CHECK(capped->chosen.max_cost == exact->chosen.max_cost); // reserved for 4096 output tokens, not 8000
    CHECK(exact->notes.empty());

    auto automatic = setup.plan("auto", asking(8000));
    REQUIRE(automatic);
    CHECK(automatic->chosen.model->id != "tiny");
    CHECK(reason_for(*automatic, "tiny", "acme") == routing::Exclusion::output_too_small);
}
