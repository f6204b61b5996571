// Governance settings in the store: the hierarchy, role grants, API keys,
// budgets, quota pools, webhooks and alert events. The CLI (acting locally
// with every right) and the proxy's /admin API (acting as a key, its role's
// scope checked on every call) both go through Admin.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/governance/periods.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::governance {

enum class NodeKind { organisation, department, team, user };
std::string_view to_string(NodeKind kind);
// The kind a path's depth implies (1 organisation ... 4 user). Fails with
// invalid_argument for an empty segment, a bad character or depth > 4.
Result<NodeKind> kind_of_path(std::string_view path);
// "acme/eng/platform" -> "acme/eng"; "" for an organisation.
std::string parent_of(std::string_view path);

struct Node {
    std::string path;
    NodeKind kind = NodeKind::organisation;
    std::string display_name;
    std::string email;
    std::optional<std::int64_t> rpm;
    std::optional<std::int64_t> tpm;
    core::Millis created_ms = 0;
};

struct GrantRow {
    std::string subject;
    Role role = Role::member;
    std::string scope;
};

struct KeyInfo {
    std::string id;
    std::string prefix;
    std::string owner;
    Role role = Role::member;
    std::string name;
    core::Millis created_ms = 0;
    std::optional<core::Millis> expires_ms;
    std::optional<core::Millis> revoked_ms;
    KeyPolicy policy;
    std::string rotated_from;
};

// The secret is only ever returned here, once.
struct CreatedKey {
    KeyInfo info;
    std::string secret;
};

struct KeySpec {
    std::string owner; // a user path, or a team path for a service key
    Role role = Role::member;
    std::string name;
    std::optional<core::Millis> expires_ms;
    KeyPolicy policy;
};

enum class ScopeKind { node, key, pool };
std::string_view to_string(ScopeKind kind);

struct BudgetSpec {
    ScopeKind scope_kind = ScopeKind::node;
    std::string scope;            // path, key id or pool name
    Period period = Period::monthly;
    bool tokens = false;          // amount in tokens instead of nano-dollars
    std::int64_t amount = 0;
    int alert_pct = 80;           // 0 = off
    int downgrade_pct = 90;       // 0 = off
    int block_pct = 100;
    std::optional<Nanos> price_ceiling_nanos; // per Mtok while downgraded
};

struct BudgetInfo {
    std::int64_t id = 0;
    BudgetSpec spec;
    std::int64_t spent = 0;       // settled usage in the current period
    PeriodBounds bounds;
    std::string level;            // "ok", "alert", "downgrade", "blocked"
    std::string set_by;           // the node whose authority set it ("" = the root)
};

struct PoolInfo {
    std::string name;
    std::string description;
    std::vector<std::string> members;
    std::vector<BudgetInfo> budgets;
};

struct Webhook {
    std::int64_t id = 0;
    std::string scope; // "" = global
    std::string url;
    bool has_secret = false;
    std::string events; // "*" or comma-separated types
};

struct Delivery {
    std::int64_t webhook_id = 0;
    std::string url;
    std::string status;
    std::int64_t attempts = 0;
    core::Millis next_attempt_ms = 0;
    std::string last_error;
};

struct EventInfo {
    std::string id;
    std::string type;
    std::string node;
    core::Millis ts = 0;
    std::string summary;
    nlohmann::json payload;
    std::vector<Delivery> deliveries;
};

// Who performs an operation: the local CLI (owner of the database file, every
// right) or an authenticated principal whose grants are checked per call.
struct Actor {
    const Principal* principal = nullptr; // nullptr = local
};

// Settings from [governance] that change what Admin accepts.
struct AdminSettings {
    bool allow_private_webhooks = false; // webhooks on loopback/link-local/private addresses
};

// Not thread-safe (it uses one Database); make one per call site.
class Admin {
public:
    Admin(store::Database& db, const core::Clock& clock, TimeZone zone, Actor actor = {}, AdminSettings settings = {});

    // Nodes. create fails with not_found when the parent is missing, and
    // invalid_argument when the path exists; delete refuses a node with
    // children unless `recursive`; move re-parents a subtree (same depth)
    // and rewrites every reference (keys, grants, budgets, pools, webhooks).
    Result<Node> create_node(const Node& node);
    Result<std::vector<Node>> list_nodes(std::string_view under, std::optional<NodeKind> kind);
    Result<Node> show_node(std::string_view path);
    Result<Node> update_node(const Node& node); // display_name, email, rpm, tpm
    Result<std::string> move_node(std::string_view path, std::string_view new_parent);
    Result<int> delete_node(std::string_view path, bool recursive);

    // Roles. Only an owner (or local) may grant or revoke `owner`.
    Result<void> grant(std::string_view subject, Role role, std::string_view scope);
    Result<void> revoke_grant(std::string_view subject, Role role, std::string_view scope);
    Result<std::vector<GrantRow>> list_grants(std::string_view under);

    // Keys. `id_or_prefix` matches the key id or its visible prefix.
    // Minting needs manage_keys on the owner node, manage_roles there for a
    // role=admin key and owner there for a role=owner key. A key minted by a
    // principal is bounded by what that principal could grant (its ceiling,
    // stored with the key): it carries its owner's grants only where they
    // overlap the ceiling, owner lowered to admin under an admin ceiling, even
    // when the owner is granted more later (docs/governance.md). Keys minted
    // locally or with the master key are unbounded.
    Result<CreatedKey> create_key(const KeySpec& spec);
    Result<std::vector<KeyInfo>> list_keys(std::string_view under, bool include_revoked);
    Result<KeyInfo> show_key(std::string_view id_or_prefix);
    Result<KeyInfo> revoke_key(std::string_view id_or_prefix);
    // A new key with the same owner, role and policy; the old one is revoked
    // at once (grace_ms 0) or expires after grace_ms. Obeys the mint rule:
    // the new key's ceiling is the rotating actor's. One transaction.
    Result<CreatedKey> rotate_key(std::string_view id_or_prefix, core::Millis grace_ms);

    // Budgets (on nodes, keys and pools). set replaces the budget with the
    // same scope and period. A budget records the node whose authority set it
    // (`set_by`: the highest scope of the actor's manage_budgets grants over
    // the target, "" for the local CLI and the master key); changing or
    // deleting it needs manage_budgets on that node, so a limit set by a
    // parent cannot be lifted from below. Each call is one transaction that
    // checks before it writes: a refused change commits nothing.
    Result<BudgetInfo> set_budget(const BudgetSpec& spec);
    Result<std::vector<BudgetInfo>> list_budgets(std::string_view under);
    Result<BudgetInfo> show_budget(std::int64_t id);
    Result<void> delete_budget(std::int64_t id);

    // Pools: a name, members (nodes) and budgets with scope_kind pool. Pools
    // span nodes: creating them and adding or removing members needs
    // manage_budgets on the root (a root grant, the master key or local).
    Result<PoolInfo> create_pool(std::string_view name, std::string_view description, const BudgetSpec& limit);
    Result<PoolInfo> add_pool_member(std::string_view pool, std::string_view node);
    Result<PoolInfo> remove_pool_member(std::string_view pool, std::string_view node);
    Result<std::vector<PoolInfo>> list_pools();
    Result<PoolInfo> show_pool(std::string_view name);

    // Webhooks and alert events. add_webhook refuses (invalid_argument,
    // naming the rule) a URL whose host names or resolves to a loopback,
    // link-local, private, unspecified or multicast address unless
    // allow_private_webhooks; it resolves the host (blocks on DNS).
    Result<Webhook> add_webhook(std::string_view scope, std::string_view url, std::string_view secret,
                                std::string_view events);
    Result<std::vector<Webhook>> list_webhooks();
    Result<void> remove_webhook(std::int64_t id);
    Result<std::vector<EventInfo>> list_events(int limit, std::string_view status);
    Result<EventInfo> show_event(std::string_view id);
    // Makes every undelivered (or failed) delivery of the event due now.
    Result<EventInfo> retry_event(std::string_view id);

    // Fails with permission_denied unless the actor holds `permission` on `target`.
    Result<void> require(Permission permission, std::string_view target) const;
    // The highest scope from which the actor holds `permission` over `target`
    // ("" for the local CLI, the master key and root grants; nullopt without
    // the permission).
    std::optional<std::string> authority(Permission permission, std::string_view target) const;

    const TimeZone& zone() const { return m_zone; }

private:
    Result<void> may_mint(std::string_view owner, Role role) const;
    Result<void> may_manage_role(Role role, std::string_view scope) const;
    Result<CreatedKey> insert_key(const KeySpec& spec);
    Result<void> write_revocation(const KeyInfo& key, core::Millis now);
    Result<BudgetInfo> load_budget(std::int64_t id);
    Result<std::int64_t> write_budget(const BudgetSpec& spec);
    Result<void> may_change_limit(std::int64_t id, const std::string& scope, const std::string& set_by) const;
    Result<void> may_drop_limits(std::string_view subtree, const std::vector<std::string>& nodes);
    Result<KeyInfo> find_key(std::string_view id_or_prefix);
    std::string budget_target(const BudgetSpec& spec);

    store::Database& m_db;
    const core::Clock& m_clock;
    TimeZone m_zone;
    Actor m_actor;
    AdminSettings m_settings;
};

// Money is shown with catalog::format_usd (rounded, never truncated).
// "12.5" -> 12'500'000'000 nano-dollars. Fails with invalid_argument.
Result<Nanos> parse_usd(std::string_view text);

// KeyPolicy <-> the JSON stored in gov_keys.policy and shown by the CLI.
nlohmann::json policy_to_json(const KeyPolicy& policy);
KeyPolicy policy_from_json(const nlohmann::json& json);
nlohmann::json to_json(const Node& node);
nlohmann::json to_json(const KeyInfo& key);
nlohmann::json to_json(const BudgetInfo& budget, const TimeZone& zone);
nlohmann::json to_json(const PoolInfo& pool, const TimeZone& zone);
nlohmann::json to_json(const Webhook& webhook);
nlohmann::json to_json(const EventInfo& event);

// Writes an event and one pending delivery per matching webhook (global, or
// scoped to an ancestor of `node`) into the outbox, inside the caller's
// transaction if any. An event id that exists already is ignored (returns
// false): this makes threshold crossings fire once per period.
Result<bool> enqueue_event(store::Database& db, std::string_view id, std::string_view type, std::string_view node,
                           core::Millis ts, std::string_view summary, const nlohmann::json& figures);

} // namespace megarouter::governance
