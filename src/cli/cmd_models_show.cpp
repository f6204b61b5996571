// `megarouter models show ID` (everything about one model) and
// `megarouter models price ID --input N --output N` (the cost of a usage).
#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd_models_common.hpp"
#include "megarouter/catalog/refresh.hpp"
#include "table.hpp"

namespace megarouter::cli {

namespace {

using namespace megarouter::catalog;
using nlohmann::json;

constexpr Usage k_example_usage{.input = 1000, .cached_input = 0, .cache_write = 0, .output = 500, .reasoning = 0};

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

std::string with_commas(std::int64_t n) {
    std::string digits = std::to_string(n);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
    return digits;
}

std::string optional_price(Nanos price) { return price > 0 ? models::format_price(price) : "-"; }

void print_offerings(Context& context, const Model& model) {
    Table table({{.header = "PROVIDER", .align = Align::left, .shrinkable = false, .min_width = 0, .color = "36"},
                 {.header = "MODEL ID", .align = Align::left, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "IN", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "OUT", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "CACHED", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "WRITE", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "1K IN+500 OUT", .align = Align::right, .shrinkable = false, .min_width = 0, .color = "32"}});
    for (const Offering& o : model.offerings)
        table.add_row({o.provider, o.provider_model_id, models::format_price(o.prices.input),
                       models::format_price(o.prices.output), optional_price(o.prices.cache_read),
                       optional_price(o.prices.cache_write), format_usd(cost(o, k_example_usage))});
    std::string columns = context.env("COLUMNS").value_or("");
    std::cout << "\nOfferings (USD per million tokens):\n"
              << table.render({.max_width = output_width(columns), .gap = 2, .color = context.color_stdout(), .header = true});
    for (const Offering& o : model.offerings) {
        if (o.prices.reasoning)
            std::cout << "  " << o.provider << ": reasoning tokens " << models::format_price(*o.prices.reasoning) << "/M\n";
        for (const PriceTier& tier : o.tiers)
            std::cout << "  " << o.provider << ": above " << models::format_tokens(tier.above_input_tokens)
                      << " input tokens: in " << models::format_price(tier.prices.input) << ", out "
                      << models::format_price(tier.prices.output) << ", cached " << optional_price(tier.prices.cache_read)
                      << ", write " << optional_price(tier.prices.cache_write) << "\n";
        if (o.region) std::cout << "  " << o.provider << ": region " << *o.region << "\n";
        if (o.base_url) std::cout << "  " << o.provider << ": base URL " << *o.base_url << "\n";
    }
}

// One line per category: "  coding             91.2  lmarena, 2025-12-11".
void print_quality_by_category(const Model& m) {
    if (m.quality_by_category.empty()) return;
    std::cout << "\nQuality by category (0-100):\n";
    for (const auto& [category, figure] : m.quality_by_category) {
        char value[16];
        std::snprintf(value, sizeof value, "%5.1f", figure.value);
        std::cout << "  " << category << std::string(category.size() < 22 ? 22 - category.size() : 1, ' ') << value
                  << "  " << figure.source << (figure.date.empty() ? "" : ", " + figure.date) << "\n";
    }
}

void print_model(Context& context, const Model& m) {
    auto line = [](const char* label, const std::string& value) {
        std::cout << "  " << label << std::string(14 - std::string_view(label).size(), ' ') << (value.empty() ? "-" : value) << "\n";
    };
    bool color = context.color_stdout();
    std::cout << (color ? "\x1b[1m" : "") << m.id << (color ? "\x1b[0m" : "") << "  " << m.name << "\n";
    line("vendor", m.vendor);
    line("family", m.family);
    line("released", m.released);
    line("deprecated", m.deprecated);
    line("context", with_commas(m.context_window) + " tokens");
    line("max output", m.max_output > 0 ? with_commas(m.max_output) + " tokens" : "");
    line("input", join(m.input_modalities, ", "));
    line("output", join(m.output_modalities, ", "));
    line("capabilities", models::capability_names(m, ", "));
    line("tier", std::string(to_string(m.tier)));
    line("quality", models::describe_quality(m));
    line("aliases", join(m.aliases, ", "));
    print_quality_by_category(m);
    print_offerings(context, m);
}

int run_show(Context& context, const std::string& id, bool as_json) {
    auto catalog = models::load_catalog(context);
    if (!catalog) return context.report(catalog.error());
    auto model = models::find_model(*catalog, id);
    if (!model) return context.report(model.error());
    if (!as_json) {
        print_model(context, **model);
        return 0;
    }
    json out = model_to_json(**model);
    json examples = json::array();
    for (const Offering& o : (*model)->offerings) {
        Nanos amount = cost(o, k_example_usage);
        examples.push_back({{"provider", o.provider}, {"input_tokens", 1000}, {"output_tokens", 500},
                            {"cost_usd", nanos_to_usd(amount)}, {"cost_nanos", amount}});
    }
    out["example_costs"] = std::move(examples);
    std::cout << out.dump(2) << "\n";
    return 0;
}

struct PriceOptions {
    std::string id;
    Usage usage;
    std::string provider;
    bool json = false;
};

int run_price(Context& context, const PriceOptions& options) {
    auto catalog = models::load_catalog(context);
    if (!catalog) return context.report(catalog.error());
    auto model = models::find_model(*catalog, options.id);
    if (!model) return context.report(model.error());
    const Offering* chosen = nullptr;
    if (!options.provider.empty()) {
        chosen = find_offering(**model, options.provider);
        if (!chosen) {
            std::vector<std::string> providers;
            for (const Offering& o : (*model)->offerings) providers.push_back(o.provider);
            return context.report(make_error(ErrorCode::not_found, "model '" + (*model)->id + "' is not offered by '" +
                                                                       options.provider + "' (offered by: " +
                                                                       join(providers, ", ") + ")"));
        }
    } else {
        for (const Offering& o : (*model)->offerings)
            if (!chosen || cost(o, options.usage) < cost(*chosen, options.usage)) chosen = &o;
    }
    Nanos amount = cost(*chosen, options.usage);
    if (!options.json) {
        std::cout << format_usd_plain(amount) << "\n";
        return 0;
    }
    const PriceTier* tier = applicable_tier(*chosen, options.usage);
    json out = {{"model", (*model)->id},
                {"provider", chosen->provider},
                {"provider_model_id", chosen->provider_model_id},
                {"usage",
                 {{"input", options.usage.input},
                  {"cached_input", options.usage.cached_input},
                  {"cache_write", options.usage.cache_write},
                  {"output", options.usage.output},
                  {"reasoning", options.usage.reasoning}}},
                {"tier_above_input_tokens", tier ? json(tier->above_input_tokens) : json(nullptr)},
                {"cost_usd", format_usd_plain(amount)},
                {"cost_nanos", amount}};
    std::cout << out.dump(2) << "\n";
    return 0;
}

} // namespace

void add_models_show_command(CLI::App& models, Context& context) {
    auto* show = models.add_subcommand("show", "Everything about one model: offerings, prices, an example cost");
    auto id = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    show->add_option("id", *id, "Model id, alias or provider/model id")->required();
    show->add_flag("--json", *as_json, "Print the model as JSON, with example costs");
    set_examples(*show, "  megarouter models show gpt-4o\n  megarouter models show anthropic/claude-sonnet-4 --json\n");
    show->callback([id, as_json, &context] { context.exit_code = run_show(context, *id, *as_json); });
}

void add_models_price_command(CLI::App& models, Context& context) {
    auto* price = models.add_subcommand("price", "The cost in USD of a given usage (for scripts)");
    auto o = std::make_shared<PriceOptions>();
    price->add_option("id", o->id, "Model id, alias or provider/model id")->required();
    price->add_option("--input", o->usage.input, "Input tokens not read from cache")->option_text("N")->check(CLI::NonNegativeNumber);
    price->add_option("--output", o->usage.output, "Output tokens, reasoning included")->option_text("N")->check(CLI::NonNegativeNumber);
    price->add_option("--cached", o->usage.cached_input, "Input tokens read from cache")->option_text("N")->check(CLI::NonNegativeNumber);
    price->add_option("--cache-write", o->usage.cache_write, "Input tokens written to cache")->option_text("N")->check(CLI::NonNegativeNumber);
    price->add_option("--reasoning", o->usage.reasoning, "Of the output, reasoning tokens")->option_text("N")->check(CLI::NonNegativeNumber);
    price->add_option("--provider", o->provider, "Price at this provider (default: the cheapest for this usage)")
        ->option_text("NAME");
    price->add_flag("--json", o->json, "Print a JSON object with the offering, tier and cost");
    set_examples(*price, "  megarouter models price gpt-4o --input 1000 --output 500        # prints 0.0075\n"
                         "  megarouter models price claude-sonnet-4 --input 250000 --output 2000 --json\n"
                         "  megarouter models price gpt-4o --input 2000 --cached 8000 --output 1000 --provider azure\n");
    price->callback([o, &context] { context.exit_code = run_price(context, *o); });
}

} // namespace megarouter::cli
