// Internal to the CLI: `megarouter route eval`, a subcommand of `route`.
#pragma once

#include <CLI/CLI.hpp>

namespace megarouter::cli {

struct Context;

// Adds `eval` under `route` and returns it (route's own callback skips when it ran).
CLI::App* add_route_eval_command(CLI::App& route, Context& context);

} // namespace megarouter::cli
