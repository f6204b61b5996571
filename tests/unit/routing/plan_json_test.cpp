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
    CHECK(doc["candidates"].size() == std::min(plan->candidates.size(), routing::k_summary_candidates));
    CHECK(doc["candidates_total"] == plan->candidates.size());
    CHECK(doc["excluded_total"] == plan->excluded.size());
    CHECK(doc["candidates"][0]["components"].contains("price"));
    bool saw_no_credentials = false;
    for (const auto& e : doc["excluded"])
        if (e["reason"] == "no_credentials") saw_no_credentials = true;
    CHECK(saw_no_credentials);
    CHECK(doc["analysis"]["input_tokens"].get<int>() > 0);
    CHECK(doc["fallbacks"].is_array());
}

TEST_CASE("routing: a summary plan keeps the best candidates and a few exclusions per reason, full keeps all") {
    Setup setup;
    setup.providers = {"acme"};
    auto plan = setup.plan("auto:cost", chat(k_easy));
    REQUIRE(plan);
    nlohmann::json full = routing::plan_to_json(*plan, routing::PlanDetail::full);
    CHECK(full["detail"] == "full");
    CHECK(full["candidates"].size() == plan->candidates.size());
    CHECK(full["excluded"].size() == plan->excluded.size());
    nlohmann::json summary = routing::plan_to_json(*plan);
    CHECK(summary["detail"] == "summary");
    // The best candidates, in the same order as the full list.
    for (std::size_t i = 0; i < summary["candidates"].size(); ++i)
        CHECK(summary["candidates"][i]["deployment"] == full["candidates"][i]["deployment"]);
    // Every reason is counted; each has at most k_summary_examples examples.
    std::size_t counted = 0;
    for (auto& [reason, count] : summary["excluded_by_reason"].items()) {
        counted += count.get<std::size_t>();
        std::size_t examples = 0;
        for (const auto& e : summary["excluded"]) examples += e["reason"] == reason;
        CHECK(examples == std::min<std::size_t>(count.get<std::size_t>(), routing::k_summary_examples));
    }
    CHECK(counted == plan->excluded.size());
    CHECK(summary["chosen"] == full["chosen"]);
}
