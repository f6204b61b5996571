// The table's node and role operations (org/dept/team/user, role).
#include "operations_impl.hpp"

namespace megarouter::governance::ops {

namespace {

// The level a CLI command (org, dept, team, user) or an API client names.
Result<std::optional<NodeKind>> kind_argument(const Arguments& args) {
    if (!has(args, "kind")) return std::nullopt;
    std::string given = text(args, "kind");
    for (NodeKind kind : {NodeKind::organisation, NodeKind::department, NodeKind::team, NodeKind::user})
        if (given == to_string(kind)) return kind;
    return fail(ErrorCode::invalid_argument, "kind must be organisation, department, team or user");
}

Result<NodeKind> check_kind(const std::string& path, std::optional<NodeKind> wanted) {
    auto actual = kind_of_path(path);
    if (!actual) return fail(actual.error());
    if (wanted && *actual != *wanted)
        return fail(ErrorCode::invalid_argument, "'" + path + "' is a " + std::string(to_string(*actual)) +
                                                     " path, not a " + std::string(to_string(*wanted)));
    return *actual;
}

} // namespace

Result<nlohmann::json> node_create(Admin& admin, const Arguments& args) {
    auto wanted = kind_argument(args);
    if (!wanted) return fail(wanted.error());
    std::string path = text(args, "path");
    // Without a kind, kind_of_path's own error (an empty or bad path) comes from create_node.
    if (*wanted)
        if (auto kind = check_kind(path, *wanted); !kind) return fail(kind.error());
    return answer(admin.create_node(
        {path, kind_of_path(path).value_or(NodeKind::user), text(args, "name"), text(args, "email"), integer(args, "rpm"),
         integer(args, "tpm"), 0}));
}

Result<nlohmann::json> node_set(Admin& admin, const Arguments& args) {
    auto node = admin.show_node(text(args, "path"));
    if (!node) return fail(node.error());
    if (!text(args, "name").empty()) node->display_name = text(args, "name");
    if (!text(args, "email").empty()) node->email = text(args, "email");
    if (has(args, "rpm")) node->rpm = integer(args, "rpm");
    if (has(args, "tpm")) node->tpm = integer(args, "tpm");
    return answer(admin.update_node(*node));
}

Result<nlohmann::json> node_list(Admin& admin, const Arguments& args) {
    auto kind = kind_argument(args);
    if (!kind) return fail(kind.error());
    return answer(admin.list_nodes(text(args, "under"), *kind));
}

Result<nlohmann::json> node_show(Admin& admin, const Arguments& args) { return answer(admin.show_node(text(args, "path"))); }

Result<nlohmann::json> node_move(Admin& admin, const Arguments& args) {
    auto moved = admin.move_node(text(args, "path"), text(args, "parent"));
    if (!moved) return fail(moved.error());
    return nlohmann::json{{"path", *moved}};
}

Result<nlohmann::json> node_delete(Admin& admin, const Arguments& args) {
    auto deleted = admin.delete_node(text(args, "path"), flag(args, "recursive"));
    if (!deleted) return fail(deleted.error());
    return nlohmann::json{{"deleted", *deleted}};
}

namespace {

Result<nlohmann::json> change_grant(Admin& admin, const Arguments& args, bool granted) {
    auto role = role_argument(args, "role");
    if (!role) return fail(role.error());
    std::string subject = text(args, "subject"), scope = text(args, "scope");
    auto changed = granted ? admin.grant(subject, *role, scope) : admin.revoke_grant(subject, *role, scope);
    if (!changed) return fail(changed.error());
    return nlohmann::json{
        {"ok", true}, {"subject", subject}, {"role", to_string(*role)}, {"scope", scope}, {"granted", granted}};
}

} // namespace

Result<nlohmann::json> role_grant(Admin& admin, const Arguments& args) { return change_grant(admin, args, true); }
Result<nlohmann::json> role_revoke(Admin& admin, const Arguments& args) { return change_grant(admin, args, false); }

Result<nlohmann::json> role_list(Admin& admin, const Arguments& args) {
    auto grants = admin.list_grants(text(args, "under"));
    if (!grants) return fail(grants.error());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : *grants) out.push_back({{"subject", g.subject}, {"role", to_string(g.role)}, {"scope", g.scope}});
    return out;
}

} // namespace megarouter::governance::ops
