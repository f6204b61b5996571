// The table's key operations: the CLI spells a key's policy as options
// (--model, --rpm, ...), the admin API as one `policy` object.
#include "megarouter/core/clock.hpp"
#include "operations_impl.hpp"

namespace megarouter::governance::ops {

namespace {

// The policy object (API), then the CLI's options on top.
Result<KeyPolicy> policy_from(const Arguments& args) {
    KeyPolicy policy = has(args, "policy") ? policy_from_json(args.at("policy")) : KeyPolicy{};
    auto replace = [&](const char* name, std::vector<std::string>& field) {
        if (has(args, name)) field = list(args, name);
    };
    replace("model", policy.allowed_models);
    replace("vendor", policy.allowed_vendors);
    replace("provider", policy.allowed_providers);
    replace("mode", policy.allowed_modes);
    if (has(args, "rpm")) policy.rpm = integer(args, "rpm");
    if (has(args, "tpm")) policy.tpm = integer(args, "tpm");
    if (has(args, "max_price")) {
        auto price = parse_usd(text(args, "max_price"));
        if (!price) return fail(price.error());
        policy.max_price_per_mtok = *price;
    }
    for (const std::string& tag : list(args, "tag")) {
        auto eq = tag.find('=');
        policy.tags[tag.substr(0, eq)] = eq == std::string::npos ? "" : tag.substr(eq + 1);
    }
    return policy;
}

// A new key's answer carries its secret, the only time it is shown.
Result<nlohmann::json> created(const Result<CreatedKey>& made) {
    if (!made) return fail(made.error());
    auto out = to_json(made->info);
    out["key"] = made->secret;
    return out;
}

} // namespace

Result<nlohmann::json> key_create(Admin& admin, const Arguments& args) {
    auto role = role_argument(args, "role", "member");
    if (!role) return fail(role.error());
    auto policy = policy_from(args);
    if (!policy) return fail(policy.error());
    KeySpec spec{text(args, "owner"), *role, text(args, "name"), integer(args, "expires_ms"), std::move(*policy)};
    if (auto days = integer(args, "expires_days")) spec.expires_ms = core::system_clock().now_ms() + *days * 86'400'000;
    return created(admin.create_key(spec));
}

Result<nlohmann::json> key_list(Admin& admin, const Arguments& args) {
    return answer(admin.list_keys(text(args, "under"), flag(args, "revoked")));
}

Result<nlohmann::json> key_show(Admin& admin, const Arguments& args) { return answer(admin.show_key(text(args, "id"))); }

Result<nlohmann::json> key_revoke(Admin& admin, const Arguments& args) {
    return answer(admin.revoke_key(text(args, "id")));
}

Result<nlohmann::json> key_rotate(Admin& admin, const Arguments& args) {
    core::Millis grace_ms = integer(args, "grace_ms").value_or(integer(args, "grace").value_or(0) * 1000);
    return created(admin.rotate_key(text(args, "id"), grace_ms));
}

} // namespace megarouter::governance::ops
