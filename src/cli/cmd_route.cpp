// `megarouter route`: the routing decision for a prompt or a request body,
// without calling anything (no network, nothing spent).
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cmd_route_eval.hpp"
#include "cmd_route_view.hpp"
#include "context.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/registry.hpp"
#include "megarouter/routing/failover.hpp"
#include "megarouter/routing/router.hpp"

namespace megarouter::cli {

namespace {

struct RouteOptions {
    std::string prompt;
    std::string request_file;
    std::string model;
    std::string mode;
    std::string system;
    std::int64_t max_tokens = 0;
    std::vector<std::string> allow_vendors, deny_vendors, allow_providers, deny_providers, allow_models, deny_models;
    std::string region;
    double max_price = -1; // USD per Mtok
    double max_cost = -1;  // USD
    bool explain = false, all = false, json = false, compare = false, all_providers = false;
};

Result<std::string> read_input(const std::string& file) {
    std::ostringstream text;
    if (file == "-") {
        text << std::cin.rdbuf();
    } else {
        std::ifstream in(file);
        if (!in) return fail(ErrorCode::io, "cannot read " + file);
        text << in.rdbuf();
    }
    return text.str();
}

Result<providers::ChatRequest> build_request(const RouteOptions& o, const core::Config& config) {
    providers::ChatRequest request;
    if (!o.request_file.empty()) {
        auto text = read_input(o.request_file);
        if (!text) return fail(text.error());
        // A request file is held to the proxy's limits: `route` runs the same code on it.
        auto body = core::parse_json_bounded(*text, core::json_limits(config.server));
        if (!body) return fail(ErrorCode::invalid_argument, o.request_file + ": " + body.error().message);
        if (!body->is_object())
            return fail(ErrorCode::invalid_argument, o.request_file + ": not a JSON object (an OpenAI chat body)");
        auto decoded = providers::client_adapter(providers::ClientApi::chat_completions).decode_client_request(*body);
        if (!decoded) return fail(decoded.error());
        request = std::move(*decoded);
    } else if (o.prompt.empty()) {
        return fail(ErrorCode::invalid_argument, "give a prompt or --request FILE (see megarouter route --help)");
    }
    if (!o.prompt.empty()) {
        providers::Message message;
        message.content.push_back({providers::ContentPart::Kind::text, o.prompt, "", "", ""});
        request.messages.push_back(std::move(message));
    }
    if (!o.system.empty()) request.system = o.system;
    if (o.max_tokens > 0) request.max_tokens = o.max_tokens;
    return request;
}

// Repeated flags and comma lists both work: --deny-provider a,b --deny-provider c.
std::vector<std::string> split_all(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const std::string& value : values) {
        std::stringstream in(value);
        for (std::string item; std::getline(in, item, ',');)
            if (!item.empty()) out.push_back(item);
    }
    return out;
}

Result<routing::RouteRequest> build_route(const RouteOptions& o, const core::Config& config) {
    routing::RouteRequest route;
    route.model = o.model.empty() ? config.default_model : o.model;
    route.defer_comparable = true; // as the proxy plans; spell_out_failover adds them back
    if (!o.mode.empty()) {
        route.mode = routing::parse_mode(o.mode);
        if (!route.mode)
            return fail(ErrorCode::invalid_argument,
                        "unknown mode '" + o.mode + "' (cost, balanced, latency, availability)");
    }
    routing::Constraints& c = route.constraints;
    c.allow_vendors = split_all(o.allow_vendors);
    c.deny_vendors = split_all(o.deny_vendors);
    c.allow_providers = split_all(o.allow_providers);
    c.deny_providers = split_all(o.deny_providers);
    c.allow_models = split_all(o.allow_models);
    c.deny_models = split_all(o.deny_models);
    if (!o.region.empty()) c.region = o.region;
    if (o.max_price >= 0) c.max_price_per_mtok = catalog::usd_per_mtok_to_nanos(o.max_price);
    if (o.max_cost >= 0) c.max_cost_per_request = static_cast<catalog::Nanos>(o.max_cost * 1e9 + 0.5);
    return route;
}

// Providers with credentials; with none (a newcomer) or --all-providers, every
// provider of the catalog, so the dry run still shows what would be picked.
std::vector<std::string> routing_providers(const RouteOptions& o, Context& context, const core::Config& config,
                                           const catalog::Catalog& catalog, std::vector<std::string>& notes) {
    std::vector<std::string> configured = providers::configured_providers(config, context.env);
    if (!configured.empty() && !o.all_providers) return configured;
    std::set<std::string> all;
    for (const catalog::Model& model : catalog.models())
        for (const catalog::Offering& offering : model.offerings) all.insert(offering.provider);
    if (configured.empty() && !o.all_providers)
        notes.push_back("no provider credentials configured: showing the choice as if every provider had a key "
                        "(set e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY)");
    return {all.begin(), all.end()};
}

int run_route(const RouteOptions& o, Context& context) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    auto routing_config = routing::parse_routing_config(**config);
    if (!routing_config) return context.report(routing_config.error());
    auto catalog = catalog::Catalog::load(**config, context.paths);
    if (!catalog) return context.report(catalog.error());
    auto chat = build_request(o, **config);
    if (!chat) return context.report(chat.error());
    auto route = build_route(o, **config);
    if (!route) return context.report(route.error());

    std::vector<std::string> notes;
    std::vector<std::string> providers = routing_providers(o, context, **config, *catalog, notes);
    routing::RoutingContext routing_context{&*catalog, providers, &*routing_config, nullptr, core::system_clock().now_ms()};

    if (o.compare) {
        std::vector<ModeChoice> choices;
        for (routing::Mode mode : {routing::Mode::cost, routing::Mode::balanced, routing::Mode::latency,
                                   routing::Mode::availability}) {
            routing::RouteRequest r = *route;
            r.mode = mode;
            choices.push_back({mode, routing::plan(r, *chat, routing_context)});
            if (choices.back().plan) routing::spell_out_failover(*choices.back().plan, routing_context);
        }
        if (o.json) std::cout << compare_to_json(choices).dump(2) << "\n";
        else print_compare(std::cout, choices);
        for (const std::string& note : notes) std::cerr << "note: " << note << "\n";
        for (const ModeChoice& choice : choices)
            if (!choice.plan) return context.report(choice.plan.error());
        return 0;
    }
    auto plan = routing::plan(*route, *chat, routing_context);
    if (!plan) return context.report(plan.error());
    routing::spell_out_failover(*plan, routing_context); // the chain the proxy walks
    plan->notes.insert(plan->notes.begin(), notes.begin(), notes.end());
    if (o.json)
        std::cout << routing::plan_to_json(*plan, o.all ? routing::PlanDetail::full : routing::PlanDetail::summary)
                         .dump(2)
                  << "\n";
    else print_plan(std::cout, *plan, {o.explain, o.all, context.color_stdout(), &routing_config->predictor()});
    return 0;
}

} // namespace

void add_route_command(CLI::App& app, Context& context) {
    auto* route = app.add_subcommand("route", "Show which model and provider a request would be routed to (dry run)");
    static RouteOptions o;
    route->add_option("prompt", o.prompt, "The prompt text (a single user message)");
    route->add_option("-r,--request", o.request_file, "An OpenAI-style chat request body (JSON file, - for stdin)")
        ->option_text("FILE");
    route->add_option("-m,--model", o.model, "auto, auto:cost|balanced|latency|availability, a model, alias or group")
        ->option_text("MODEL");
    route->add_option("--mode", o.mode, "cost, balanced, latency or availability")->option_text("MODE");
    route->add_option("-s,--system", o.system, "A system prompt")->option_text("TEXT");
    route->add_option("--max-tokens", o.max_tokens, "The request's max output tokens")->option_text("N");
    route->add_option("--allow-vendor", o.allow_vendors, "Only these vendors (repeat or comma-separate)");
    route->add_option("--deny-vendor", o.deny_vendors, "Never these vendors");
    route->add_option("--allow-provider", o.allow_providers, "Only these providers");
    route->add_option("--deny-provider", o.deny_providers, "Never these providers");
    route->add_option("--allow-model", o.allow_models, "Only these models");
    route->add_option("--deny-model", o.deny_models, "Never these models");
    route->add_option("--region", o.region, "Required data residency, e.g. eu")->option_text("REGION");
    route->add_option("--max-price", o.max_price, "Max USD per million tokens (input and output)")->option_text("USD");
    route->add_option("--max-cost", o.max_cost, "Max estimated USD for this request")->option_text("USD");
    route->add_flag("--explain", o.explain,
                    "Show the best 10 candidates and examples of every exclusion reason with its count");
    route->add_flag("--all", o.all, "List every candidate and every excluded deployment (with --json: all of them)");
    route->add_flag("--json", o.json,
                    "Print the plan as JSON (the document POST /v1/route returns): the best 10 candidates and "
                    "exclusions counted by reason, or everything with --all");
    route->add_flag("--compare", o.compare, "Show what each of the four modes would choose");
    route->add_flag("--all-providers", o.all_providers,
                    "Route as if every provider had credentials (the default when none has)");
    set_examples(*route, "  megarouter route \"hello there\"\n"
                         "  megarouter route \"prove that sqrt(2) is irrational\" --mode cost\n"
                         "  megarouter route --request body.json --json\n"
                         "  megarouter route \"hello\" --json --all     # every candidate and exclusion\n"
                         "  megarouter route \"review this diff\" --compare\n"
                         "  megarouter route \"summarise\" --model auto:latency --deny-provider openrouter --explain\n"
                         "  megarouter route \"hi\" --model team-default --max-price 5\n"
                         "  megarouter route eval labelled.jsonl     # how well routing orders prompts\n"
                         "  megarouter route train labelled.jsonl    # learn difficulty from your own results\n");
    add_route_eval_command(*route, context);
    add_route_train_command(*route, context);
    route->callback([&context, route] {
        for (CLI::App* sub : route->get_subcommands({}))
            if (sub->parsed()) return; // a subcommand (eval, train, features) ran instead
        context.exit_code = run_route(o, context);
    });
}

} // namespace megarouter::cli
