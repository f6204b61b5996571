#include <algorithm>
#include <cmath>

#include "megarouter/core/config.hpp"
#include "megarouter/governance/gate.hpp"

namespace megarouter::governance {

GateOptions gate_options_from(const core::Config& config,
                              const std::function<std::optional<std::string>(const std::string&)>& env) {
    GateOptions options;
    options.require_keys = config.server.require_keys;
    if (env) options.master_key = env("MEGAROUTER_MASTER_KEY").value_or("");
    if (!config.data_dir.empty()) options.spool_dir = config.data_dir / "spool";
    const nlohmann::json& doc = config.document;
    if (!doc.contains("governance") || !doc["governance"].is_object()) return options;
    const nlohmann::json& gov = doc["governance"];
    if (gov.contains("timezone") && gov["timezone"].is_string()) options.timezone = gov["timezone"].get<std::string>();
    if (gov.contains("downgrade_price_ceiling_usd_per_mtok") && gov["downgrade_price_ceiling_usd_per_mtok"].is_number())
        options.default_price_ceiling_per_mtok =
            static_cast<Nanos>(std::llround(gov["downgrade_price_ceiling_usd_per_mtok"].get<double>() * 1e9));
    if (gov.contains("allow_private_webhooks") && gov["allow_private_webhooks"].is_boolean())
        options.allow_private_webhooks = gov["allow_private_webhooks"].get<bool>();
    if (gov.contains("fit_to_budget") && gov["fit_to_budget"].is_boolean())
        options.fit_to_budget = gov["fit_to_budget"].get<bool>();
    if (gov.contains("lease_ttl_ms") && gov["lease_ttl_ms"].is_number_integer())
        options.lease_ttl_ms = std::clamp(gov["lease_ttl_ms"].get<int>(), 1000, 600'000);
    if (gov.contains("spool_dir") && gov["spool_dir"].is_string())
        options.spool_dir = gov["spool_dir"].get<std::string>();
    if (gov.contains("spool_max_mb") && gov["spool_max_mb"].is_number_integer())
        options.spool_max_bytes = static_cast<std::uint64_t>(std::clamp<std::int64_t>(gov["spool_max_mb"].get<std::int64_t>(), 1, 1 << 20)) << 20;
    if (gov.contains("ledger_flush_ms") && gov["ledger_flush_ms"].is_number_integer())
        options.ledger_flush_ms = std::max(1, gov["ledger_flush_ms"].get<int>());
    return options;
}

} // namespace megarouter::governance
