// Internal to the CLI: `megarouter route eval` and `route train`, subcommands of `route`.
#pragma once

#include <CLI/CLI.hpp>

namespace megarouter::cli {

struct Context;

// Adds `eval` under `route` and returns it (route's own callback skips when it ran).
CLI::App* add_route_eval_command(CLI::App& route, Context& context);

// Adds `train` under `route` and returns it (cmd_route_train.cpp).
CLI::App* add_route_train_command(CLI::App& route, Context& context);

} // namespace megarouter::cli
