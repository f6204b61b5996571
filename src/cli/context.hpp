// What every subcommand shares: paths, environment, the lazily loaded config,
// and how to print errors. Subcommands receive it by reference.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::cli {

struct Context {
    core::EnvLookup env = core::process_env();
    core::Paths paths;
    std::string config_override; // --config
    int exit_code = 0;

    // Loads the config once (flags > env > file > defaults). Fails with config.
    Result<const core::Config*> config();
    // Prints "megarouter: <message>" on stderr and returns the error's exit code.
    int report(const Error& error) const;
    // Whether stdout / stderr are terminals that may get colour (honours NO_COLOR).
    bool color_stdout() const;
    bool color_stderr() const;

private:
    std::optional<core::Config> m_config;
};

// One subcommand: its name, one line of help, and the function that adds it
// (with its options and callback) to the parent app.
struct CommandSpec {
    const char* name;
    const char* help;
    void (*add)(CLI::App& app, Context& context);
};

// The table of subcommands, in the order `--help` lists them.
std::span<const CommandSpec> commands();

// Sets the footer with examples shown by `<sub> --help`.
void set_examples(CLI::App& sub, const std::string& examples);

} // namespace megarouter::cli
