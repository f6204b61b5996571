#include "unit/routing/fixture.hpp"

using namespace routing_test;

TEST_CASE("routing: plan_to_json carries the decision, the candidates and the exclusions") {
    Setup setup;
    setup.providers = {"acme", "beta"};
    auto plan = setup.plan("auto:cost", chat(k_easy));
    REQUIRE(plan);
    nlohmann::json doc = routing::plan_to_json(*plan);
    CHECK(doc["object"] == "route.plan");
    CHECK(doc["requested"] == "auto:cost");
    CHECK(doc["mode"] == "cost");
    CHECK(doc["tier"] == "light");
    CHECK(doc["chosen"]["deployment"] == "acme/tiny");
    CHECK(doc["chosen"]["provider_model_id"] == "tiny-001");
    CHECK(doc["estimated_cost_nanos"].get<std::int64_t>() == plan->estimated_cost);
    CHECK(doc["candidates"].size() == plan->candidates.size());
    CHECK(doc["candidates"][0]["components"].contains("price"));
    bool saw_no_credentials = false;
    for (const auto& e : doc["excluded"])
        if (e["reason"] == "no_credentials") saw_no_credentials = true;
    CHECK(saw_no_credentials);
    CHECK(doc["analysis"]["input_tokens"].get<int>() > 0);
    CHECK(doc["fallbacks"].is_array());
}
