// Where megarouter keeps its files: config, database and cache, following the
// XDG base-directory rules, with MEGAROUTER_HOME putting all of them under one
// folder (tests use it).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "megarouter/core/error.hpp"

namespace megarouter::core {

struct Paths {
    std::filesystem::path config_file; // .../megarouter/config.toml
    std::filesystem::path data_dir;    // .../megarouter
    std::filesystem::path db_file;     // data_dir / megarouter.db
    std::filesystem::path cache_dir;   // .../megarouter (cache)
};

// Reads an environment variable; tests inject a fake.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup process_env();

// Resolves the paths from MEGAROUTER_HOME, or XDG_CONFIG_HOME / XDG_DATA_HOME /
// XDG_CACHE_HOME, or HOME. Pure: creates nothing.
Paths resolve_paths(const EnvLookup& env);

// Creates `dir` (and parents) with mode 0700 if missing. Fails with io.
Result<void> ensure_private_dir(const std::filesystem::path& dir);

} // namespace megarouter::core
