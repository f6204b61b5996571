// Shared plumbing of the governance subcommands (org, dept, team, user, role,
// keys, budget, pool, webhook, alerts): open the local store as the local
// actor (every right) and print a result as JSON or text.
#pragma once

#include <functional>
#include <iostream>

#include "context.hpp"
#include "megarouter/governance/admin.hpp"

namespace megarouter::cli {

// Opens config.database and runs `body` with an Admin in the configured
// [governance] timezone; returns the exit code (errors reported).
int with_admin(Context& context, const std::function<int(governance::Admin&)>& body);

// Prints `json` (indented) when `as_json`, else `text()`; returns 0.
int print_result(bool as_json, const nlohmann::json& json, const std::function<void()>& text);

} // namespace megarouter::cli
