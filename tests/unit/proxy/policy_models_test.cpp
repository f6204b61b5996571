#include <doctest/doctest.h>

#include "megarouter/core/config.hpp"
#include "proxy/deployment_alerts.hpp"
#include "proxy/policy_models.hpp"

using namespace megarouter;

namespace {

std::shared_ptr<const proxy::Snapshot> snapshot_for(const std::string& toml) {
    core::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "MEGAROUTER_HOME") return std::string("/nonexistent-megarouter-policy-test");
        return std::nullopt;
    };
    auto config = core::parse_config(toml, "policy.toml");
    REQUIRE(config);
    auto snapshot = proxy::build_snapshot(std::move(*config), core::resolve_paths(env), env);
    REQUIRE(snapshot);
    return *snapshot;
}

} // namespace

TEST_CASE("proxy: key policies naming config aliases and groups allow the models behind them") {
    auto snap = snapshot_for("[aliases]\nsmart = \"claude-sonnet-4-5-20250929\"\n\n"
                             "[groups.fast]\ndeployments = [{model = \"gpt-4o-mini\"}, {model = \"claude-haiku-4-5\"}]\n");
    CHECK(proxy::model_ids_for("smart", *snap) == std::vector<std::string>{"claude-sonnet-4-5"});
    CHECK(proxy::model_ids_for("gpt-4o-2024-08-06", *snap) == std::vector<std::string>{"gpt-4o"});
    CHECK(proxy::model_ids_for("fast", *snap) == std::vector<std::string>{"gpt-4o-mini", "claude-haiku-4-5"});
    CHECK(proxy::model_ids_for("nothing-like-it", *snap).empty());

    governance::Principal p;
    p.key_prefix = "mr-test";
    p.policy.allowed_models = {"fast", "smart"};
    auto expand = proxy::model_expander(*snap);
    using governance::Gate;
    CHECK(Gate::check_policy(p, "claude-haiku-4-5", "anthropic", "anthropic", "", expand).has_value());
    CHECK(Gate::check_policy(p, "gpt-4o-mini-2024-07-18", "openai", "openai", "", expand).has_value());
    CHECK(Gate::check_policy(p, "claude-sonnet-4-5", "anthropic", "anthropic", "", expand).has_value());
    CHECK_FALSE(Gate::check_policy(p, "gpt-4o", "openai", "openai", "", expand).has_value());

    auto for_router = proxy::allowed_model_ids(p.policy.allowed_models, *snap);
    for (const char* id : {"fast", "smart", "gpt-4o-mini", "claude-haiku-4-5", "claude-sonnet-4-5"})
        CHECK(std::find(for_router.begin(), for_router.end(), id) != for_router.end());
}

TEST_CASE("proxy: a deployment ejection becomes an alert event with figures and a summary") {
    routing::HealthEvent ejected{.kind = routing::HealthEvent::Kind::ejected, .deployment = "openai/gpt-4o",
                                 .at = 1'764'172'800'000, .until = 1'764'172'830'000, .ejections = 1, .status = 503,
                                 .consecutive_failures = 3, .trial = false, .error_rate = 0.6, .ttft_ms = 0};
    auto alert = proxy::deployment_alert(ejected);
    CHECK(alert.type == "deployment.ejected");
    CHECK(alert.id == "evt_deploy_ejected_openai_gpt-4o_1764172800000");
    CHECK(alert.ts == ejected.at);
    CHECK(alert.figures["provider"] == "openai");
    CHECK(alert.figures["model"] == "gpt-4o");
    CHECK(alert.figures["status"] == 503);
    CHECK(alert.figures["ejected_until_ms"] == 1'764'172'830'000);
    CHECK(alert.figures["ejected_until"] == "2025-11-26T16:00:30Z");
    CHECK(alert.figures["ttft_ms"].is_null());
    CHECK(alert.summary.find("deployment openai/gpt-4o ejected until 2025-11-26T16:00:30Z after 3 consecutive") == 0);
    CHECK(alert.summary.find("HTTP 503") != std::string::npos);
    CHECK(alert.summary.find("60%") != std::string::npos);

    routing::HealthEvent recovered{.kind = routing::HealthEvent::Kind::recovered, .deployment = "openai/gpt-4o",
                                   .at = 1'764'172'900'000, .ejections = 1, .error_rate = 0.25, .ttft_ms = 120.04};
    auto back = proxy::deployment_alert(recovered);
    CHECK(back.type == "deployment.recovered");
    CHECK(back.id != alert.id);
    CHECK(back.figures["ttft_ms"] == doctest::Approx(120.0));
    CHECK_FALSE(back.figures.contains("ejected_until_ms"));
}
