// Comparable fallbacks of a named model are never clearly weaker than it
// ([routing] fallback_max_quality_drop, issue 14 item 3).
#include <doctest/doctest.h>

#include <algorithm>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/routing/router.hpp"
#include "unit/routing/fixture.hpp"

using namespace megarouter;

namespace {

std::string model_json(const std::string& id, const std::string& provider, double quality, double price) {
    return R"({"id":")" + id + R"(","name":")" + id + R"(","vendor":")" + provider + R"(","family":")" + id +
           R"(","released":"2026-01-01","deprecated":"","context":200000,"max_output":64000,"input":["text"],)"
           R"("output":["text"],"caps":["tools"],"tier":"light","quality":)" + std::to_string(quality) +
           R"(,"aliases":[],"offerings":[{"provider":")" + provider + R"(","id":")" + id +
           R"(","price":{"in":)" + std::to_string(price) + R"(,"out":)" + std::to_string(price * 4) +
           R"(,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]})";
}

std::vector<std::string> fallback_ids(const routing::Plan& plan) {
    std::vector<std::string> out;
    for (const routing::Candidate& c : plan.fallbacks) out.push_back(c.model->id);
    return out;
}

} // namespace

TEST_CASE("routing: a named model's comparable fallbacks keep its quality within the allowed drop") {
    std::string doc = R"({"version":1,"models":[)" + model_json("asked", "alpha", 84, 1) + "," +
                      model_json("nearly-as-good", "beta", 81, 0.5) + "," + model_json("cheap-weak", "gamma", 69, 0.1) +
                      "]}";
    auto catalog = catalog::Catalog::from_json(doc, "test");
    REQUIRE_MESSAGE(catalog, (catalog ? "" : catalog.error().message));
    routing::RoutingConfig config;
    std::vector<std::string> providers = {"alpha", "beta", "gamma"};
    auto plan_for = [&] {
        routing::RouteRequest route;
        route.model = "asked";
        return routing::plan(route, routing_test::chat("Hello"), {&*catalog, providers, &config, nullptr, routing_test::k_now});
    };
    auto plan = plan_for();
    REQUIRE(plan);
    CHECK(plan->chosen.model->id == "asked");
    auto ids = fallback_ids(*plan);
    CHECK(std::find(ids.begin(), ids.end(), "nearly-as-good") != ids.end());
    CHECK(std::find(ids.begin(), ids.end(), "cheap-weak") == ids.end()); // 15 points weaker

    config.fallback_max_quality_drop = 100; // a policy that allows any
    auto any = plan_for();
    REQUIRE(any);
    ids = fallback_ids(*any);
    CHECK(std::find(ids.begin(), ids.end(), "cheap-weak") != ids.end());
}
