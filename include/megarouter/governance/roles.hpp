// Roles and the permission matrix: a role is granted to a user (or team) on
// a node and holds on that node and everything below it. docs/governance.md
// shows the matrix; tests/unit/governance/roles_test.cpp checks every cell.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace megarouter::governance {

enum class Role { owner, admin, member, viewer, billing };

enum class Permission {
    call_models,     // send requests through the proxy
    view_own_spend,  // see the spend of one's own keys
    view_spend,      // see spend of every node in scope
    view_settings,   // see nodes, keys (never secrets), budgets, pools, webhooks
    manage_budgets,  // set/delete budgets, create/edit pools
    manage_keys,     // create, revoke, rotate keys in scope
    manage_nodes,    // create, move, delete nodes in scope
    manage_roles,    // grant and revoke roles in scope (owner only may grant owner)
    manage_webhooks, // add/remove webhooks, retry alerts
};

inline constexpr Role k_all_roles[] = {Role::owner, Role::admin, Role::member, Role::viewer, Role::billing};
inline constexpr Permission k_all_permissions[] = {
    Permission::call_models,   Permission::view_own_spend, Permission::view_spend,
    Permission::view_settings, Permission::manage_budgets, Permission::manage_keys,
    Permission::manage_nodes,  Permission::manage_roles,   Permission::manage_webhooks};

// A role held by `subject` on `scope` (and below).
struct Grant {
    Role role = Role::member;
    std::string scope;
};

std::string_view to_string(Role role);
std::string_view to_string(Permission permission);
// Parses "owner", "admin", ...; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

// The matrix: whether `role` carries `permission`. Pure.
bool role_allows(Role role, Permission permission);

// Whether `path` is `scope` or below it ("acme/eng" covers "acme/eng/x",
// not "acme/engineering"). Pure.
bool path_within(std::string_view path, std::string_view scope);

// Whether any grant carries `permission` with a scope covering `target`. Pure.
bool grants_allow(std::span<const Grant> grants, Permission permission, std::string_view target);

// Whether `grants` hold `owner` on `target` (or above it). Pure.
bool holds_owner(std::span<const Grant> grants, std::string_view target);

// What the holder of `grants` may grant to others: for each owner or admin
// grant, that role on its scope (an admin may grant any role but owner). This
// is the ceiling recorded on a key the holder mints. Pure.
std::vector<Grant> grantable(std::span<const Grant> grants);

// `grants` cut down to `ceiling`: each grant is kept where its scope overlaps
// a ceiling entry's (on the deeper of the two scopes), and `owner` becomes
// `admin` under an admin ceiling. So a key never carries more than its minter
// could grant, whatever its owner holds now or is granted later. Pure.
std::vector<Grant> bound_grants(std::span<const Grant> grants, std::span<const Grant> ceiling);

} // namespace megarouter::governance
