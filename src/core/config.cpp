#include "megarouter/core/config.hpp"

#include "config_schema.hpp"
#include "megarouter/core/database_location.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace megarouter::core {

namespace {

using nlohmann::json;

json to_json(const toml::node& node, const std::string& pointer, std::map<std::string, int>& lines) {
    lines[pointer] = static_cast<int>(node.source().begin.line);
    if (auto* table = node.as_table()) {
        json out = json::object();
        for (auto&& [key, value] : *table) {
            std::string child = pointer + "/" + std::string(key.str());
            lines[child] = static_cast<int>(key.source().begin.line);
            out[std::string(key.str())] = to_json(value, child, lines);
        }
        return out;
    }
    if (auto* array = node.as_array()) {
        json out = json::array();
        std::size_t index = 0;
        for (auto&& value : *array) out.push_back(to_json(value, pointer + "/" + std::to_string(index++), lines));
        return out;
    }
    if (auto v = node.value<std::string>(); v && node.is_string()) return *v;
    if (node.is_boolean()) return *node.value<bool>();
    if (node.is_integer()) return *node.value<std::int64_t>();
    if (node.is_floating_point()) return *node.value<double>();
    if (auto date = node.value<toml::date>()) {
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d", date->year, date->month, date->day);
        return std::string(text);
    }
    return nullptr; // times and date-times are not used by any setting
}

Error config_error(const Config& config, const std::string& pointer, const std::string& what) {
    return make_error(ErrorCode::config, config.where(pointer) + ": " + what);
}

template <typename T>
Result<void> read(const Config& config, const std::string& pointer, T& target) {
    json::json_pointer ptr(pointer);
    if (!config.document.contains(ptr)) return {};
    const json& value = config.document.at(ptr);
    try {
        target = value.get<T>();
    } catch (const json::exception&) {
        return std::unexpected(config_error(config, pointer, "wrong type: " + std::string(value.type_name())));
    }
    return {};
}

Result<void> read_core_settings(Config& c) {
    ServerSettings& s = c.server;
    for (auto step : {read(c, "/defaults/model", c.default_model), read(c, "/defaults/mode", c.default_mode),
                      read(c, "/defaults/log_prompts", c.log_prompts), read(c, "/defaults/identity", c.identity),
                      read(c, "/server/host", s.host),
                      read(c, "/server/port", s.port), read(c, "/server/max_body_bytes", s.max_body_bytes),
                      read(c, "/server/max_header_bytes", s.max_header_bytes),
                      read(c, "/server/request_timeout_s", s.request_timeout_s),
                      read(c, "/server/idle_stream_timeout_s", s.idle_stream_timeout_s),
                      read(c, "/server/connect_timeout_s", s.connect_timeout_s),
                      read(c, "/server/max_concurrent", s.max_concurrent),
                      read(c, "/server/threads", s.threads),
                      read(c, "/server/shutdown_grace_s", s.shutdown_grace_s),
                      read(c, "/server/access_log", s.access_log),
                      read(c, "/server/access_log_json", s.access_log_json),
                      read(c, "/server/require_keys", s.require_keys),
                      read(c, "/server/log_prompts", s.log_prompts),
                      read(c, "/server/max_connections", s.max_connections),
                      read(c, "/server/head_timeout_s", s.head_timeout_s),
                      read(c, "/server/min_body_rate", s.min_body_rate),
                      read(c, "/server/max_json_depth", s.max_json_depth),
                      read(c, "/server/max_json_values", s.max_json_values),
                      read(c, "/server/blocking_workers", s.blocking_workers),
                      read(c, "/server/allowed_hosts", s.allowed_hosts),
                      read(c, "/server/cors_origins", s.cors_origins)}) {
        if (!step) return step;
    }
    if (s.port < 0 || s.port > 65535) return std::unexpected(config_error(c, "/server/port", "port must be 0..65535"));
    if (s.max_body_bytes <= 0) return std::unexpected(config_error(c, "/server/max_body_bytes", "must be positive"));
    if (s.max_concurrent <= 0) return std::unexpected(config_error(c, "/server/max_concurrent", "must be positive"));
    if (s.threads < 0 || s.threads > 1024)
        return std::unexpected(config_error(c, "/server/threads", "must be 0 (one per CPU) to 1024"));
    if (s.max_connections < 0) return std::unexpected(config_error(c, "/server/max_connections", "must be 0 (sized to the fd limit) or positive"));
    if (s.head_timeout_s <= 0) return std::unexpected(config_error(c, "/server/head_timeout_s", "must be positive"));
    if (s.min_body_rate < 0) return std::unexpected(config_error(c, "/server/min_body_rate", "must be 0 (off) or positive"));
    // Copying or dumping a tree recurses once per level, on a connection's
    // 512 KB fiber stack: 512 levels stay far inside it (core/json.hpp).
    if (s.max_json_depth < 2 || s.max_json_depth > 512)
        return std::unexpected(config_error(c, "/server/max_json_depth", "must be 2 to 512"));
    if (s.max_json_values < 16)
        return std::unexpected(config_error(c, "/server/max_json_values", "must be at least 16"));
    if (s.blocking_workers < 1 || s.blocking_workers > 256)
        return std::unexpected(config_error(c, "/server/blocking_workers", "must be 1 to 256"));
    static const char* modes[] = {"balanced", "cost", "latency", "availability"};
    if (std::find(std::begin(modes), std::end(modes), c.default_mode) == std::end(modes))
        return std::unexpected(config_error(c, "/defaults/mode", "unknown mode '" + c.default_mode +
                                                                   "' (balanced, cost, latency, availability)"));
    return {};
}

Result<void> read_providers(Config& c) {
    if (!c.document.contains("providers")) return {};
    const json& providers = c.document["providers"];
    if (!providers.is_object()) return std::unexpected(config_error(c, "/providers", "must be a table"));
    for (auto& [name, value] : providers.items()) {
        std::string base = "/providers/" + name;
        if (!value.is_object()) return std::unexpected(config_error(c, base, "must be a table"));
        ProviderSettings settings;
        std::string key, url;
        if (auto r = read(c, base + "/api_key", key); !r) return r;
        if (auto r = read(c, base + "/base_url", url); !r) return r;
        if (auto r = read(c, base + "/enabled", settings.enabled); !r) return r;
        if (!key.empty()) settings.api_key = key;
        if (!url.empty()) {
            if (!url.starts_with("http://") && !url.starts_with("https://"))
                return std::unexpected(config_error(c, base + "/base_url", "must start with http:// or https://"));
            settings.base_url = url;
        }
        c.providers[name] = settings;
    }
    return {};
}

} // namespace

std::string Config::where(const std::string& pointer) const {
    std::string name = file.empty() ? "config" : file.string();
    auto it = lines.find(pointer);
    if (it == lines.end() || it->second <= 0) return name;
    return name + ":" + std::to_string(it->second);
}

Result<Config> parse_config(std::string_view text, const std::filesystem::path& origin) {
    Config config;
    config.file = origin;
    toml::table parsed;
    try {
        parsed = toml::parse(text, origin.string());
    } catch (const toml::parse_error& err) {
        return fail(ErrorCode::config, origin.string() + ":" + std::to_string(err.source().begin.line) + ":" +
                                           std::to_string(err.source().begin.column) + ": " +
                                           std::string(err.description()));
    }
    config.document = to_json(parsed, "", config.lines);
    if (auto r = check_config_names(config); !r) return std::unexpected(r.error());
    if (auto r = read_core_settings(config); !r) return std::unexpected(r.error());
    if (auto r = read_providers(config); !r) return std::unexpected(r.error());
    std::string database;
    if (auto r = read(config, "/database/path", database); !r) return std::unexpected(r.error());
    if (!database.empty()) config.database = database;
    // [store] url: a PostgreSQL server shared by gateways (or a file path);
    // it takes precedence over [database] path.
    std::string url;
    if (auto r = read(config, "/store/url", url); !r) return std::unexpected(r.error());
    if (!url.empty()) config.database = url;
    return config;
}

Result<Config> load_config(const Paths& paths, const EnvLookup& env) {
    Config config;
    std::error_code ec;
    if (std::filesystem::exists(paths.config_file, ec)) {
        std::ifstream in(paths.config_file);
        if (!in) return fail(ErrorCode::config, "cannot read " + paths.config_file.string());
        std::stringstream buffer;
        buffer << in.rdbuf();
        auto parsed = parse_config(buffer.str(), paths.config_file);
        if (!parsed) return parsed;
        config = std::move(*parsed);
        config.file_exists = true;
    }
    config.file = paths.config_file;
    config.data_dir = paths.data_dir;
    if (config.database.empty()) config.database = paths.db_file;
    if (auto model = env("MEGAROUTER_MODEL")) config.default_model = *model;
    if (auto mode = env("MEGAROUTER_MODE")) config.default_mode = *mode;
    if (auto db = env("MEGAROUTER_DB")) config.database = *db;
    if (auto url = env("MEGAROUTER_DATABASE_URL"); url && !url->empty()) config.database = *url;
    return config;
}

std::string mask_secret(std::string_view secret) {
    if (secret.size() <= 8) return "****";
    return std::string(secret.substr(0, 4)) + "..." + std::string(secret.substr(secret.size() - 2));
}

std::string describe_config(const Config& c) {
    std::ostringstream out;
    out << "# file: " << c.file.string() << (c.file_exists ? "" : " (not present; built-in defaults)") << "\n";
    out << "# database: " << printable_location(c.database.native()) << "\n\n";
    out << "[defaults]\nmodel = \"" << c.default_model << "\"\nmode = \"" << c.default_mode << "\"\n"
        << "log_prompts = " << (c.log_prompts ? "true" : "false") << "\n\n";
    const ServerSettings& s = c.server;
    out << "[server]\nhost = \"" << s.host << "\"\nport = " << s.port << "\nmax_body_bytes = " << s.max_body_bytes
        << "\nrequest_timeout_s = " << s.request_timeout_s << "\nidle_stream_timeout_s = " << s.idle_stream_timeout_s
        << "\nmax_concurrent = " << s.max_concurrent << "\nthreads = " << s.threads << "\nrequire_keys = " << (s.require_keys ? "true" : "false")
        << "\nlog_prompts = " << (s.log_prompts ? "true" : "false") << "\n";
    for (const auto& [name, p] : c.providers) {
        out << "\n[providers." << name << "]\n";
        if (p.api_key) out << "api_key = \"" << mask_secret(*p.api_key) << "\"\n";
        if (p.base_url) out << "base_url = \"" << *p.base_url << "\"\n";
        if (!p.enabled) out << "enabled = false\n";
    }
    return out.str();
}

std::string starter_config() {
    return R"(# megarouter configuration. Precedence: flags > environment > this file > defaults.

[defaults]
# model = "auto"          # a model id, an alias, a group, or auto / auto:cost / auto:latency ...
# mode = "balanced"       # balanced | cost | latency | availability
# log_prompts = true      # keep prompts and answers of `megarouter prompt` in the local log
# identity = "acme/eng/platform/alice"  # whose spend `megarouter prompt` is in the ledger ("" = local:<login>)

[server]
# host = "127.0.0.1"      # binding elsewhere requires API keys (or --insecure-no-auth)
# port = 4000
# max_body_bytes = 33554432
# request_timeout_s = 600
# idle_stream_timeout_s = 300
# max_concurrent = 1024
# threads = 0             # event-loop threads serving the proxy; 0 = one per CPU it may run on
# access_log = ""         # "" stderr, "-" stdout, a file path, or "off"
# access_log_json = false
# log_prompts = false     # also keep the proxy's prompts and answers in the log (`megarouter logs`)
# max_connections = 0     # open client connections before a fast 503; 0 = sized to the fd limit
# head_timeout_s = 30     # a request head must arrive whole within this
# min_body_rate = 1024    # bytes/s a request body must keep up after its first 10 s (0 = off)
# max_json_depth = 64     # nesting limit of JSON bodies (400 beyond; at most 512)
# max_json_values = 1000000 # values and keys in one JSON body (400 beyond): bounds its memory
# blocking_workers = 8    # threads for the admin and spend API
# allowed_hosts = []      # Host names accepted besides localhost/127.0.0.1/[::1] (e.g. "gateway.internal")
# cors_origins = []       # browser origins allowed to call the API, e.g. ["http://localhost:5173"]
# SIGHUP reloads this file; host, port, threads, access_log and switching log_prompts on take a restart.

# Provider credentials come from the usual variables (OPENAI_API_KEY,
# ANTHROPIC_API_KEY, GEMINI_API_KEY, ...) or from here. base_url overrides the
# upstream address (OPENAI_BASE_URL / ANTHROPIC_BASE_URL are never read).
# [providers.openai]
# api_key = "sk-..."
# base_url = "https://api.openai.com/v1"
# enabled = true          # false: never route to this provider

# How `auto` picks a model, and what happens when a deployment fails.
# [routing]
# default_mode = "balanced"          # overrides [defaults] mode
# max_fallbacks = 4                  # deployments tried after the chosen one (0 to 32)
# fallback_to_other_models = true    # a named model may fall back to comparable models
# fallback_max_quality_drop = 5      # ... at most this far below its quality (0-100; 100 = any)
# baseline_model = "gpt-4o"          # what spend reports count routing's savings against
# unknown_models = "pass"            # models newer than the catalog: "pass" to their provider, or "refuse"
# unpriced_input_price = 15.0        # USD per million tokens for a passed-through model with no known price
# unpriced_output_price = 75.0
# cost_quality_tolerance = 1.0       # cost mode: cheapest within this of the best candidate's quality (0..1; 1 = any in the tier)
# router_model = "builtin"           # the difficulty predictor: "builtin" or a file from `megarouter route train`
#                                    # (default: router_model.txt beside this file when route train wrote one)
# [routing.weights]                  # balanced mode: how much each counts
# quality = 0.5
# price = 0.3
# latency = 0.2
# [routing.thresholds]               # keyword score from which a prompt needs each tier
# standard = 2
# strong = 4
# frontier = 7
# difficulty_standard = 0.8          # learned difficulty (0..1) from which it needs each tier
# difficulty_strong = 0.9            # (the request gets the higher tier of the two)
# difficulty_frontier = 0.97
# long_input_tokens = 8000
# very_long_input_tokens = 64000
# deep_conversation_turns = 10
# default_output_tokens = 512        # expected output when a request sets no max_tokens
# [routing.health]                   # ejecting failing deployments for a while
# ewma_alpha = 0.2
# consecutive_failures = 3
# base_ejection_s = 30               # doubles per ejection
# max_ejection_s = 600
# panic_threshold = 0.5              # below this healthy fraction, ejection is ignored

# A group is a model name of your own over several deployments.
# [groups.fast]
# deployments = [{ model = "gpt-4o-mini", weight = 2 }, { model = "claude-haiku-4-5", provider = "anthropic" }]
# mode = "latency"
# fallbacks = ["gpt-4o"]
# deny_vendors = ["mistral"]
# max_price = 5.0                    # USD per million output tokens

# Other names for models.
# [aliases]
# smart = "claude-sonnet-4-5"

# Models the catalog does not know: a local Ollama model, an OpenAI-compatible server.
# [[models]]
# id = "llama3.2"
# provider = "ollama"
# context = 131072
# input_price = 0.0                  # USD per million tokens
# output_price = 0.0
# [[models]]
# id = "qwen2.5-coder-32b"
# provider = "vllm"
# base_url = "http://127.0.0.1:8001/v1" # this model's own server
# context = 32768
# tier = "strong"
# caps = ["tools"]
# quality = 75                       # 0..100, nudges routing within the tier (catalog models: public leaderboards)
# input_price = 0.0
# output_price = 0.0

# Prices you negotiated, in USD per million tokens.
# [prices."gpt-4o-mini"]
# provider = "openai"
# input = 0.12
# output = 0.48
# A model the catalog does not list yet: name its provider.
# [prices."openai/gpt-6.2-sol"]
# input = 5.0
# output = 40.0

# [telemetry]
# metrics = true                     # GET /metrics for Prometheus (a valid key when keys are on)
# otlp_endpoint = "http://127.0.0.1:4318"  # OpenTelemetry traces over OTLP/HTTP (JSON); "/v1/traces" is appended.
#                                    # Unset: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, if any. Read at start.
# service_name = "megarouter"        # else OTEL_SERVICE_NAME; OTEL_RESOURCE_ATTRIBUTES adds the rest
# capture_content = false            # prompt and answer text on spans (cut at 16 KiB); off: no text leaves
# sample_ratio = 1.0                 # share of new traces recorded; a client's traceparent decides its own

# [catalog]
# hidden = ["gpt-3.5-turbo"]         # never list or route to these

# [governance]
# timezone = "Europe/Berlin"         # budget periods and reports (default UTC)
# downgrade_price_ceiling_usd_per_mtok = 2.0 # what a downgraded request may cost at most
# allow_private_webhooks = false     # webhooks to loopback and private networks
# ledger_flush_ms = 50               # how long ledger rows wait to be written together
# fit_to_budget = false              # near a budget's end, lower max_tokens to fit instead of a 429
# lease_ttl_ms = 10000               # PostgreSQL: a stopped gateway's budget leases return after this
# spool_dir = "/var/lib/megarouter/spool" # ledger rows wait here while the store is out of reach
# spool_max_mb = 1024                # the spool's size per gateway (then rows wait in memory)

# [database]
# path = "/var/lib/megarouter/megarouter.db"

# [store]                            # a PostgreSQL server instead (wins over [database])
# url = "postgresql://megarouter@db.internal:5432/megarouter"
)";
}

} // namespace megarouter::core
