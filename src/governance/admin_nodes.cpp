#include <algorithm>
#include <cctype>

#include "megarouter/governance/admin.hpp"
#include "sql.hpp"

namespace megarouter::governance {

std::string_view to_string(NodeKind kind) {
    switch (kind) {
    case NodeKind::organisation: return "organisation";
    case NodeKind::department: return "department";
    case NodeKind::team: return "team";
    case NodeKind::user: return "user";
    }
    return "user";
}

Result<NodeKind> kind_of_path(std::string_view path) {
    if (path.empty()) return fail(ErrorCode::invalid_argument, "empty path");
    int depth = 1;
    std::size_t segment = 0;
    for (char c : path) {
        if (c == '/') {
            if (segment == 0) return fail(ErrorCode::invalid_argument, "empty segment in path '" + std::string(path) + "'");
            ++depth;
            segment = 0;
            continue;
        }
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@';
        if (!ok) return fail(ErrorCode::invalid_argument, "invalid character '" + std::string(1, c) + "' in path '" + std::string(path) + "' (use letters, digits, - _ . @)");
        ++segment;
    }
    if (segment == 0) return fail(ErrorCode::invalid_argument, "path '" + std::string(path) + "' ends with '/'");
    if (depth > 4)
        return fail(ErrorCode::invalid_argument, "path '" + std::string(path) + "' is deeper than organisation/department/team/user");
    return static_cast<NodeKind>(depth - 1);
}

std::string parent_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

Admin::Admin(store::Database& db, const core::Clock& clock, TimeZone zone, Actor actor, AdminSettings settings)
    : m_db(db), m_clock(clock), m_zone(std::move(zone)), m_actor(actor), m_settings(settings) {}

Result<void> Admin::require(Permission permission, std::string_view target) const {
    if (!m_actor.principal || m_actor.principal->master) return {};
    if (grants_allow(m_actor.principal->grants, permission, target)) return {};
    return fail(ErrorCode::permission_denied, "key " + m_actor.principal->key_prefix + " lacks " +
                                                  std::string(to_string(permission)) + " on '" + std::string(target) + "'");
}

std::optional<std::string> Admin::authority(Permission permission, std::string_view target) const {
    if (!m_actor.principal || m_actor.principal->master) return std::string();
    std::optional<std::string> highest;
    for (const Grant& grant : m_actor.principal->grants)
        if (role_allows(grant.role, permission) && path_within(target, grant.scope) &&
            (!highest || grant.scope.size() < highest->size()))
            highest = grant.scope;
    return highest;
}

namespace {

constexpr const char* k_node_columns = "path, kind, display_name, email, rpm, tpm, created_ms";

Node read_node(const store::Statement& s) {
    Node node;
    node.path = s.text(0);
    auto kind = kind_of_path(node.path);
    node.kind = kind ? *kind : NodeKind::organisation;
    node.display_name = s.text(2);
    node.email = s.text(3);
    node.rpm = sql::optional_int(s, 4);
    node.tpm = sql::optional_int(s, 5);
    node.created_ms = s.int64(6);
    return node;
}

} // namespace

Result<Node> Admin::show_node(std::string_view path) {
    if (auto allowed = require(Permission::view_settings, path); !allowed) {
        // Everyone may see their own node.
        if (!m_actor.principal || m_actor.principal->owner != path) return std::unexpected(allowed.error());
    }
    std::optional<Node> found;
    auto rows = sql::each(m_db, std::string("SELECT ") + k_node_columns + " FROM gov_nodes WHERE path = ?",
                          [&](const store::Statement& s) { found = read_node(s); }, std::string(path));
    if (!rows) return std::unexpected(rows.error());
    if (!found) return fail(ErrorCode::not_found, "no node '" + std::string(path) + "'");
    return *found;
}

Result<Node> Admin::create_node(const Node& node) {
    auto kind = kind_of_path(node.path);
    if (!kind) return std::unexpected(kind.error());
    std::string parent = parent_of(node.path);
    if (auto allowed = require(Permission::manage_nodes, parent.empty() ? node.path : parent); !allowed)
        return std::unexpected(allowed.error());
    if (!parent.empty()) {
        int found = 0;
        auto rows = sql::each(m_db, "SELECT 1 FROM gov_nodes WHERE path = ?", [&](auto&) { ++found; }, parent);
        if (!rows) return std::unexpected(rows.error());
        if (!found)
            return fail(ErrorCode::not_found, "parent '" + parent + "' of '" + node.path + "' does not exist; create it first");
    }
    auto inserted = sql::run(m_db,
                             "INSERT INTO gov_nodes(path, kind, parent, display_name, email, rpm, tpm, created_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO NOTHING",
                             node.path, std::string(to_string(*kind)),
                             parent.empty() ? std::optional<std::string>() : std::optional<std::string>(parent),
                             node.display_name, node.email, node.rpm, node.tpm, m_clock.now_ms());
    if (!inserted) return std::unexpected(inserted.error());
    if (m_db.changes() == 0) return fail(ErrorCode::invalid_argument, "'" + node.path + "' exists already");
    return show_node(node.path);
}

// A node's rpm/tpm are limits on it: like its creation, changing them needs
// authority from above (manage_nodes on the parent; the root for an
// organisation), so a node's own admin cannot lift them.
Result<Node> Admin::update_node(const Node& node) {
    if (auto allowed = require(Permission::manage_nodes, node.path); !allowed) return std::unexpected(allowed.error());
    auto updated = m_db.transaction([&]() -> Result<void> {
        auto current = show_node(node.path);
        if (!current) return std::unexpected(current.error());
        if (current->rpm != node.rpm || current->tpm != node.tpm)
            if (auto allowed = require(Permission::manage_nodes, parent_of(node.path)); !allowed) return allowed;
        return sql::run(m_db, "UPDATE gov_nodes SET display_name = ?, email = ?, rpm = ?, tpm = ? WHERE path = ?",
                        node.display_name, node.email, node.rpm, node.tpm, node.path);
    });
    if (!updated) return std::unexpected(updated.error());
    return show_node(node.path);
}

Result<std::vector<Node>> Admin::list_nodes(std::string_view under, std::optional<NodeKind> kind) {
    std::vector<Node> nodes;
    auto rows = sql::each(m_db, std::string("SELECT ") + k_node_columns + " FROM gov_nodes ORDER BY path",
                          [&](const store::Statement& s) {
                              Node node = read_node(s);
                              if (!path_within(node.path, under) || (kind && node.kind != *kind)) return;
                              if (require(Permission::view_settings, node.path)) nodes.push_back(std::move(node));
                          });
    if (!rows) return std::unexpected(rows.error());
    return nodes;
}

namespace {

// Rewrites `column` of `table` for every value equal to `from` or below it.
Result<void> rewrite_paths(store::Database& db, const std::string& table, const std::string& column,
                           const std::string& from, const std::string& to, const std::string& where = "") {
    std::string extra = where.empty() ? "" : " AND " + where;
    return sql::run(db,
                    "UPDATE " + table + " SET " + column + " = ? || substr(" + column + ", ?) WHERE (" + column +
                        " = ? OR substr(" + column + ", 1, ?) = ?)" + extra,
                    to, static_cast<std::int64_t>(from.size() + 1), from, static_cast<std::int64_t>(from.size() + 1),
                    from + "/");
}

} // namespace

Result<std::string> Admin::move_node(std::string_view path_view, std::string_view new_parent_view) {
    std::string path(path_view), new_parent(new_parent_view);
    auto node = show_node(path);
    if (!node) return std::unexpected(node.error());
    if (auto allowed = require(Permission::manage_nodes, path); !allowed) return std::unexpected(allowed.error());
    if (auto allowed = require(Permission::manage_nodes, new_parent); !allowed) return std::unexpected(allowed.error());
    auto parent_kind = kind_of_path(new_parent);
    if (!parent_kind || static_cast<int>(*parent_kind) + 1 != static_cast<int>(node->kind))
        return fail(ErrorCode::invalid_argument, "a " + std::string(to_string(node->kind)) + " must move under a " +
                                                     (node->kind == NodeKind::organisation ? std::string("nothing")
                                                      : std::string(to_string(static_cast<NodeKind>(static_cast<int>(node->kind) - 1)))));
    if (auto parent = show_node(new_parent); !parent) return std::unexpected(parent.error());
    std::string name = path.substr(path.rfind('/') + 1);
    std::string target = new_parent + "/" + name;
    if (show_node(target)) return fail(ErrorCode::invalid_argument, "'" + target + "' exists already");
    // The ancestors the subtree leaves behind: their budgets and pools stop
    // holding for it, so moving is lifting those limits.
    std::vector<std::string> escaped;
    for (std::string above = parent_of(path); !above.empty(); above = parent_of(above))
        if (!path_within(target, above)) escaped.push_back(above);
    auto moved = m_db.transaction([&]() -> Result<void> {
        if (auto allowed = may_drop_limits("", escaped); !allowed) return allowed;
        for (auto [table, column, where] : {std::tuple<const char*, const char*, const char*>{"gov_nodes", "path", ""},
                                            {"gov_nodes", "parent", ""}, {"gov_keys", "owner", ""},
                                            {"gov_grants", "subject", ""}, {"gov_grants", "scope", ""},
                                            {"gov_budgets", "scope", "scope_kind = 'node'"},
                                            {"gov_pool_members", "node", ""}, {"gov_webhooks", "scope", ""}})
            if (auto r = rewrite_paths(m_db, table, column, path, target, where); !r) return r;
        return {};
    });
    if (!moved) return std::unexpected(moved.error());
    return target;
}

Result<int> Admin::delete_node(std::string_view path_view, bool recursive) {
    std::string path(path_view);
    if (auto node = show_node(path); !node) return std::unexpected(node.error());
    if (auto allowed = require(Permission::manage_nodes, path); !allowed) return std::unexpected(allowed.error());
    int children = 0;
    auto rows = sql::each(m_db, "SELECT 1 FROM gov_nodes WHERE substr(path, 1, ?) = ?", [&](auto&) { ++children; },
                          static_cast<std::int64_t>(path.size() + 1), path + "/");
    if (!rows) return std::unexpected(rows.error());
    if (children > 0 && !recursive)
        return fail(ErrorCode::invalid_argument, "'" + path + "' has " + std::to_string(children) +
                                                     " nodes below it; pass --recursive to delete them too");
    std::int64_t now = m_clock.now_ms();
    auto deleted = m_db.transaction([&]() -> Result<void> {
        if (auto allowed = may_drop_limits(path, {}); !allowed) return allowed;
        std::int64_t n = static_cast<std::int64_t>(path.size() + 1);
        std::string below = path + "/";
        const std::pair<const char*, const char*> k_steps[] = {
            {"UPDATE gov_keys SET revoked_ms = ?3 WHERE revoked_ms IS NULL AND (owner = ?1 OR substr(owner, 1, ?4) = ?2)", ""},
            {"DELETE FROM gov_grants WHERE subject = ?1 OR substr(subject, 1, ?4) = ?2 OR scope = ?1 OR substr(scope, 1, ?4) = ?2", ""},
            {"DELETE FROM gov_budgets WHERE scope_kind = 'node' AND (scope = ?1 OR substr(scope, 1, ?4) = ?2)", ""},
            {"DELETE FROM gov_pool_members WHERE node = ?1 OR substr(node, 1, ?4) = ?2", ""},
            {"DELETE FROM gov_webhooks WHERE scope = ?1 OR substr(scope, 1, ?4) = ?2", ""},
            {"DELETE FROM gov_nodes WHERE path = ?1 OR substr(path, 1, ?4) = ?2", ""},
        };
        for (const auto& step : k_steps)
            if (auto r = sql::run(m_db, step.first, path, below, now, n); !r) return r;
        return {};
    });
    if (!deleted) return std::unexpected(deleted.error());
    return children + 1;
}

// manage_roles on the scope, and owner there to grant or revoke owner.
Result<void> Admin::may_manage_role(Role role, std::string_view scope) const {
    if (auto allowed = require(Permission::manage_roles, scope); !allowed) return allowed;
    if (role == Role::owner && m_actor.principal && !m_actor.principal->master &&
        !holds_owner(m_actor.principal->grants, scope))
        return fail(ErrorCode::permission_denied, "only an owner may grant or revoke owner on '" + std::string(scope) + "'");
    return {};
}

Result<void> Admin::grant(std::string_view subject, Role role, std::string_view scope) {
    if (auto allowed = may_manage_role(role, scope); !allowed) return allowed;
    for (std::string_view path : {subject, scope})
        if (auto node = show_node(path); !node) return std::unexpected(node.error());
    return sql::run(m_db, "INSERT INTO gov_grants(subject, role, scope, created_ms) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING",
                    std::string(subject), std::string(to_string(role)), std::string(scope), m_clock.now_ms());
}

Result<void> Admin::revoke_grant(std::string_view subject, Role role, std::string_view scope) {
    if (auto allowed = may_manage_role(role, scope); !allowed) return allowed;
    auto removed = sql::run(m_db, "DELETE FROM gov_grants WHERE subject = ? AND role = ? AND scope = ?",
                            std::string(subject), std::string(to_string(role)), std::string(scope));
    if (!removed) return removed;
    if (m_db.changes() == 0)
        return fail(ErrorCode::not_found, std::string(subject) + " holds no " + std::string(to_string(role)) + " on '" +
                                              std::string(scope) + "'");
    return {};
}

Result<std::vector<GrantRow>> Admin::list_grants(std::string_view under) {
    std::vector<GrantRow> grants;
    auto rows = sql::each(m_db, "SELECT subject, role, scope FROM gov_grants ORDER BY scope, subject, role",
                          [&](const store::Statement& s) {
                              GrantRow row{s.text(0), parse_role(s.text(1)).value_or(Role::member), s.text(2)};
                              if (!path_within(row.scope, under) && !path_within(row.subject, under)) return;
                              if (require(Permission::view_settings, row.scope)) grants.push_back(std::move(row));
                          });
    if (!rows) return std::unexpected(rows.error());
    return grants;
}

} // namespace megarouter::governance
