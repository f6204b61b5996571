// `megarouter budget set|list|show|delete`: budgets on nodes and keys.
#include "cmd_org_common.hpp"
#include "megarouter/catalog/catalog.hpp"

namespace megarouter::cli {

namespace {

struct BudgetArgs {
    std::string scope, key, period = "monthly", amount, ceiling, under;
    std::optional<std::int64_t> tokens;
    int alert = 80, downgrade = 90, block = 100;
    std::int64_t id = 0;
    bool json = false;
};

void print_budget(const governance::BudgetInfo& b, const governance::TimeZone& zone) {
    auto j = governance::to_json(b, zone);
    std::cout << "#" << b.id << "  " << j["label"].get<std::string>() << "  "
              << (b.spec.tokens ? std::to_string(b.spent) + "/" + std::to_string(b.spec.amount) + " tokens"
                                : catalog::format_usd(b.spent) + "/" + catalog::format_usd(b.spec.amount))
              << "  " << b.level << "  (alert " << b.spec.alert_pct << "%, downgrade " << b.spec.downgrade_pct
              << "%, block " << b.spec.block_pct << "%; resets " << j["resets"].get<std::string>() << ")\n";
}

} // namespace

Result<governance::BudgetSpec> budget_spec_from(const std::string& period, const std::string& amount,
                                                const std::optional<std::int64_t>& tokens, int alert, int downgrade,
                                                int block, const std::string& ceiling) {
    governance::BudgetSpec spec;
    auto p = governance::parse_period(period);
    if (!p) return fail(ErrorCode::invalid_argument, "period must be daily, weekly, monthly or total");
    spec.period = *p;
    if (tokens) {
        spec.tokens = true;
        spec.amount = *tokens;
    } else {
        auto usd = governance::parse_usd(amount);
        if (!usd) return std::unexpected(usd.error());
        spec.amount = *usd;
    }
    spec.alert_pct = alert;
    spec.downgrade_pct = downgrade;
    spec.block_pct = block;
    if (!ceiling.empty()) {
        auto price = governance::parse_usd(ceiling);
        if (!price) return std::unexpected(price.error());
        spec.price_ceiling_nanos = *price;
    }
    return spec;
}

void add_budget_options(CLI::App& sub, std::string& period, std::string& amount, std::optional<std::int64_t>& tokens,
                        int& alert, int& downgrade, int& block, std::string& ceiling) {
    sub.add_option("--period", period, "daily, weekly, monthly (default) or total");
    sub.add_option("--usd", amount, "Amount in USD per period");
    sub.add_option("--tokens", tokens, "Amount in tokens per period instead of USD");
    sub.add_option("--alert", alert, "Alert guardrail, % of amount (0 = off; default 80)");
    sub.add_option("--downgrade", downgrade, "Downgrade guardrail, % (0 = off; default 90)");
    sub.add_option("--block", block, "Block guardrail, % (default 100)");
    sub.add_option("--price-ceiling", ceiling, "While downgraded: max USD per million output tokens");
}

void add_budget_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("budget", "Set and inspect budgets with alert/downgrade/block guardrails");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter budget set acme/eng/platform --usd 500 --period monthly\n"
                       "  megarouter budget set --key key_x1y2 --usd 5 --period daily --downgrade 0\n"
                       "  megarouter budget list --json\n  megarouter budget delete 3\n");
    auto a = std::make_shared<BudgetArgs>();
    auto* set = cmd->add_subcommand("set", "Set (or replace) the budget of a node or key for a period");
    set->add_option("node", a->scope, "Node path (or use --key)");
    set->add_option("--key", a->key, "Key id or prefix instead of a node");
    add_budget_options(*set, a->period, a->amount, a->tokens, a->alert, a->downgrade, a->block, a->ceiling);
    set->add_flag("--json", a->json, "Print JSON");
    set->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto spec = budget_spec_from(a->period, a->amount, a->tokens, a->alert, a->downgrade, a->block, a->ceiling);
            if (!spec) return context.report(spec.error());
            if (a->key.empty() == a->scope.empty())
                return context.report(make_error(ErrorCode::invalid_argument, "give a node path or --key, not both"));
            if (a->amount.empty() && !a->tokens)
                return context.report(make_error(ErrorCode::invalid_argument, "give --usd or --tokens"));
            spec->scope_kind = a->key.empty() ? governance::ScopeKind::node : governance::ScopeKind::key;
            spec->scope = a->key.empty() ? a->scope : a->key;
            auto b = admin.set_budget(*spec);
            if (!b) return context.report(b.error());
            return print_result(a->json, governance::to_json(*b, admin.zone()), [&] { print_budget(*b, admin.zone()); });
        });
    });
    auto* list = cmd->add_subcommand("list", "List budgets with their current spend");
    list->add_option("under", a->under, "Only budgets at or below this path");
    list->add_flag("--json", a->json, "Print JSON");
    list->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto bs = admin.list_budgets(a->under);
            if (!bs) return context.report(bs.error());
            nlohmann::json out = nlohmann::json::array();
            for (const auto& b : *bs) out.push_back(governance::to_json(b, admin.zone()));
            return print_result(a->json, out, [&] { for (const auto& b : *bs) print_budget(b, admin.zone()); });
        });
    });
    auto* show = cmd->add_subcommand("show", "Show one budget");
    show->add_option("id", a->id, "Budget id")->required();
    show->add_flag("--json", a->json, "Print JSON");
    show->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto b = admin.show_budget(a->id);
            if (!b) return context.report(b.error());
            return print_result(a->json, governance::to_json(*b, admin.zone()), [&] { print_budget(*b, admin.zone()); });
        });
    });
    auto* del = cmd->add_subcommand("delete", "Delete a budget");
    del->add_option("id", a->id, "Budget id")->required();
    del->add_flag("--json", a->json, "Print JSON");
    del->callback([&context, a] {
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            if (auto r = admin.delete_budget(a->id); !r) return context.report(r.error());
            return print_result(a->json, {{"deleted", a->id}}, [&] { std::cout << "deleted budget " << a->id << "\n"; });
        });
    });
}

} // namespace megarouter::cli
