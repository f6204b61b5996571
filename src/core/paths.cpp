#include "megarouter/core/paths.hpp"

#include <cstdlib>
#include <sys/stat.h>

namespace megarouter::core {

namespace fs = std::filesystem;

EnvLookup process_env() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr || *value == '\0') return std::nullopt;
        return std::string(value);
    };
}

namespace {

fs::path xdg_dir(const EnvLookup& env, const char* variable, const char* fallback_under_home) {
    if (auto value = env(variable)) return fs::path(*value);
    fs::path home = env("HOME").value_or("/tmp");
    return home / fallback_under_home;
}

} // namespace

Paths resolve_paths(const EnvLookup& env) {
    Paths paths;
    if (auto home = env("MEGAROUTER_HOME")) {
        fs::path root(*home);
        paths.config_file = root / "config.toml";
        paths.data_dir = root;
        paths.cache_dir = root / "cache";
    } else {
        paths.config_file = xdg_dir(env, "XDG_CONFIG_HOME", ".config") / "megarouter" / "config.toml";
        paths.data_dir = xdg_dir(env, "XDG_DATA_HOME", ".local/share") / "megarouter";
        paths.cache_dir = xdg_dir(env, "XDG_CACHE_HOME", ".cache") / "megarouter";
    }
    paths.db_file = paths.data_dir / "megarouter.db";
    return paths;
}

Result<void> ensure_private_dir(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return {};
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::io, "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    return {};
}

} // namespace megarouter::core
