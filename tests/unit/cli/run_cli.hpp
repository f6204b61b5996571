// Runs the `megarouter` CLI in-process, capturing what it prints, for unit
// tests that drive a subcommand (set MEGAROUTER_HOME first).
#pragma once

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "megarouter/cli/cli.hpp"

namespace megarouter::test {

struct CliOutcome {
    int code;
    std::string out;
    std::string err;
};

// `megarouter <args>`: its exit code, stdout and stderr. Not thread-safe
// (it swaps std::cout's and std::cerr's buffers).
inline CliOutcome run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "megarouter");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    int code = cli::run(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    return {code, out.str(), err.str()};
}

} // namespace megarouter::test
