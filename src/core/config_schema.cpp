#include "config_schema.hpp"

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

namespace megarouter::core {

namespace {

using Names = std::span<const std::string_view>;

constexpr std::string_view k_sections[] = {"defaults", "server", "providers", "routing", "groups",   "aliases",
                                           "models",   "prices", "catalog",   "governance", "database", "store", "telemetry"};
constexpr std::string_view k_defaults[] = {"model", "mode", "log_prompts", "identity"};
constexpr std::string_view k_server[] = {
    "host",           "port",           "max_body_bytes",   "max_header_bytes", "request_timeout_s",
    "idle_stream_timeout_s", "connect_timeout_s", "max_concurrent", "threads", "shutdown_grace_s",
    "access_log",     "access_log_json", "require_keys",    "log_prompts",      "max_connections",
    "head_timeout_s", "min_body_rate",  "max_json_depth",   "max_json_values",  "blocking_workers",
    "allowed_hosts",  "cors_origins"};
constexpr std::string_view k_provider[] = {"api_key", "api_key_env", "base_url", "enabled", "format", "api_version"};
constexpr std::string_view k_governance[] = {"timezone", "downgrade_price_ceiling_usd_per_mtok",
                                             "allow_private_webhooks", "ledger_flush_ms", "fit_to_budget",
                                             "lease_ttl_ms", "spool_dir", "spool_max_mb"};
constexpr std::string_view k_catalog[] = {"hidden"};
constexpr std::string_view k_database[] = {"path"};
constexpr std::string_view k_store[] = {"url"};
constexpr std::string_view k_telemetry[] = {"metrics", "per_key_metrics", "otlp_endpoint", "service_name",
                                              "capture_content", "sample_ratio"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The closest known name within a third of its length (at least 2 edits).
std::string_view closest(std::string_view name, Names known) {
    std::string_view best;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (std::string_view candidate : known)
        if (std::size_t d = edit_distance(name, candidate); d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    return best;
}

bool known_name(std::string_view name, Names known) { return std::find(known.begin(), known.end(), name) != known.end(); }

Error unknown(const Config& config, const std::string& pointer, const std::string& what, std::string_view hint) {
    return make_error(ErrorCode::config, config.where(pointer) + ": " + what + (hint.empty() ? "" : std::string(hint)));
}

Result<void> check_keys(const Config& config, const nlohmann::json& table, const std::string& pointer,
                        const std::string& section, Names known) {
    if (!table.is_object()) return {};
    for (auto& [key, value] : table.items()) {
        if (known_name(key, known)) continue;
        std::string_view near = closest(key, known);
        return std::unexpected(unknown(config, pointer + "/" + key, "unknown key '" + key + "' in " + section,
                                       near.empty() ? std::string() : " (did you mean '" + std::string(near) + "'?)"));
    }
    return {};
}

} // namespace

Result<void> check_config_names(const Config& config) {
    const nlohmann::json& doc = config.document;
    if (!doc.is_object()) return {};
    for (auto& [name, value] : doc.items()) {
        if (known_name(name, k_sections)) continue;
        std::string_view near = closest(name, k_sections);
        return std::unexpected(unknown(config, "/" + name, "unknown section [" + name + "]",
                                       near.empty() ? std::string() : " (did you mean [" + std::string(near) + "]?)"));
    }
    struct Fixed {
        const char* name;
        Names keys;
    };
    const Fixed fixed[] = {{"defaults", k_defaults}, {"server", k_server},   {"governance", k_governance},
                           {"catalog", k_catalog},   {"database", k_database}, {"store", k_store}, {"telemetry", k_telemetry}};
    for (const Fixed& section : fixed)
        if (auto it = doc.find(section.name); it != doc.end())
            if (auto ok = check_keys(config, *it, std::string("/") + section.name, "[" + std::string(section.name) + "]",
                                     section.keys);
                !ok)
                return ok;
    if (auto providers = doc.find("providers"); providers != doc.end() && providers->is_object())
        for (auto& [name, table] : providers->items())
            if (auto ok = check_keys(config, table, "/providers/" + name, "[providers." + name + "]", k_provider); !ok)
                return ok;
    return {};
}

} // namespace megarouter::core
