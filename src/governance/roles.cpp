#include "megarouter/governance/roles.hpp"

namespace megarouter::governance {

std::string_view to_string(Role role) {
    switch (role) {
    case Role::owner: return "owner";
    case Role::admin: return "admin";
    case Role::member: return "member";
    case Role::viewer: return "viewer";
    case Role::billing: return "billing";
    }
    return "member";
}

std::string_view to_string(Permission permission) {
    switch (permission) {
    case Permission::call_models: return "call_models";
    case Permission::view_own_spend: return "view_own_spend";
    case Permission::view_spend: return "view_spend";
    case Permission::view_settings: return "view_settings";
    case Permission::manage_budgets: return "manage_budgets";
    case Permission::manage_keys: return "manage_keys";
    case Permission::manage_nodes: return "manage_nodes";
    case Permission::manage_roles: return "manage_roles";
    case Permission::manage_webhooks: return "manage_webhooks";
    }
    return "";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role role : k_all_roles)
        if (to_string(role) == text) return role;
    return std::nullopt;
}

bool role_allows(Role role, Permission permission) {
    using P = Permission;
    switch (role) {
    case Role::owner: return true;
    case Role::admin: return true; // granting `owner` is checked separately
    case Role::member: return permission == P::call_models || permission == P::view_own_spend;
    case Role::viewer: return permission == P::view_own_spend || permission == P::view_spend || permission == P::view_settings;
    case Role::billing:
        return permission == P::view_own_spend || permission == P::view_spend || permission == P::view_settings ||
               permission == P::manage_budgets;
    }
    return false;
}

bool path_within(std::string_view path, std::string_view scope) {
    if (scope.empty()) return true; // the root: every organisation
    if (!path.starts_with(scope)) return false;
    return path.size() == scope.size() || path[scope.size()] == '/';
}

bool grants_allow(std::span<const Grant> grants, Permission permission, std::string_view target) {
    for (const Grant& grant : grants)
        if (role_allows(grant.role, permission) && path_within(target, grant.scope)) return true;
    return false;
}

bool holds_owner(std::span<const Grant> grants, std::string_view target) {
    for (const Grant& grant : grants)
        if (grant.role == Role::owner && path_within(target, grant.scope)) return true;
    return false;
}

std::vector<Grant> grantable(std::span<const Grant> grants) {
    std::vector<Grant> out;
    for (const Grant& grant : grants)
        if (role_allows(grant.role, Permission::manage_roles))
            out.push_back({grant.role == Role::owner ? Role::owner : Role::admin, grant.scope});
    return out;
}

std::vector<Grant> bound_grants(std::span<const Grant> grants, std::span<const Grant> ceiling) {
    std::vector<Grant> out;
    for (const Grant& grant : grants) {
        for (const Grant& limit : ceiling) {
            std::string_view scope;
            if (path_within(grant.scope, limit.scope)) scope = grant.scope;
            else if (path_within(limit.scope, grant.scope)) scope = limit.scope;
            else continue;
            Role role = grant.role == Role::owner && limit.role != Role::owner ? Role::admin : grant.role;
            bool known = false;
            for (const Grant& have : out) known = known || (have.role == role && have.scope == scope);
            if (!known) out.push_back({role, std::string(scope)});
        }
    }
    return out;
}

} // namespace megarouter::governance
