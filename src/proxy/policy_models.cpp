#include "proxy/policy_models.hpp"

#include <algorithm>

namespace megarouter::proxy {

namespace {

void collect(std::string_view name, const Snapshot& snapshot, int depth, std::vector<std::string>& out) {
    if (depth > 4 || name.empty()) return;
    const routing::RoutingConfig& config = snapshot.routing;
    std::string key(name);
    if (auto group = config.groups.find(key); group != config.groups.end()) {
        for (const routing::GroupDeployment& d : group->second.deployments) collect(d.model, snapshot, depth + 1, out);
        for (const std::string& m : group->second.constraints.allow_models) collect(m, snapshot, depth + 1, out);
        for (const std::string& f : group->second.fallbacks) collect(f, snapshot, depth + 1, out);
        return;
    }
    if (auto alias = config.aliases.find(key); alias != config.aliases.end()) {
        collect(alias->second, snapshot, depth + 1, out);
        return;
    }
    if (const catalog::Model* model = snapshot.catalog.find(name))
        if (std::find(out.begin(), out.end(), model->id) == out.end()) out.push_back(model->id);
}

} // namespace

std::vector<std::string> model_ids_for(std::string_view name, const Snapshot& snapshot) {
    std::vector<std::string> out;
    collect(name, snapshot, 0, out);
    return out;
}

governance::ModelExpander model_expander(const Snapshot& snapshot) {
    return [&snapshot](std::string_view name) { return model_ids_for(name, snapshot); };
}

std::vector<std::string> allowed_model_ids(const std::vector<std::string>& names, const Snapshot& snapshot) {
    std::vector<std::string> out = names;
    for (const std::string& name : names)
        for (std::string& id : model_ids_for(name, snapshot))
            if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
    return out;
}

} // namespace megarouter::proxy
