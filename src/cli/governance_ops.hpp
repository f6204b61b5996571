// The governance subcommands built from governance::operations(): one
// CLI11 subcommand per table entry, its options from the entry's arguments,
// and a printer per operation for the text people read (--json prints the
// operation's answer, the admin API's response body).
#pragma once

#include <string_view>

#include "context.hpp"
#include "megarouter/governance/operations.hpp"

namespace megarouter::cli {

// How the CLI shows an operation's answer without --json, and what its
// --json flag says.
struct Printer {
    std::string_view operation; // "budget set"
    void (*print)(const nlohmann::json& answer);
    std::string_view json_help = "Print JSON";
};

// The printer of `operation`, or nullptr.
const Printer* printer_for(std::string_view operation);

// Adds one subcommand per table operation of `group` ("budget") to
// `command`, in table order. `implied` holds arguments the command itself
// gives (a node level's kind); each operation receives those it declares.
void add_operations(CLI::App& command, Context& context, std::string_view group,
                    const governance::Arguments& implied = nlohmann::json::object());

} // namespace megarouter::cli
