// `megarouter pool create|add|remove|list|show`: shared quota pools.
#include "cmd_org_common.hpp"
#include "megarouter/core/json.hpp"

namespace megarouter::cli {

Result<governance::BudgetSpec> budget_spec_from(const std::string& period, const std::string& amount,
                                                const std::optional<std::int64_t>& tokens, int alert, int downgrade,
                                                int block, const std::string& ceiling);
void add_budget_options(CLI::App& sub, std::string& period, std::string& amount, std::optional<std::int64_t>& tokens,
                        int& alert, int& downgrade, int& block, std::string& ceiling);

void add_pool_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("pool", "Shared quota pools that several nodes draw from");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter pool create shared --usd 1000 --period monthly\n"
                       "  megarouter pool add shared acme/eng/platform\n  megarouter pool show shared --json\n");
    struct Args {
        std::string name, node, description, period = "monthly", amount, ceiling;
        std::optional<std::int64_t> tokens;
        int alert = 80, downgrade = 90, block = 100;
        bool json = false;
    };
    auto a = std::make_shared<Args>();
    auto print = [](const governance::PoolInfo& p, const governance::TimeZone& zone) {
        auto j = governance::to_json(p, zone);
        std::cout << p.name << "  members: " << j["members"].dump() << "\n";
        for (const auto& b : j["budgets"]) {
            bool usd = core::string_member(b, "unit", "usd") == "usd";
            std::string spent = usd ? core::string_member(b, "spent_usd") : b["spent"].dump() + " tokens";
            std::string amount = usd ? core::string_member(b, "amount_usd") : b["amount"].dump() + " tokens";
            std::cout << "  " << b["label"].get<std::string>() << "  spent " << spent << " of " << amount << "  "
                      << b["level"].get<std::string>() << "\n";
        }
    };
    auto* create = cmd->add_subcommand("create", "Create a pool with its amount per period");
    create->add_option("name", a->name, "Pool name")->required();
    create->add_option("--description", a->description, "What it is for");
    add_budget_options(*create, a->period, a->amount, a->tokens, a->alert, a->downgrade, a->block, a->ceiling);
    create->add_flag("--json", a->json, "Print JSON");
    create->callback([&context, a, print] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto spec = budget_spec_from(a->period, a->amount, a->tokens, a->alert, a->downgrade, a->block, a->ceiling);
            if (!spec) return context.report(spec.error());
            auto pool = admin.create_pool(a->name, a->description, *spec);
            if (!pool) return context.report(pool.error());
            return print_result(a->json, governance::to_json(*pool, admin.zone()), [&] { print(*pool, admin.zone()); });
        });
    });
    for (bool remove : {false, true}) {
        auto* sub = cmd->add_subcommand(remove ? "remove" : "add", remove ? "Remove a node from a pool" : "Add a node to a pool");
        sub->add_option("name", a->name, "Pool name")->required();
        sub->add_option("node", a->node, "Node path")->required();
        sub->add_flag("--json", a->json, "Print JSON");
        sub->callback([&context, a, remove, print] {
            context.exit_code = with_admin(context, [&](governance::Admin& admin) {
                auto pool = remove ? admin.remove_pool_member(a->name, a->node) : admin.add_pool_member(a->name, a->node);
                if (!pool) return context.report(pool.error());
                return print_result(a->json, governance::to_json(*pool, admin.zone()), [&] { print(*pool, admin.zone()); });
            });
        });
    }
    auto* list = cmd->add_subcommand("list", "List pools");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a, print] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto pools = admin.list_pools();
            if (!pools) return context.report(pools.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : *pools) out.push_back(governance::to_json(p, admin.zone()));
            return print_result(a->json, out, [&] { for (const auto& p : *pools) print(p, admin.zone()); });
        });
    });
    auto* show = cmd->add_subcommand("show", "Show one pool");
    show->add_option("name", a->name, "Pool name")->required();
    show->add_flag("--json", a->json, "Print JSON");
    show->callback([&context, a, print] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto pool = admin.show_pool(a->name);
            if (!pool) return context.report(pool.error());
            return print_result(a->json, governance::to_json(*pool, admin.zone()), [&] { print(*pool, admin.zone()); });
        });
    });
}

} // namespace megarouter::cli
