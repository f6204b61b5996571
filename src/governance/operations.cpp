#include "megarouter/governance/operations.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "operations_impl.hpp"

namespace megarouter::governance {

namespace {

constexpr ArgType k_text = ArgType::text;
constexpr ArgType k_int = ArgType::integer;
constexpr ArgType k_flag = ArgType::flag;
constexpr ArgType k_list = ArgType::list;
constexpr bool k_required = true;
constexpr bool k_cli_only = false;

// An argument the CLI implies (or does not have) and the admin API reads.
constexpr Argument api(std::string_view name, ArgType type) { return {name, type, "", "", false, true}; }

template <std::size_t N, std::size_t M>
constexpr std::array<Argument, N + M> join(const std::array<Argument, N>& first, const std::array<Argument, M>& second) {
    std::array<Argument, N + M> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = first[i];
    for (std::size_t i = 0; i < M; ++i) out[N + i] = second[i];
    return out;
}

// Nodes. `kind` is the CLI's level command (org, dept, team, user); over
// the API it is optional on create (checked against the path) and list.
constexpr Argument k_node_create[] = {
    {"path", k_text, "path", "Full path, e.g. acme/eng/platform", k_required},
    {"name", k_text, "--name", "Display name"},
    {"email", k_text, "--email", "Contact e-mail"},
    {"rpm", k_int, "--rpm", "Requests per minute limit (users and teams)"},
    {"tpm", k_int, "--tpm", "Tokens per minute limit (users and teams)"},
    api("kind", k_text),
};
constexpr Argument k_node_set[] = {
    {"path", k_text, "path", "Full path", k_required},
    {"name", k_text, "--name", "Display name"},
    {"email", k_text, "--email", "Contact e-mail"},
    {"rpm", k_int, "--rpm", "Requests per minute limit"},
    {"tpm", k_int, "--tpm", "Tokens per minute limit"},
};
constexpr Argument k_node_list[] = {{"under", k_text, "under", "Only below this path"}, api("kind", k_text)};
constexpr Argument k_node_path[] = {{"path", k_text, "path", "Full path", k_required}};
constexpr Argument k_node_move[] = {
    {"path", k_text, "path", "Full path", k_required},
    {"parent", k_text, "new-parent", "The new parent's path", k_required},
};
constexpr Argument k_node_delete[] = {
    {"path", k_text, "path", "Full path", k_required},
    {"recursive", k_flag, "--recursive", "Also delete everything below it"},
};

constexpr Argument k_grant[] = {
    {"subject", k_text, "subject", "User (or team) path that holds the role", k_required},
    {"role", k_text, "role", "owner, admin, member, viewer or billing", k_required},
    {"scope", k_text, "scope", "Node path the role applies to (and below)", k_required},
};
constexpr Argument k_role_list[] = {{"under", k_text, "under", "Only grants at or below this path"}};

// Keys. The CLI spells a policy as options, the API as one object.
constexpr Argument k_key_create[] = {
    {"owner", k_text, "owner", "User or team path", k_required},
    {"role", k_text, "--role", "Role of the key at its owner: member, viewer, billing, admin, owner"},
    {"name", k_text, "--name", "A label"},
    {"expires_days", k_int, "--expires-days", "Expire after this many days", false, k_cli_only},
    {"model", k_list, "--model", "Allowed model (repeatable)", false, k_cli_only},
    {"vendor", k_list, "--vendor", "Allowed vendor (repeatable)", false, k_cli_only},
    {"provider", k_list, "--provider", "Allowed provider (repeatable)", false, k_cli_only},
    {"mode", k_list, "--mode", "Allowed routing mode (repeatable)", false, k_cli_only},
    {"max_price", k_text, "--max-price", "Max USD per million output tokens", false, k_cli_only},
    {"rpm", k_int, "--rpm", "Requests per minute", false, k_cli_only},
    {"tpm", k_int, "--tpm", "Tokens per minute", false, k_cli_only},
    {"tag", k_list, "--tag", "Metadata tag key=value (repeatable)", false, k_cli_only},
    api("expires_ms", k_int),
    api("policy", ArgType::object),
};
constexpr Argument k_key_list[] = {
    {"under", k_text, "under", "Only keys of owners below this path"},
    {"revoked", k_flag, "--all", "Include revoked keys"},
};
constexpr Argument k_key_id[] = {{"id", k_text, "key", "Key id or visible prefix", k_required}};
constexpr Argument k_key_rotate[] = {
    {"id", k_text, "key", "Key id or visible prefix", k_required},
    {"grace", k_int, "--grace", "Seconds the old key keeps working (default: revoke now)", false, k_cli_only},
    api("grace_ms", k_int),
};

// Budgets and pools share the amount and its guardrails.
constexpr std::array<Argument, 10> k_amount = {{
    {"period", k_text, "--period", "daily, weekly, monthly (default) or total"},
    {"amount_usd", k_text, "--usd", "Amount in USD per period"},
    {"tokens", k_int, "--tokens", "Amount in tokens per period instead of USD", false, k_cli_only},
    {"alert_pct", k_int, "--alert", "Alert guardrail, % of amount (0 = off; default 80)"},
    {"downgrade_pct", k_int, "--downgrade", "Downgrade guardrail, % (0 = off; default 90)"},
    {"block_pct", k_int, "--block", "Block guardrail, % (default 100)"},
    {"price_ceiling", k_text, "--price-ceiling", "While downgraded: max USD per million output tokens", false, k_cli_only},
    api("unit", k_text),
    api("amount", k_int),
    api("price_ceiling_nanos", k_int),
}};
constexpr auto k_budget_set = join(std::array<Argument, 3>{{
                                       {"scope", k_text, "node", "Node path (or use --key)"},
                                       {"key", k_text, "--key", "Key id or prefix instead of a node", false, k_cli_only},
                                       api("scope_kind", k_text),
                                   }},
                                   k_amount);
constexpr Argument k_budget_list[] = {{"under", k_text, "under", "Only budgets at or below this path"}};
constexpr Argument k_budget_id[] = {{"id", k_int, "id", "Budget id", k_required}};
constexpr auto k_pool_create = join(std::array<Argument, 2>{{
                                        {"name", k_text, "name", "Pool name", k_required},
                                        {"description", k_text, "--description", "What it is for"},
                                    }},
                                    k_amount);
constexpr Argument k_pool_member[] = {
    {"name", k_text, "name", "Pool name", k_required},
    {"node", k_text, "node", "Node path", k_required},
};
constexpr Argument k_pool_name[] = {{"name", k_text, "name", "Pool name", k_required}};

constexpr Argument k_webhook_add[] = {
    {"url", k_text, "url", "http(s) URL", k_required},
    {"scope", k_text, "--node", "Only events of this node and below (default: global)"},
    {"secret", k_text, "--secret", "HMAC-SHA256 secret for X-Megarouter-Signature"},
    {"events", k_text, "--events", "Event types, comma-separated ('*' = all, 'budget.*')"},
};
constexpr Argument k_webhook_id[] = {{"id", k_int, "id", "Webhook id", k_required}};
constexpr Argument k_alert_list[] = {
    {"status", k_text, "--status", "Only events with a delivery in this status (pending, delivered, failed)"},
    {"limit", k_int, "--limit", "At most this many (default 50)"},
};
constexpr Argument k_event_id[] = {{"id", k_text, "id", "Event id", k_required}};

using P = Permission;

// Outside the table, because they exist on one side only: `alerts test`
// (the CLI posts a test event from this machine, no store involved) and the
// API's /admin/spend reports (reports::mount_spend_api; the CLI's `spend`
// reads the ledger itself).
constexpr Operation k_operations[] = {
    {"node create", "Create one (its parent must exist)", "POST", "/admin/nodes", P::manage_nodes, k_node_create, ops::node_create},
    {"node set", "Change name, e-mail or rate limits", "POST", "/admin/nodes/set", P::manage_nodes, k_node_set, ops::node_set},
    {"node list", "List them (optionally under a path)", "GET", "/admin/nodes", P::view_settings, k_node_list, ops::node_list},
    {"node show", "Show one", "GET", "/admin/nodes/show", P::view_settings, k_node_path, ops::node_show},
    {"node move", "Move it (and everything below) under another parent", "POST", "/admin/nodes/move", P::manage_nodes,
     k_node_move, ops::node_move},
    {"node delete", "Delete it (its keys are revoked)", "DELETE", "/admin/nodes", P::manage_nodes, k_node_delete,
     ops::node_delete},

    {"keys create", "Create a key for a user (or a team: a service key)", "POST", "/admin/keys", P::manage_keys,
     k_key_create, ops::key_create},
    {"keys list", "List keys (never their secrets)", "GET", "/admin/keys", P::view_settings, k_key_list, ops::key_list},
    {"keys show", "Show one key by id or prefix", "GET", "/admin/keys/:id", P::view_settings, k_key_id, ops::key_show},
    {"keys revoke", "Revoke a key (effective on its next request)", "POST", "/admin/keys/:id/revoke", P::manage_keys,
     k_key_id, ops::key_revoke},
    {"keys rotate", "Replace a key by a new one with the same owner and policy", "POST", "/admin/keys/:id/rotate",
     P::manage_keys, k_key_rotate, ops::key_rotate},

    {"budget set", "Set (or replace) the budget of a node or key for a period", "POST", "/admin/budgets",
     P::manage_budgets, k_budget_set, ops::budget_set},
    {"budget list", "List budgets with their current spend", "GET", "/admin/budgets", P::view_spend, k_budget_list,
     ops::budget_list},
    {"budget show", "Show one budget", "GET", "/admin/budgets/:id", P::view_spend, k_budget_id, ops::budget_show},
    {"budget delete", "Delete a budget", "DELETE", "/admin/budgets/:id", P::manage_budgets, k_budget_id,
     ops::budget_delete},

    {"role grant", "Grant a role on a node and below", "POST", "/admin/roles", P::manage_roles, k_grant, ops::role_grant},
    {"role revoke", "Revoke a role", "DELETE", "/admin/roles", P::manage_roles, k_grant, ops::role_revoke},
    {"role list", "List role grants", "GET", "/admin/roles", P::view_settings, k_role_list, ops::role_list},

    {"pool create", "Create a pool with its amount per period", "POST", "/admin/pools", P::manage_budgets, k_pool_create,
     ops::pool_create},
    {"pool add", "Add a node to a pool", "POST", "/admin/pools/:name/members", P::manage_budgets, k_pool_member,
     ops::pool_add},
    {"pool remove", "Remove a node from a pool", "DELETE", "/admin/pools/:name/members", P::manage_budgets,
     k_pool_member, ops::pool_remove},
    {"pool list", "List pools", "GET", "/admin/pools", P::view_spend, {}, ops::pool_list},
    {"pool show", "Show one pool", "GET", "/admin/pools/:name", P::view_spend, k_pool_name, ops::pool_show},

    {"webhook add", "Add a webhook (global, or for a node and below)", "POST", "/admin/webhooks", P::manage_webhooks,
     k_webhook_add, ops::webhook_add},
    {"webhook list", "List webhooks (secrets hidden)", "GET", "/admin/webhooks", P::view_settings, {}, ops::webhook_list},
    {"webhook remove", "Remove a webhook", "DELETE", "/admin/webhooks/:id", P::manage_webhooks, k_webhook_id,
     ops::webhook_remove},

    {"alerts list", "List recent events with their delivery status", "GET", "/admin/alerts", P::view_settings,
     k_alert_list, ops::alert_list},
    {"alerts show", "Show one event", "GET", "/admin/alerts/:id", P::view_settings, k_event_id, ops::alert_show},
    {"alerts retry", "Deliver an event again now", "POST", "/admin/alerts/:id/retry", P::manage_webhooks, k_event_id,
     ops::alert_retry},
};

core::JsonType json_type(ArgType type) {
    switch (type) {
    case ArgType::text: return core::JsonType::string;
    case ArgType::integer: return core::JsonType::integer;
    case ArgType::flag: return core::JsonType::boolean;
    case ArgType::list: return core::JsonType::array;
    case ArgType::object: return core::JsonType::object;
    }
    return core::JsonType::string;
}

bool has_capture(std::string_view route, std::string_view name) {
    for (std::size_t at = route.find("/:"); at != std::string_view::npos; at = route.find("/:", at + 1)) {
        std::string_view rest = route.substr(at + 2);
        if (rest.substr(0, rest.find('/')) == name) return true;
    }
    return false;
}

// A route capture that is not a number is an id no route has (not_found);
// a bad query value is bad input.
Result<std::int64_t> number_from(std::string_view name, std::string_view text, bool capture) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bool ok = !text.empty() && text.size() <= 18 && ec == std::errc() && end == text.data() + text.size() &&
              text.front() != '-';
    if (ok) return value;
    if (capture) return fail(ErrorCode::not_found, "no such id: " + std::string(text.substr(0, 64)));
    return fail(ErrorCode::invalid_argument, "'" + std::string(name) + "' must be an integer");
}

Result<nlohmann::json> from_text(const Argument& argument, std::string_view text, bool capture) {
    switch (argument.type) {
    case ArgType::integer: {
        auto number = number_from(argument.name, text, capture);
        if (!number) return fail(number.error());
        return nlohmann::json(*number);
    }
    case ArgType::flag: return nlohmann::json(text == "1" || text == "true");
    case ArgType::text: return nlohmann::json(std::string(text));
    default: return fail(ErrorCode::invalid_argument, "'" + std::string(argument.name) + "' must be in the body");
    }
}

} // namespace

std::span<const Operation> operations() { return k_operations; }

const Operation* find_operation(std::string_view name) {
    for (const Operation& operation : k_operations)
        if (operation.name == name) return &operation;
    return nullptr;
}

std::vector<core::MemberType> body_types(const Operation& operation) {
    std::vector<core::MemberType> types;
    for (const Argument& argument : operation.arguments)
        if (argument.http) types.push_back({argument.name, json_type(argument.type)});
    return types;
}

Result<nlohmann::json> perform(const Operation& operation, Admin& admin, const Arguments& arguments) {
    std::vector<core::MemberType> types;
    for (const Argument& argument : operation.arguments) types.push_back({argument.name, json_type(argument.type)});
    if (auto typed = core::check_member_types(arguments, types); !typed) return fail(typed.error());
    for (const Argument& argument : operation.arguments)
        if (argument.required && !ops::has(arguments, argument.name))
            return fail(ErrorCode::invalid_argument, std::string(argument.name) + " is required");
    return operation.run(admin, arguments);
}

Result<Arguments> request_arguments(const Operation& operation, const nlohmann::json& body, const TextLookup& capture,
                                    const TextLookup& query) {
    Arguments arguments = nlohmann::json::object();
    for (const Argument& argument : operation.arguments) {
        if (!argument.http) continue;
        bool captured = has_capture(operation.route, argument.name);
        std::optional<std::string> text = captured ? capture(argument.name) : query(argument.name);
        if (text) {
            auto value = from_text(argument, *text, captured);
            if (!value) return fail(value.error());
            arguments[std::string(argument.name)] = std::move(*value);
        } else if (body.is_object() && ops::has(body, argument.name)) {
            arguments[std::string(argument.name)] = body.at(std::string(argument.name));
        }
    }
    return arguments;
}

namespace ops {

bool has(const Arguments& args, std::string_view name) {
    auto it = args.find(std::string(name));
    return it != args.end() && !it->is_null();
}

std::string text(const Arguments& args, std::string_view name, std::string_view fallback) {
    return has(args, name) ? args.at(std::string(name)).get<std::string>() : std::string(fallback);
}

std::optional<std::int64_t> integer(const Arguments& args, std::string_view name) {
    if (!has(args, name)) return std::nullopt;
    return args.at(std::string(name)).get<std::int64_t>();
}

int small_integer(const Arguments& args, std::string_view name, int fallback) {
    auto value = integer(args, name);
    return value ? static_cast<int>(std::clamp<std::int64_t>(*value, -1, 1'000'000)) : fallback;
}

bool flag(const Arguments& args, std::string_view name) { return has(args, name) && args.at(std::string(name)).get<bool>(); }

std::vector<std::string> list(const Arguments& args, std::string_view name) {
    std::vector<std::string> out;
    if (has(args, name))
        for (const auto& item : args.at(std::string(name)))
            if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

Result<Role> role_argument(const Arguments& args, std::string_view name, std::string_view fallback) {
    std::string given = text(args, name, fallback);
    auto role = parse_role(given);
    if (!role) return fail(ErrorCode::invalid_argument, "unknown role '" + given + "'");
    return *role;
}

} // namespace ops

} // namespace megarouter::governance
