// Internal to routing: what a requested model string names -- auto routing
// (with an optional mode), a catalog model (directly or through a config
// alias) or a configured model group.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "megarouter/routing/router.hpp"

namespace megarouter::routing {

struct Target {
    enum class Kind { automatic, model, group };
    Kind kind = Kind::automatic;
    std::string route_kind = "auto"; // "auto", "model", "alias", "group"
    std::string resolved;            // model id or group name ("auto" for auto)
    const catalog::Model* model = nullptr;
    const Group* group = nullptr;
    std::optional<Mode> mode;        // from "auto:<mode>"
};

// Resolves `requested`: "" / "auto" / "auto:<mode>", then [groups], then
// [aliases] (which may name any of these, up to 4 levels), then the catalog.
// Fails with not_found (with suggestions) or invalid_argument (bad mode).
Result<Target> resolve_target(std::string_view requested, const catalog::Catalog& catalog,
                              const RoutingConfig& config);

} // namespace megarouter::routing
