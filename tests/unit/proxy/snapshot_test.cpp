#include <doctest/doctest.h>

#include "megarouter/core/config.hpp"
#include "proxy/state.hpp"

using namespace megarouter;

namespace {

Result<std::shared_ptr<const proxy::Snapshot>> snapshot_for(const std::string& toml) {
    core::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "MEGAROUTER_HOME") return std::string("/nonexistent-megarouter-snapshot-test");
        return std::nullopt;
    };
    auto config = core::parse_config(toml, "snap.toml");
    REQUIRE(config);
    return proxy::build_snapshot(std::move(*config), core::resolve_paths(env), env);
}

} // namespace

TEST_CASE("proxy: the savings baseline model comes from [routing] baseline_model and is checked once") {
    auto fallback = snapshot_for("");
    REQUIRE(fallback);
    REQUIRE((*fallback)->baseline_model != nullptr);
    CHECK((*fallback)->baseline_model->id == "gpt-5");

    auto chosen = snapshot_for("[routing]\nbaseline_model = \"gpt-4o\"\n");
    REQUIRE(chosen);
    REQUIRE((*chosen)->baseline_model != nullptr);
    CHECK((*chosen)->baseline_model->id == "gpt-4o");

    auto unknown = snapshot_for("[routing]\nbaseline_model = \"no-such-model\"\n");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == ErrorCode::config);
    CHECK(unknown.error().message.find("snap.toml:2") == 0);
}
