// A small catalog and helpers shared by the routing tests.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "megarouter/catalog/catalog.hpp"
#include "megarouter/routing/router.hpp"

namespace routing_test {

using namespace megarouter;

inline const char* k_catalog = R"({"version":1,"models":[
{"id":"tiny","name":"Tiny","vendor":"acme","family":"t","released":"2025-01-01","deprecated":"","context":16000,"max_output":4096,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"light","quality":null,"aliases":["tiny-latest"],
 "offerings":[{"provider":"acme","id":"tiny-001","price":{"in":0.1,"out":0.4,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"openrouter","id":"acme/tiny","price":{"in":0.12,"out":0.5,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"mini-vision","name":"Mini Vision","vendor":"acme","family":"m","released":"2025-01-01","deprecated":"","context":128000,"max_output":16000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","json_schema"],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"acme","id":"mini-vision","price":{"in":0.15,"out":0.6,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"mid","name":"Mid","vendor":"beta","family":"mid","released":"2025-01-01","deprecated":"","context":128000,"max_output":16000,
 "input":["text"],"output":["text"],"caps":["tools","json_schema"],"tier":"standard","quality":null,"aliases":[],
 "offerings":[{"provider":"beta","id":"mid","price":{"in":1,"out":4,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"cloud","id":"beta.mid","price":{"in":1,"out":4,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":"eu"}]},
{"id":"strong-1","name":"Strong One","vendor":"acme","family":"s","released":"2025-01-01","deprecated":"","context":200000,"max_output":64000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","json_schema"],"tier":"strong","quality":null,"aliases":[],
 "offerings":[{"provider":"acme","id":"strong-1","price":{"in":3,"out":15,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"cloud","id":"acme.strong-1","price":{"in":3,"out":15,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":"eu"}]},
{"id":"strong-cheap","name":"Strong Cheap","vendor":"gamma","family":"g","released":"2025-01-01","deprecated":"","context":64000,"max_output":8000,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"strong","quality":null,"aliases":[],
 "offerings":[{"provider":"gamma","id":"g-strong","price":{"in":0.5,"out":2,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"frontier-1","name":"Frontier One","vendor":"beta","family":"f","released":"2025-01-01","deprecated":"","context":1000000,"max_output":128000,
 "input":["text","image"],"output":["text"],"caps":["tools","vision","json_schema","reasoning"],"tier":"frontier","quality":null,"aliases":[],
 "offerings":[{"provider":"beta","id":"frontier-1","price":{"in":10,"out":40,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null},
              {"provider":"openrouter","id":"beta/frontier-1","price":{"in":11,"out":44,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"no-tools","name":"No Tools","vendor":"delta","family":"n","released":"2025-01-01","deprecated":"","context":32000,"max_output":4096,
 "input":["text"],"output":["text"],"caps":[],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"delta","id":"no-tools","price":{"in":0.2,"out":0.8,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]},
{"id":"old-light","name":"Old","vendor":"acme","family":"o","released":"2019-01-01","deprecated":"2020-01-01","context":16000,"max_output":4096,
 "input":["text"],"output":["text"],"caps":["tools"],"tier":"light","quality":null,"aliases":[],
 "offerings":[{"provider":"acme","id":"old","price":{"in":0.01,"out":0.01,"cache_read":0,"cache_write":0,"reasoning":null},"tiers":[],"region":null}]}
]})";

inline const catalog::Catalog& fixture_catalog() {
    static const catalog::Catalog catalog = [] {
        auto parsed = catalog::Catalog::from_json(k_catalog, "fixture");
        REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
        return std::move(*parsed);
    }();
    return catalog;
}

inline const std::vector<std::string>& all_fixture_providers() {
    static const std::vector<std::string> providers = {"acme", "beta", "cloud", "delta", "gamma", "openrouter"};
    return providers;
}

inline providers::ChatRequest chat(const std::string& text) {
    providers::ChatRequest request;
    providers::Message message;
    message.content.push_back({providers::ContentPart::Kind::text, text, "", "", ""});
    request.messages.push_back(std::move(message));
    return request;
}

// 2024-06-01, after old-light's deprecation.
inline constexpr core::Millis k_now = 1'717'200'000'000;

struct Setup {
    routing::RoutingConfig config;
    std::vector<std::string> providers = all_fixture_providers();
    routing::HealthSnapshot health;

    routing::RoutingContext context() const {
        return {&fixture_catalog(), providers, &config, &health, k_now};
    }
    Result<routing::Plan> plan(const std::string& model, const providers::ChatRequest& request,
                               routing::Constraints constraints = {}) const {
        routing::RouteRequest route;
        route.model = model;
        route.constraints = std::move(constraints);
        return routing::plan(route, request, context());
    }
};

inline const char* k_easy = "Hello! How are you today?";
inline const char* k_hard =
    "Design an algorithm for a lock-free concurrent hash map, prove its linearizability, and give its time "
    "complexity.";

inline routing::Exclusion reason_for(const routing::Plan& plan, const std::string& model, const std::string& provider) {
    for (const auto& e : plan.excluded)
        if (e.model->id == model && e.offering->provider == provider) return e.reason;
    FAIL("not excluded: " << provider << "/" << model);
    return routing::Exclusion::denied_by_policy;
}

} // namespace routing_test
