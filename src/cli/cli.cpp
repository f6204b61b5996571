#include "megarouter/cli/cli.hpp"

#include <iostream>

#include "context.hpp"

namespace megarouter::cli {

namespace {

void build_app(CLI::App& app, Context& context) {
    app.set_version_flag("-V,--version", std::string("megarouter ") + MEGAROUTER_VERSION);
    app.add_option("--config", context.config_override, "Read this config file instead of the default")
        ->option_text("FILE");
    app.require_subcommand(1);
    app.fallthrough();
    for (const CommandSpec& spec : commands()) spec.add(app, context);
    app.footer("\nRun 'megarouter <command> --help' for a command's options and examples.\n"
               "Exit codes: 0 ok, 1 error, 64 usage, 65 bad data, 66 no input, 69 unavailable,\n"
               "75 temporary failure, 77 denied, 78 config error, 130 interrupted.");
}

} // namespace

int run(int argc, char** argv) {
    CLI::App app{"megarouter: an AI gateway and LLM router in one binary", "megarouter"};
    Context context;
    context.paths = core::resolve_paths(context.env);
    build_app(app, context);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& success) {
        return app.exit(success); // --help, --version
    } catch (const CLI::ParseError& error) {
        app.exit(error);
        return k_exit_usage;
    }
    return context.exit_code;
}

// Exposed for the completion generator and its test.
void build_app_for_introspection(CLI::App& app, Context& context) { build_app(app, context); }

} // namespace megarouter::cli
