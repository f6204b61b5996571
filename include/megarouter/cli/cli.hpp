// The command line: `megarouter <subcommand> ...`. Subcommands are registered
// in one table (src/cli/commands.cpp), each in its own file.
#pragma once

namespace megarouter::cli {

// Parses argv, runs the chosen subcommand and returns the process exit code
// (see man/megarouter.1). CLI11 parse errors map to 64.
int run(int argc, char** argv);

} // namespace megarouter::cli
