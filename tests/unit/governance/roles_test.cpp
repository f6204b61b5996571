#include <doctest/doctest.h>

#include "megarouter/governance/roles.hpp"

using namespace megarouter::governance;

// The matrix of docs/governance.md, one row per role, columns in the order of
// k_all_permissions: call, own spend, spend, settings, budgets, keys, nodes, roles, webhooks.
TEST_CASE("governance: the permission matrix holds cell by cell") {
    struct Row {
        Role role;
        bool cells[9];
    };
    const Row k_matrix[] = {
        {Role::owner, {1, 1, 1, 1, 1, 1, 1, 1, 1}},
        {Role::admin, {1, 1, 1, 1, 1, 1, 1, 1, 1}},
        {Role::member, {1, 1, 0, 0, 0, 0, 0, 0, 0}},
        {Role::viewer, {0, 1, 1, 1, 0, 0, 0, 0, 0}},
        {Role::billing, {0, 1, 1, 1, 1, 0, 0, 0, 0}},
    };
    for (const Row& row : k_matrix) {
        for (std::size_t i = 0; i < 9; ++i) {
            Permission p = k_all_permissions[i];
            CAPTURE(to_string(row.role));
            CAPTURE(to_string(p));
            CHECK(role_allows(row.role, p) == row.cells[i]);
        }
    }
}

TEST_CASE("governance: roles inherit downward and never sideways or up") {
    std::vector<Grant> grants{{Role::billing, "acme/eng"}};
    CHECK(grants_allow(grants, Permission::manage_budgets, "acme/eng"));
    CHECK(grants_allow(grants, Permission::manage_budgets, "acme/eng/platform/alice"));
    CHECK_FALSE(grants_allow(grants, Permission::manage_budgets, "acme"));
    CHECK_FALSE(grants_allow(grants, Permission::manage_budgets, "acme/engineering"));
    CHECK_FALSE(grants_allow(grants, Permission::manage_keys, "acme/eng/platform"));
    CHECK(path_within("acme/eng", ""));
    CHECK(parse_role("billing") == Role::billing);
    CHECK_FALSE(parse_role("root").has_value());
}
