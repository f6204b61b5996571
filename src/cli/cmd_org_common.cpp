#include "cmd_org_common.hpp"

#include "megarouter/governance/gate.hpp"

namespace megarouter::cli {

int with_admin(Context& context, const std::function<int(governance::Admin&)>& body) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    auto options = governance::gate_options_from(**config, context.env);
    auto zone = governance::TimeZone::load(options.timezone);
    if (!zone) return context.report(zone.error());
    auto db = store::Database::open((*config)->database);
    if (!db) return context.report(db.error());
    governance::Admin admin(*db, core::system_clock(), *zone, {},
                            governance::AdminSettings{.allow_private_webhooks = options.allow_private_webhooks});
    return body(admin);
}

int print_result(bool as_json, const nlohmann::json& json, const std::function<void()>& text) {
    if (as_json) std::cout << json.dump(2) << "\n";
    else text();
    return 0;
}

} // namespace megarouter::cli
