#include "context.hpp"

// The one table of subcommands. Each entry's `add` lives in its own file.

namespace megarouter::cli {

void add_config_command(CLI::App& app, Context& context);
void add_completion_command(CLI::App& app, Context& context);
void add_org_command(CLI::App& app, Context& context);
void add_dept_command(CLI::App& app, Context& context);
void add_team_command(CLI::App& app, Context& context);
void add_user_command(CLI::App& app, Context& context);
void add_keys_command(CLI::App& app, Context& context);
void add_budget_command(CLI::App& app, Context& context);
void add_role_command(CLI::App& app, Context& context);
void add_pool_command(CLI::App& app, Context& context);
void add_webhook_command(CLI::App& app, Context& context);
void add_alerts_command(CLI::App& app, Context& context);
void add_models_command(CLI::App& app, Context& context);
void add_serve_command(CLI::App& app, Context& context);
void add_spend_command(CLI::App& app, Context& context);
void add_prompt_command(CLI::App& app, Context& context);
void add_logs_command(CLI::App& app, Context& context);
void add_route_command(CLI::App& app, Context& context);
void add_store_command(CLI::App& app, Context& context);

namespace {

constexpr CommandSpec k_commands[] = {
    {"config", "Show, locate or create the configuration file", add_config_command},
    {"models", "List models, their prices and capabilities", add_models_command},
    {"prompt", "Send a prompt to a model and stream the answer", add_prompt_command},
    {"logs", "List, show and search logged prompts and responses", add_logs_command},
    {"route", "Show which model and provider a request would go to (dry run)", add_route_command},
    {"spend", "Spend reports: who uses which models, what it costs, what routing saved", add_spend_command},
    {"serve", "Run the gateway: an OpenAI- and Anthropic-compatible HTTP proxy", add_serve_command},
    {"completion", "Print shell completions (bash, zsh, fish)", add_completion_command},
    {"org", "Manage organisations", add_org_command},
    {"dept", "Manage departments", add_dept_command},
    {"team", "Manage teams", add_team_command},
    {"user", "Manage users", add_user_command},
    {"keys", "Create, list, revoke and rotate API keys", add_keys_command},
    {"budget", "Set and inspect budgets with alert/downgrade/block guardrails", add_budget_command},
    {"role", "Grant, revoke and list roles", add_role_command},
    {"pool", "Shared quota pools", add_pool_command},
    {"webhook", "Add, list and remove alert webhooks", add_webhook_command},
    {"alerts", "List, inspect, retry and test alert deliveries", add_alerts_command},
    {"store", "Move the store: copy SQLite into PostgreSQL", add_store_command},
};

} // namespace

std::span<const CommandSpec> commands() { return k_commands; }

} // namespace megarouter::cli
