// Inside the operations table: readers of the arguments object and the
// function behind each table entry, one file per group of operations.
#pragma once

#include "megarouter/governance/operations.hpp"

namespace megarouter::governance::ops {

// Whether `name` was given (present and not null). The readers return the
// value, or `fallback` when it was not given; perform() has checked types.
bool has(const Arguments& args, std::string_view name);
std::string text(const Arguments& args, std::string_view name, std::string_view fallback = {});
std::optional<std::int64_t> integer(const Arguments& args, std::string_view name);
bool flag(const Arguments& args, std::string_view name);
std::vector<std::string> list(const Arguments& args, std::string_view name);
// An integer for an int parameter (a percentage, a limit), clamped to
// -1..1'000'000 so that a huge value stays out of range instead of wrapping.
int small_integer(const Arguments& args, std::string_view name, int fallback);

// A result as its JSON answer (to_json of the value, or of each element).
template <typename T>
nlohmann::json to_json(const std::vector<T>& items) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : items) out.push_back(to_json(item));
    return out;
}
template <typename T>
Result<nlohmann::json> answer(const Result<T>& result) {
    if (!result) return fail(result.error());
    return to_json(*result);
}
// The same for budgets and pools, whose JSON shows dates in the zone.
template <typename T>
Result<nlohmann::json> answer(const Result<T>& result, const TimeZone& zone) {
    if (!result) return fail(result.error());
    if constexpr (requires { result->begin(); }) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : *result) out.push_back(to_json(item, zone));
        return out;
    } else {
        return to_json(*result, zone);
    }
}

// The role named by `name` (required), or invalid_argument "unknown role 'x'".
Result<Role> role_argument(const Arguments& args, std::string_view name, std::string_view fallback = {});

// The amount and guardrails of a budget or a pool: period, amount_usd, or
// tokens (CLI) / unit + amount (API), the three percentages and a price
// ceiling (price_ceiling in USD, or price_ceiling_nanos). Fails with
// invalid_argument for a bad period, unit or amount, a missing or negative
// amount, the same way for both front ends.
Result<BudgetSpec> budget_from(const Arguments& args);

Result<nlohmann::json> node_create(Admin& admin, const Arguments& args);
Result<nlohmann::json> node_set(Admin& admin, const Arguments& args);
Result<nlohmann::json> node_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> node_show(Admin& admin, const Arguments& args);
Result<nlohmann::json> node_move(Admin& admin, const Arguments& args);
Result<nlohmann::json> node_delete(Admin& admin, const Arguments& args);
Result<nlohmann::json> role_grant(Admin& admin, const Arguments& args);
Result<nlohmann::json> role_revoke(Admin& admin, const Arguments& args);
Result<nlohmann::json> role_list(Admin& admin, const Arguments& args);

Result<nlohmann::json> key_create(Admin& admin, const Arguments& args);
Result<nlohmann::json> key_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> key_show(Admin& admin, const Arguments& args);
Result<nlohmann::json> key_revoke(Admin& admin, const Arguments& args);
Result<nlohmann::json> key_rotate(Admin& admin, const Arguments& args);

Result<nlohmann::json> budget_set(Admin& admin, const Arguments& args);
Result<nlohmann::json> budget_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> budget_show(Admin& admin, const Arguments& args);
Result<nlohmann::json> budget_delete(Admin& admin, const Arguments& args);
Result<nlohmann::json> pool_create(Admin& admin, const Arguments& args);
Result<nlohmann::json> pool_add(Admin& admin, const Arguments& args);
Result<nlohmann::json> pool_remove(Admin& admin, const Arguments& args);
Result<nlohmann::json> pool_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> pool_show(Admin& admin, const Arguments& args);

Result<nlohmann::json> webhook_add(Admin& admin, const Arguments& args);
Result<nlohmann::json> webhook_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> webhook_remove(Admin& admin, const Arguments& args);
Result<nlohmann::json> alert_list(Admin& admin, const Arguments& args);
Result<nlohmann::json> alert_show(Admin& admin, const Arguments& args);
Result<nlohmann::json> alert_retry(Admin& admin, const Arguments& args);

} // namespace megarouter::governance::ops
