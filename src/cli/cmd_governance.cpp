// `megarouter org|dept|team|user|keys|budget|role|pool|webhook ...`: the
// governance commands. Each is a group of subcommands made from the table
// of operations (governance/operations.hpp); here are only each group's
// help and examples. `alerts` (which adds a CLI-only `test`) is in
// cmd_alerts.cpp.
#include "governance_ops.hpp"

namespace megarouter::cli {

namespace {

// One governance command: its help and examples, and which table group it
// holds. org, dept, team and user share the node operations; their level is
// the operations' `kind` (create checks the path's depth, list filters).
struct Group {
    const char* name;
    const char* help;
    const char* examples;
    std::string_view operations;
    std::optional<governance::NodeKind> level;
};

constexpr Group k_groups[] = {
    {"org", "Manage organisations", "  megarouter org create acme --name 'Acme Inc'\n  megarouter org list --json\n",
     "node", governance::NodeKind::organisation},
    {"dept", "Manage departments", "  megarouter dept create acme/eng\n  megarouter dept move acme/eng globex\n", "node",
     governance::NodeKind::department},
    {"team", "Manage teams", "  megarouter team create acme/eng/platform --rpm 600\n  megarouter team list acme/eng\n",
     "node", governance::NodeKind::team},
    {"user", "Manage users",
     "  megarouter user create acme/eng/platform/alice --email alice@acme.test\n"
     "  megarouter user delete acme/eng/platform/alice\n",
     "node", governance::NodeKind::user},
    {"keys", "Create, list, revoke and rotate API keys",
     "  megarouter keys create acme/eng/platform/alice --model gpt-4o-mini --rpm 60\n"
     "  megarouter keys list acme/eng --json\n  megarouter keys revoke mr-AbCd1234\n"
     "  megarouter keys rotate key_x1y2 --grace 3600\n",
     "keys", std::nullopt},
    {"budget", "Set and inspect budgets with alert/downgrade/block guardrails",
     "  megarouter budget set acme/eng/platform --usd 500 --period monthly\n"
     "  megarouter budget set --key key_x1y2 --usd 5 --period daily --downgrade 0\n"
     "  megarouter budget list --json\n  megarouter budget delete 3\n",
     "budget", std::nullopt},
    {"role", "Grant, revoke and list roles (owner, admin, member, viewer, billing)",
     "  megarouter role grant acme/eng/platform/alice admin acme/eng/platform\n  megarouter role list acme --json\n",
     "role", std::nullopt},
    {"pool", "Shared quota pools that several nodes draw from",
     "  megarouter pool create shared --usd 1000 --period monthly\n"
     "  megarouter pool add shared acme/eng/platform\n  megarouter pool show shared --json\n",
     "pool", std::nullopt},
    {"webhook", "Add, list and remove alert webhooks",
     "  megarouter webhook add https://hooks.example/mr --secret s3cret\n"
     "  megarouter webhook add https://x/y --node acme/eng --events budget.*,key.revoked\n",
     "webhook", std::nullopt},
};

void add_group(CLI::App& app, Context& context, std::string_view name) {
    for (const Group& group : k_groups) {
        if (group.name != name) continue;
        auto* cmd = app.add_subcommand(group.name, group.help);
        cmd->require_subcommand(1);
        set_examples(*cmd, group.examples);
        nlohmann::json implied = nlohmann::json::object();
        if (group.level) implied["kind"] = governance::to_string(*group.level);
        add_operations(*cmd, context, group.operations, implied);
    }
}

} // namespace

// The entries of the command table (commands.cpp).
void add_org_command(CLI::App& app, Context& context) { add_group(app, context, "org"); }
void add_dept_command(CLI::App& app, Context& context) { add_group(app, context, "dept"); }
void add_team_command(CLI::App& app, Context& context) { add_group(app, context, "team"); }
void add_user_command(CLI::App& app, Context& context) { add_group(app, context, "user"); }
void add_keys_command(CLI::App& app, Context& context) { add_group(app, context, "keys"); }
void add_budget_command(CLI::App& app, Context& context) { add_group(app, context, "budget"); }
void add_role_command(CLI::App& app, Context& context) { add_group(app, context, "role"); }
void add_pool_command(CLI::App& app, Context& context) { add_group(app, context, "pool"); }
void add_webhook_command(CLI::App& app, Context& context) { add_group(app, context, "webhook"); }

} // namespace megarouter::cli
