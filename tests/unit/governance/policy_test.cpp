// Key policies compare models by canonical id: aliases on either side match.
#include "gate_fixture.hpp"

#include "megarouter/catalog/catalog.hpp"

using namespace gov_test;

namespace {

catalog::Catalog small_catalog() {
    catalog::Model sonnet;
    sonnet.id = "claude-sonnet-4-5";
    sonnet.vendor = "anthropic";
    sonnet.aliases = {"claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"};
    catalog::Model mini;
    mini.id = "gpt-4o-mini";
    mini.vendor = "openai";
    mini.aliases = {"gpt-4o-mini-2024-07-18"};
    catalog::Model big;
    big.id = "gpt-4o";
    big.vendor = "openai";
    return catalog::Catalog::from_models({sonnet, mini, big}, "2026-01-01", "test");
}

Principal with_models(std::vector<std::string> models) {
    Principal p;
    p.key_prefix = "mr-test";
    p.policy.allowed_models = std::move(models);
    return p;
}

} // namespace

TEST_CASE("governance: allowed_models resolves catalog aliases on both sides") {
    catalog::Catalog cat = small_catalog();
    ModelExpander expand = catalog_model_expander(cat);

    // The policy names the dated id; the canonical id and the other alias pass.
    Principal dated = with_models({"claude-sonnet-4-5-20250929"});
    CHECK(Gate::check_policy(dated, "claude-sonnet-4-5", "anthropic", "anthropic", "", expand).has_value());
    CHECK(Gate::check_policy(dated, "anthropic/claude-sonnet-4.5", "", "", "", expand).has_value());
    // Without the expander only the exact name passes (the old behaviour).
    CHECK_FALSE(Gate::check_policy(dated, "claude-sonnet-4-5", "anthropic", "anthropic", "").has_value());

    // The policy names the canonical id; a request by a dated alias passes, case-insensitively.
    Principal canonical = with_models({"gpt-4o-mini"});
    CHECK(Gate::check_policy(canonical, "GPT-4o-mini-2024-07-18", "openai", "openai", "", expand).has_value());

    // Another model is still refused, naming the policy.
    auto denied = Gate::check_policy(canonical, "gpt-4o", "openai", "openai", "", expand);
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error().code == ErrorCode::permission_denied);
    CHECK(denied.error().message.find("allowed_models (gpt-4o-mini)") != std::string::npos);
    // Unknown names on either side match nothing but themselves.
    CHECK_FALSE(Gate::check_policy(with_models({"no-such"}), "gpt-4o", "", "", "", expand).has_value());
    CHECK(Gate::check_policy(with_models({"no-such"}), "no-such", "", "", "", expand).has_value());
}
