// `megarouter completion bash|zsh|fish`: hidden; regenerates completions/.
#include <iostream>
#include <set>

#include "cmd_org_common.hpp"
#include "completion.hpp"
#include "context.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/routing/routing_config.hpp"

namespace megarouter::cli {

void build_app_for_introspection(CLI::App& app, Context& context);

namespace {

// What -m/--model accepts: catalog ids and aliases (the refreshed catalog
// and [[models]] included), the config's groups and aliases, and auto modes.
void print_model_names(Context& context) {
    auto config = context.config();
    if (!config) return;
    std::set<std::string> names = {"auto", "auto:balanced", "auto:cost", "auto:latency", "auto:availability"};
    if (auto catalog = catalog::Catalog::load(**config, context.paths))
        for (const catalog::Model& model : catalog->models()) {
            names.insert(model.id);
            names.insert(model.aliases.begin(), model.aliases.end());
        }
    if (auto routing = routing::parse_routing_config(**config)) {
        for (const auto& [name, group] : routing->groups) names.insert(name);
        for (const auto& [name, target] : routing->aliases) names.insert(name);
    }
    for (const std::string& name : names) std::cout << name << "\n";
}

// The hierarchy's node paths in the local database, for governance commands
// (errors go to stderr, which the scripts discard).
void print_node_paths(Context& context) {
    with_admin(context, [](governance::Admin& admin) {
        if (auto nodes = admin.list_nodes("", std::nullopt))
            for (const governance::Node& node : *nodes) std::cout << node.path << "\n";
        return 0;
    });
}

} // namespace

void add_completion_command(CLI::App& app, Context& context) {
    auto* completion = app.add_subcommand("completion", "Print shell completions (bash, zsh, fish)");
    completion->group(""); // hidden: used to generate completions/
    static std::string shell;
    completion->add_option("shell", shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    completion->callback([&context] {
        CLI::App full{"megarouter", "megarouter"};
        Context scratch;
        build_app_for_introspection(full, scratch);
        std::cout << completion_script(full, shell);
        context.exit_code = 0;
    });

    // `megarouter __complete models|nodes`: hidden; what the completion
    // scripts offer for -m/--model and for node paths, read from the binary's
    // catalog and the local database at TAB time. Prints nothing on error.
    auto* values = app.add_subcommand("__complete", "Values for shell completion");
    values->group("");
    static std::string kind;
    values->add_option("kind", kind, "models or nodes")->required()->check(CLI::IsMember({"models", "nodes"}));
    values->callback([&context] {
        if (kind == "models") print_model_names(context);
        else print_node_paths(context);
        context.exit_code = 0;
    });
}

} // namespace megarouter::cli
