// `megarouter models [list]`: the catalog as a table, JSON, JSON lines or CSV,
// filtered and sorted. Also registers `models show|price|refresh`.
#include <algorithm>
#include <iostream>
#include <memory>

#include "cmd_models_common.hpp"
#include "megarouter/catalog/refresh.hpp"
#include "table.hpp"

namespace megarouter::cli {

void add_models_show_command(CLI::App& models, Context& context);
void add_models_price_command(CLI::App& models, Context& context);
void add_models_refresh_command(CLI::App& models, Context& context);

namespace {

using namespace megarouter::catalog;
using nlohmann::json;

struct ListOptions {
    std::vector<std::string> vendors;
    std::vector<std::string> providers;
    std::string search;
    std::vector<std::string> capabilities;
    std::vector<std::string> tiers;
    std::int64_t min_context = 0;
    double max_input_price = -1;  // USD per million; < 0 = no limit
    double max_output_price = -1;
    bool include_deprecated = false;
    std::string sort = "vendor";
    bool reverse = false;
    bool json = false;
    bool jsonl = false;
    bool csv = false;
};

// A model as listed: the model and the offering whose price is shown.
struct Row {
    const Model* model;
    const Offering* offering;
};

bool contains_ci(std::string_view haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
    return it != haystack.end();
}

bool in_list_ci(const std::vector<std::string>& list, std::string_view value) {
    return std::any_of(list.begin(), list.end(),
                       [&](const std::string& item) { return item.size() == value.size() && contains_ci(item, value); });
}

bool matches_search(const Model& model, const std::string& text) {
    if (text.empty() || contains_ci(model.id, text) || contains_ci(model.name, text)) return true;
    return std::any_of(model.aliases.begin(), model.aliases.end(), [&](const std::string& a) { return contains_ci(a, text); });
}

const Offering* listed_offering(const Model& model, const ListOptions& options) {
    if (options.providers.empty()) return cheapest_offering(model);
    const Offering* best = nullptr;
    for (const Offering& offering : model.offerings)
        if (in_list_ci(options.providers, offering.provider) &&
            (!best || offering.prices.input + offering.prices.output < best->prices.input + best->prices.output))
            best = &offering;
    return best;
}

std::vector<Row> select_rows(const Catalog& catalog, const ListOptions& options, std::uint32_t caps,
                             const std::vector<Tier>& tiers) {
    std::string today = today_utc();
    std::vector<Row> rows;
    for (const Model& model : catalog.models()) {
        const Offering* offering = listed_offering(model, options);
        if (!offering) continue;
        if (!options.include_deprecated && is_deprecated(model, today)) continue;
        if (!options.vendors.empty() && !in_list_ci(options.vendors, model.vendor)) continue;
        if ((model.capabilities & caps) != caps) continue;
        if (!tiers.empty() && std::find(tiers.begin(), tiers.end(), model.tier) == tiers.end()) continue;
        if (model.context_window < options.min_context) continue;
        if (options.max_input_price >= 0 && offering->prices.input > usd_per_mtok_to_nanos(options.max_input_price)) continue;
        if (options.max_output_price >= 0 && offering->prices.output > usd_per_mtok_to_nanos(options.max_output_price))
            continue;
        if (!matches_search(model, options.search)) continue;
        rows.push_back({&model, offering});
    }
    return rows;
}

void sort_rows(std::vector<Row>& rows, const std::string& key, bool reverse) {
    auto by_id = [](const Row& a, const Row& b) { return a.model->id < b.model->id; };
    std::stable_sort(rows.begin(), rows.end(), by_id);
    auto order = [&](auto less) { std::stable_sort(rows.begin(), rows.end(), less); };
    if (key == "vendor") order([](const Row& a, const Row& b) { return a.model->vendor < b.model->vendor; });
    else if (key == "price")
        order([](const Row& a, const Row& b) {
            if (a.offering->prices.input != b.offering->prices.input) return a.offering->prices.input < b.offering->prices.input;
            return a.offering->prices.output < b.offering->prices.output;
        });
    else if (key == "output-price")
        order([](const Row& a, const Row& b) { return a.offering->prices.output < b.offering->prices.output; });
    else if (key == "context")
        order([](const Row& a, const Row& b) { return a.model->context_window > b.model->context_window; });
    else if (key == "released") // newest first, unknown dates last
        order([](const Row& a, const Row& b) { return a.model->released > b.model->released; });
    else if (key == "quality")
        order([](const Row& a, const Row& b) { return a.model->quality.value_or(-1) > b.model->quality.value_or(-1); });
    if (reverse) std::reverse(rows.begin(), rows.end());
}

json row_json(const Row& row) {
    json out = model_to_json(*row.model);
    const Offering& o = *row.offering;
    out["price"] = {{"provider", o.provider},
                    {"provider_model_id", o.provider_model_id},
                    {"in", nanos_to_usd(o.prices.input)},
                    {"out", nanos_to_usd(o.prices.output)},
                    {"cache_read", nanos_to_usd(o.prices.cache_read)}};
    return out;
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

void print_csv(const std::vector<Row>& rows) {
    std::cout << "id,name,vendor,family,provider,provider_model_id,context,max_output,input_per_mtok,output_per_mtok,"
                 "cache_read_per_mtok,tier,quality,capabilities,released,deprecated,quality_source,quality_date\r\n";
    for (const Row& row : rows) {
        const Model& m = *row.model;
        const PriceSet& p = row.offering->prices;
        std::vector<std::string> fields = {m.id, m.name, m.vendor, m.family, row.offering->provider,
                                           row.offering->provider_model_id, std::to_string(m.context_window),
                                           std::to_string(m.max_output), format_usd_plain(p.input),
                                           format_usd_plain(p.output), format_usd_plain(p.cache_read),
                                           std::string(to_string(m.tier)),
                                           m.quality ? json(*m.quality).dump() : std::string(),
                                           models::capability_names(m, ";"), m.released, m.deprecated,
                                           m.quality_source, m.quality_date};
        for (std::size_t i = 0; i < fields.size(); ++i) std::cout << (i ? "," : "") << csv_field(fields[i]);
        std::cout << "\r\n";
    }
}

void print_table(Context& context, const std::vector<Row>& rows, bool by_provider) {
    Table table({{.header = "ID", .align = Align::left, .shrinkable = true, .min_width = 24, .color = "36"},
                 {.header = "VENDOR", .align = Align::left, .shrinkable = true, .min_width = 9, .color = ""},
                 {.header = "CTX", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "IN $/M", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "OUT $/M", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "TIER", .align = Align::left, .shrinkable = false, .min_width = 0, .color = "33"},
                 {.header = "QUAL", .align = Align::right, .shrinkable = false, .min_width = 0, .color = ""},
                 {.header = "CAPS", .align = Align::left, .shrinkable = false, .min_width = 0, .color = ""}});
    for (const Row& row : rows)
        table.add_row({row.model->id, row.model->vendor, models::format_tokens(row.model->context_window),
                       models::format_price(row.offering->prices.input), models::format_price(row.offering->prices.output),
                       std::string(to_string(row.model->tier)), models::format_quality(*row.model),
                       models::capability_letters(*row.model)});
    std::string columns = context.env("COLUMNS").value_or("");
    std::cout << table.render({.max_width = output_width(columns), .gap = 2, .color = context.color_stdout(), .header = true});
    std::cout << rows.size() << (rows.size() == 1 ? " model" : " models") << "; prices in USD per million tokens at "
              << (by_provider ? "the chosen provider" : "the cheapest offering") << ".\n"
              << models::k_capability_legend << "\n"
              << models::k_quality_legend << "\n";
}

int usage_error(const std::string& message) {
    std::cerr << "megarouter: " << message << "\n";
    return k_exit_usage;
}

int run_list(Context& context, const ListOptions& options) {
    std::uint32_t caps = 0;
    for (const std::string& name : options.capabilities) {
        auto cap = parse_capability(name);
        if (!cap)
            return usage_error("unknown capability '" + name +
                               "' (known: tools, parallel_tools, vision, json_schema, reasoning, prompt_caching, "
                               "audio_input, pdf_input)");
        caps |= *cap;
    }
    std::vector<Tier> tiers;
    for (const std::string& name : options.tiers) {
        auto tier = parse_tier(name);
        if (!tier) return usage_error("unknown tier '" + name + "' (known: light, standard, strong, frontier)");
        tiers.push_back(*tier);
    }
    if (int formats = options.json + options.jsonl + options.csv; formats > 1)
        return usage_error("choose one of --json, --jsonl and --csv");
    auto catalog = models::load_catalog(context);
    if (!catalog) return context.report(catalog.error());
    std::vector<Row> rows = select_rows(*catalog, options, caps, tiers);
    sort_rows(rows, options.sort, options.reverse);
    if (options.json) {
        json out = json::array();
        for (const Row& row : rows) out.push_back(row_json(row));
        std::cout << out.dump(2) << "\n";
    } else if (options.jsonl) {
        for (const Row& row : rows) std::cout << row_json(row).dump() << "\n";
    } else if (options.csv) {
        print_csv(rows);
    } else {
        print_table(context, rows, !options.providers.empty());
    }
    return 0;
}

void add_list_options(CLI::App& app, ListOptions& o) {
    app.add_option("--vendor", o.vendors, "Only these vendors (comma-separated)")->delimiter(',')->option_text("NAME");
    app.add_option("--provider", o.providers, "Only models these providers offer; show their price")
        ->delimiter(',')
        ->option_text("NAME");
    app.add_option("--search", o.search, "Only ids, names or aliases containing TEXT")->option_text("TEXT");
    app.add_option("--capability", o.capabilities,
                   "Require all of: tools, parallel_tools, vision, json_schema, reasoning, prompt_caching, "
                   "audio_input, pdf_input")
        ->delimiter(',')
        ->option_text("LIST");
    app.add_option("--tier", o.tiers, "Only these tiers: light, standard, strong, frontier")->delimiter(',')->option_text("LIST");
    app.add_option("--min-context", o.min_context, "Only context windows of at least N tokens")->option_text("N");
    app.add_option("--max-input-price", o.max_input_price, "Only input prices up to X USD per million tokens")
        ->option_text("X");
    app.add_option("--max-output-price", o.max_output_price, "Only output prices up to X USD per million tokens")
        ->option_text("X");
    app.add_flag("--include-deprecated", o.include_deprecated, "Also list retired models");
    app.add_option("--sort", o.sort,
                   "Order: vendor (default), name, price, output-price (cheapest first), context, released, quality "
                   "(largest/newest first)")
        ->check(CLI::IsMember({"vendor", "name", "price", "output-price", "context", "released", "quality"}))
        ->option_text("KEY");
    app.add_flag("--reverse", o.reverse, "Reverse the order");
    app.add_flag("--json", o.json, "Print one JSON array of models");
    app.add_flag("--jsonl", o.jsonl, "Print one JSON object per line");
    app.add_flag("--csv", o.csv, "Print CSV with a header row");
}

} // namespace

void add_models_command(CLI::App& app, Context& context) {
    auto* models = app.add_subcommand("models", "List models, their prices and capabilities");
    set_examples(*models, "  megarouter models\n"
                          "  megarouter models --vendor anthropic --sort price\n"
                          "  megarouter models --capability tools,vision --max-input-price 1\n"
                          "  megarouter models --provider groq --json\n"
                          "  megarouter models show claude-sonnet-4\n"
                          "  megarouter models price gpt-4o --input 12000 --output 800\n"
                          "  megarouter models refresh --from https://openrouter.ai/api/v1/models --dry-run\n");
    auto top_options = std::make_shared<ListOptions>();
    add_list_options(*models, *top_options);
    models->callback([models, top_options, &context] {
        if (models->get_subcommands().empty()) context.exit_code = run_list(context, *top_options);
    });

    auto* list = models->add_subcommand("list", "List models (the same as 'megarouter models')");
    auto list_options = std::make_shared<ListOptions>();
    add_list_options(*list, *list_options);
    set_examples(*list, "  megarouter models list --tier light --sort price\n  megarouter models list --csv > models.csv\n");
    list->callback([list_options, &context] { context.exit_code = run_list(context, *list_options); });

    add_models_show_command(*models, context);
    add_models_price_command(*models, context);
    add_models_refresh_command(*models, context);
}

} // namespace megarouter::cli
