// Shell completion scripts generated from the CLI11 app itself, so they can
// never miss a subcommand or an option that exists.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace megarouter::cli {

// The completion script for "bash", "zsh" or "fish"; empty for another shell.
std::string completion_script(const CLI::App& app, const std::string& shell);

} // namespace megarouter::cli
