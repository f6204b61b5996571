#include "context.hpp"

// The one table of subcommands. Each entry's `add` lives in its own file.

namespace megarouter::cli {

void add_config_command(CLI::App& app, Context& context);
void add_completion_command(CLI::App& app, Context& context);
void add_serve_command(CLI::App& app, Context& context);

namespace {

constexpr CommandSpec k_commands[] = {
    {"config", "Show, locate or create the configuration file", add_config_command},
    {"serve", "Run the gateway: an OpenAI- and Anthropic-compatible HTTP proxy", add_serve_command},
    {"completion", "Print shell completions (bash, zsh, fish)", add_completion_command},
};

} // namespace

std::span<const CommandSpec> commands() { return k_commands; }

} // namespace megarouter::cli
