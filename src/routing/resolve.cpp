#include "routing/resolve.hpp"

namespace megarouter::routing {

namespace {

Result<Target> resolve_at(std::string_view requested, const catalog::Catalog& catalog, const RoutingConfig& config,
                          int depth) {
    Target target;
    if (requested.empty() || requested == "auto") return target;
    if (requested.starts_with("auto:")) {
        std::string_view name = requested.substr(5);
        target.mode = parse_mode(name);
        if (!target.mode)
            return fail(ErrorCode::invalid_argument, "unknown routing mode '" + std::string(name) + "' in '" +
                                                         std::string(requested) +
                                                         "' (use auto:cost, auto:balanced, auto:latency or auto:availability)");
        return target;
    }
    std::string key(requested);
    if (auto group = config.groups.find(key); group != config.groups.end()) {
        target.kind = Target::Kind::group;
        target.route_kind = "group";
        target.resolved = group->first;
        target.group = &group->second;
        return target;
    }
    if (auto alias = config.aliases.find(key); alias != config.aliases.end()) {
        if (depth >= 4) return fail(ErrorCode::config, "alias '" + key + "' nests too deeply (a loop?)");
        auto inner = resolve_at(alias->second, catalog, config, depth + 1);
        if (inner && inner->kind == Target::Kind::model) inner->route_kind = "alias";
        return inner;
    }
    if (const catalog::Model* model = catalog.find(requested)) {
        target.kind = Target::Kind::model;
        target.route_kind = "model";
        target.resolved = model->id;
        target.model = model;
        return target;
    }
    std::string message = "unknown model '" + key + "'";
    std::vector<std::string> suggestions = catalog.suggestions(requested, 3);
    for (std::size_t i = 0; i < suggestions.size(); ++i)
        message += (i == 0 ? "; did you mean " : ", ") + suggestions[i];
    if (!suggestions.empty()) message += "?";
    message += " (see `megarouter models`; auto, auto:cost, auto:latency, a group or an alias also work)";
    return fail(ErrorCode::not_found, message);
}

} // namespace

Result<Target> resolve_target(std::string_view requested, const catalog::Catalog& catalog,
                              const RoutingConfig& config) {
    return resolve_at(requested, catalog, config, 0);
}

} // namespace megarouter::routing
