// The table's budget and pool operations, and the one reading of an amount
// with its guardrails that both share.
#include "operations_impl.hpp"

namespace megarouter::governance::ops {

namespace {

Result<std::int64_t> amount_of(const Arguments& args, bool tokens) {
    if (has(args, "tokens")) {
        if (has(args, "amount_usd")) return fail(ErrorCode::invalid_argument, "give --usd or --tokens, not both");
        return *integer(args, "tokens");
    }
    if (has(args, "amount_usd")) {
        if (tokens) return fail(ErrorCode::invalid_argument, "a tokens budget takes amount, not amount_usd");
        return parse_usd(text(args, "amount_usd"));
    }
    if (has(args, "amount")) return *integer(args, "amount");
    return fail(ErrorCode::invalid_argument, tokens ? "needs amount (tokens)"
                                                    : "needs amount_usd (a string such as \"12.50\"; on the CLI "
                                                      "--usd or --tokens)");
}

} // namespace

Result<BudgetSpec> budget_from(const Arguments& args) {
    BudgetSpec spec;
    auto period = parse_period(text(args, "period", "monthly"));
    if (!period) return fail(ErrorCode::invalid_argument, "period must be daily, weekly, monthly or total");
    spec.period = *period;
    std::string unit = text(args, "unit", has(args, "tokens") ? "tokens" : "usd");
    if (unit != "usd" && unit != "tokens") return fail(ErrorCode::invalid_argument, "unit must be usd or tokens");
    spec.tokens = unit == "tokens";
    auto amount = amount_of(args, spec.tokens);
    if (!amount) return fail(amount.error());
    if (*amount < 0) return fail(ErrorCode::invalid_argument, "a budget amount cannot be negative");
    spec.amount = *amount;
    spec.alert_pct = small_integer(args, "alert_pct", 80);
    spec.downgrade_pct = small_integer(args, "downgrade_pct", 90);
    spec.block_pct = small_integer(args, "block_pct", 100);
    spec.price_ceiling_nanos = integer(args, "price_ceiling_nanos");
    if (has(args, "price_ceiling")) {
        auto price = parse_usd(text(args, "price_ceiling"));
        if (!price) return fail(price.error());
        spec.price_ceiling_nanos = *price;
    }
    return spec;
}

Result<nlohmann::json> budget_set(Admin& admin, const Arguments& args) {
    auto spec = budget_from(args);
    if (!spec) return fail(spec.error());
    if (has(args, "key") == has(args, "scope"))
        return fail(ErrorCode::invalid_argument, "give a node path or --key, not both");
    std::string kind = text(args, "scope_kind", has(args, "key") ? "key" : "node");
    if (kind == "node") spec->scope_kind = ScopeKind::node;
    else if (kind == "key") spec->scope_kind = ScopeKind::key;
    else if (kind == "pool") spec->scope_kind = ScopeKind::pool;
    else return fail(ErrorCode::invalid_argument, "scope_kind must be node, key or pool");
    spec->scope = has(args, "key") ? text(args, "key") : text(args, "scope");
    return answer(admin.set_budget(*spec), admin.zone());
}

Result<nlohmann::json> budget_list(Admin& admin, const Arguments& args) {
    return answer(admin.list_budgets(text(args, "under")), admin.zone());
}

Result<nlohmann::json> budget_show(Admin& admin, const Arguments& args) {
    return answer(admin.show_budget(*integer(args, "id")), admin.zone());
}

Result<nlohmann::json> budget_delete(Admin& admin, const Arguments& args) {
    std::int64_t id = *integer(args, "id");
    if (auto deleted = admin.delete_budget(id); !deleted) return fail(deleted.error());
    return nlohmann::json{{"ok", true}, {"deleted", id}};
}

Result<nlohmann::json> pool_create(Admin& admin, const Arguments& args) {
    auto spec = budget_from(args);
    if (!spec) return fail(spec.error());
    return answer(admin.create_pool(text(args, "name"), text(args, "description"), *spec), admin.zone());
}

Result<nlohmann::json> pool_add(Admin& admin, const Arguments& args) {
    return answer(admin.add_pool_member(text(args, "name"), text(args, "node")), admin.zone());
}

Result<nlohmann::json> pool_remove(Admin& admin, const Arguments& args) {
    return answer(admin.remove_pool_member(text(args, "name"), text(args, "node")), admin.zone());
}

Result<nlohmann::json> pool_list(Admin& admin, const Arguments&) { return answer(admin.list_pools(), admin.zone()); }

Result<nlohmann::json> pool_show(Admin& admin, const Arguments& args) {
    return answer(admin.show_pool(text(args, "name")), admin.zone());
}

} // namespace megarouter::governance::ops
