// `megarouter config path|show|init`.
#include <fstream>
#include <iostream>
#include <sys/stat.h>

#include "context.hpp"

namespace megarouter::cli {

namespace {

int config_path(Context& context) {
    std::string file = context.config_override.empty() ? context.paths.config_file.string() : context.config_override;
    std::cout << file << "\n";
    return 0;
}

int config_show(Context& context, bool json) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    if (json) {
        nlohmann::json out = (*config)->document;
        if (out.contains("providers"))
            for (auto& [name, p] : out["providers"].items())
                if (p.contains("api_key") && p["api_key"].is_string())
                    p["api_key"] = core::mask_secret(p["api_key"].get<std::string>());
        std::cout << out.dump(2) << "\n";
    } else {
        std::cout << core::describe_config(**config);
    }
    return 0;
}

int config_init(Context& context, bool force) {
    std::filesystem::path file =
        context.config_override.empty() ? context.paths.config_file : std::filesystem::path(context.config_override);
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !force) {
        std::cerr << "megarouter: " << file.string() << " already exists (use --force to overwrite)\n";
        return k_exit_data;
    }
    if (auto dir = core::ensure_private_dir(file.parent_path()); !dir) return context.report(dir.error());
    std::ofstream out(file, std::ios::trunc);
    if (!out) return context.report(make_error(ErrorCode::io, "cannot write " + file.string()));
    out << core::starter_config();
    out.close();
    ::chmod(file.c_str(), 0600); // it may come to hold API keys
    std::cout << "wrote " << file.string() << "\n";
    return 0;
}

} // namespace

void add_config_command(CLI::App& app, Context& context) {
    auto* config = app.add_subcommand("config", "Show, locate or create the configuration file");
    config->require_subcommand(1);
    set_examples(*config, "  megarouter config path\n  megarouter config init\n  megarouter config show --json\n");

    auto* path = config->add_subcommand("path", "Print where the config file is read from");
    path->callback([&context] { context.exit_code = config_path(context); });

    auto* show = config->add_subcommand("show", "Print the effective configuration, secrets masked");
    static bool show_json = false;
    show->add_flag("--json", show_json, "Print the config file as JSON");
    show->callback([&context] { context.exit_code = config_show(context, show_json); });

    auto* init = config->add_subcommand("init", "Write a commented starter config file");
    static bool force = false;
    init->add_flag("--force", force, "Overwrite an existing file");
    init->callback([&context] { context.exit_code = config_init(context, force); });
}

} // namespace megarouter::cli
