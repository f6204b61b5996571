// The configuration file (TOML) and its precedence rules: flags > environment
// > config file > built-in defaults. Core settings are typed here; other
// modules read their own sections from `document` (the file as JSON).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"

namespace megarouter::core {

// What the file says about one upstream provider.
struct ProviderSettings {
    std::optional<std::string> api_key;
    std::optional<std::string> base_url;
    bool enabled = true;
};

struct ServerSettings {
    std::string host = "127.0.0.1";
    int port = 4000;
    std::int64_t max_body_bytes = 32 * 1024 * 1024; // agents send megabytes
    std::int64_t max_header_bytes = 64 * 1024;
    int request_timeout_s = 600;      // overall deadline of one request
    int idle_stream_timeout_s = 300;  // silence allowed on an upstream stream
    int connect_timeout_s = 10;
    int max_concurrent = 1024;        // in-flight requests before 503
    int threads = 0;                  // event-loop threads (0: one per CPU the process may use)
    int shutdown_grace_s = 20;
    std::string access_log;           // "" = stderr, "-" = stdout, else a file, "off"
    bool access_log_json = false;
    bool require_keys = false;
    bool log_prompts = false;
    // Security limits (docs/security.md).
    int max_connections = 0;          // open client connections; 0 = sized to the fd limit
    int head_timeout_s = 30;          // deadline for a whole request head
    int min_body_rate = 1024;         // bytes/s a request body must keep up after its first 10 s
    int max_json_depth = 64;          // nesting limit of every JSON body the proxy or admin API reads
    std::int64_t max_json_values = 1'000'000; // values (and keys) in one JSON body: bounds its tree's memory
    int blocking_workers = 8;         // threads running admin/spend routes (after authentication)
    std::vector<std::string> allowed_hosts; // Host names accepted besides the loopback ones
    std::vector<std::string> cors_origins;  // browser origins allowed to call the API ("*" = any)
};

struct Config {
    std::filesystem::path file;       // where it was read from ("" if none)
    bool file_exists = false;
    std::string default_model = "auto";
    std::string default_mode = "balanced";
    bool log_prompts = true;          // CLI prompt/response log (like `llm logs`)
    // [defaults] identity: the hierarchy path ("acme/eng/web/alice") that
    // `megarouter prompt` spends as in the ledger; "" = the local login.
    std::string identity;
    std::filesystem::path database;   // resolved database path
    std::filesystem::path data_dir;   // Paths::data_dir (load_config); "" when parsed alone
    ServerSettings server;
    std::map<std::string, ProviderSettings> providers;
    nlohmann::json document = nlohmann::json::object(); // the whole file
    std::map<std::string, int> lines; // JSON pointer of a key -> line in the file

    // "config.toml:12" for a key path such as "/routing/weights", or the file
    // name when the line is unknown. Used in error messages.
    std::string where(const std::string& pointer) const;
};

// Parses TOML text into a Config. `origin` names the source in errors.
// Fails with `config` and "file:line:col: what is wrong".
Result<Config> parse_config(std::string_view text, const std::filesystem::path& origin);

// Loads the config file at `paths.config_file` if it exists (a missing file
// is not an error), then applies environment overrides (MEGAROUTER_MODEL,
// MEGAROUTER_MODE, MEGAROUTER_DB). Fails with `config`.
Result<Config> load_config(const Paths& paths, const EnvLookup& env);

// The commented starter file that `megarouter config init` writes.
std::string starter_config();

// The config as TOML-ish text with every secret masked (`config show`).
std::string describe_config(const Config& config);

// "sk-abc...wxyz" style mask: keeps a short prefix, hides the rest.
std::string mask_secret(std::string_view secret);

} // namespace megarouter::core
