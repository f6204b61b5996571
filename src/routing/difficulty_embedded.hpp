// The built-in router model (data/router_model.txt at build time). Private to
// the routing module.
#pragma once

#include <string_view>

namespace megarouter::routing {

// The embedded text; lives for the whole process.
std::string_view embedded_router_model();

} // namespace megarouter::routing
