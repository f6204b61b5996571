#include "proxy/state.hpp"

namespace megarouter::proxy {

Result<std::shared_ptr<const Snapshot>> build_snapshot(core::Config config, const core::Paths& paths,
                                                       const core::EnvLookup& env) {
    auto catalog = catalog::Catalog::load(config, paths);
    if (!catalog) return std::unexpected(catalog.error());
    auto routing = routing::parse_routing_config(config);
    if (!routing) return std::unexpected(routing.error());
    routing->predictor(); // the built-in model is read now, not on the first request
    auto snapshot = std::make_shared<Snapshot>(Snapshot{.config = std::move(config),
                                                        .catalog = std::move(*catalog),
                                                        .routing = std::move(*routing)});
    snapshot->baseline_model = snapshot->catalog.find(snapshot->routing.baseline_model);
    if (snapshot->baseline_model == nullptr && snapshot->config.lines.contains("/routing/baseline_model"))
        return fail(ErrorCode::config, snapshot->config.where("/routing/baseline_model") + ": unknown model '" +
                                           snapshot->routing.baseline_model + "'");
    for (const std::string& name : providers::configured_providers(snapshot->config, env)) {
        auto endpoint = providers::resolve_endpoint(name, snapshot->config, env);
        if (!endpoint) continue;
        snapshot->providers.push_back(name);
        snapshot->endpoints.emplace(name, std::move(*endpoint));
    }
    return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

} // namespace megarouter::proxy
