// `megarouter spend`: spend reports over the ledger, grouped, filtered and as
// a time series, with the budgets beside them; as a table, JSON, JSONL or CSV.
#include <iostream>

#include "context.hpp"
#include "megarouter/governance/admin.hpp"
#include "megarouter/reports/budgets.hpp"
#include "megarouter/reports/render.hpp"
#include "megarouter/reports/spend_request.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::cli {

namespace {

enum class Format { table, json, jsonl, csv };

struct SpendOptions {
    reports::SpendParams params;
    bool json = false, jsonl = false, csv = false;
    bool no_budgets = false;
};

// The zone for calendar periods: [governance] timezone in the config, else UTC.
std::string configured_zone(const core::Config& config) {
    const auto& doc = config.document;
    if (doc.contains("governance") && doc["governance"].is_object() && doc["governance"].contains("timezone") &&
        doc["governance"]["timezone"].is_string())
        return doc["governance"]["timezone"].get<std::string>();
    return "UTC";
}

int run_spend(Context& context, const SpendOptions& options) {
    if (int(options.json) + int(options.jsonl) + int(options.csv) > 1)
        return context.report(make_error(ErrorCode::invalid_argument, "choose one of --json, --jsonl and --csv"));
    auto config = context.config();
    if (!config) return context.report(config.error());
    const core::Clock& clock = core::system_clock();
    core::Millis now = clock.now_ms();
    auto resolved = reports::resolve_params(options.params, now, configured_zone(**config));
    if (!resolved) return context.report(resolved.error());
    auto db = store::Database::open((*config)->database);
    if (!db) return context.report(db.error());
    auto report = reports::run_spend_report(*db, resolved->query, resolved->zone);
    if (!report) return context.report(report.error());
    std::vector<reports::BudgetView> budgets;
    if (!options.no_budgets && !options.jsonl && !options.csv) {
        governance::Admin admin(*db, clock, resolved->zone);
        auto found = reports::budgets_in_view(admin, resolved->query, now);
        if (!found) return context.report(found.error());
        budgets = std::move(*found);
    }
    if (options.json) std::cout << reports::to_json(*report, budgets, resolved->zone).dump(2) << "\n";
    else if (options.jsonl) std::cout << reports::to_jsonl(*report);
    else if (options.csv) std::cout << reports::to_csv(*report);
    else {
        bool tty = context.color_stdout();
        std::cout << reports::render_table(*report, budgets, resolved->zone, {.charts = tty, .color = tty});
    }
    return 0;
}

} // namespace

void add_spend_command(CLI::App& app, Context& context) {
    auto* spend = app.add_subcommand("spend", "Spend reports: who uses which models, what it costs, what routing saved");
    static SpendOptions options;
    auto& p = options.params;
    spend->add_option("--since", p.since, "Start: 7d, 12h, today, week, month, 2026-11-01 or 2026-11-01T08:30 (default: month)");
    spend->add_option("--until", p.until, "End (exclusive), same forms as --since (default: now)");
    spend->add_option("--period", p.period, "Time series step: day, week or month");
    spend->add_option("--by", p.by, "Group by org, dept, team, user, key, model, provider, vendor, mode, tier, endpoint (comma-separated)");
    spend->add_option("--node", p.node, "Only this part of the hierarchy, e.g. acme/eng");
    spend->add_option("--key", p.key, "Only this key id");
    spend->add_option("--model", p.model, "Only this (routed) model");
    spend->add_option("--provider", p.provider, "Only this provider");
    spend->add_option("--top", p.top, "Show the N most costly groups and fold the rest into (other)")->check(CLI::NonNegativeNumber);
    spend->add_option("--tz", p.tz, "IANA time zone for dates and periods (default: [governance] timezone or UTC)");
    spend->add_flag("--json", options.json, "Print the report as JSON (money in exact nano-dollars)");
    spend->add_flag("--jsonl", options.jsonl, "Print one JSON object per group (and period)");
    spend->add_flag("--csv", options.csv, "Print CSV with exact USD amounts");
    spend->add_flag("--no-budgets", options.no_budgets, "Leave out the budgets table");
    set_examples(*spend,
                 "  megarouter spend                                  # this month, in total\n"
                 "  megarouter spend --by team --top 10\n"
                 "  megarouter spend --since 7d --by model --period day\n"
                 "  megarouter spend --node acme/eng --by team,model --since 2026-11-01 --until 2026-12-01\n"
                 "  megarouter spend --by provider --period month --since 2026-01-01 --tz Europe/Berlin --csv > spend.csv\n"
                 "  megarouter spend --key key_ab12 --json\n");
    spend->callback([&context] { context.exit_code = run_spend(context, options); });
}

} // namespace megarouter::cli
