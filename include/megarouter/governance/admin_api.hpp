// The admin HTTP API the proxy mounts under /admin/...: one route per
// operation of the governance table (operations.hpp), the same operations as
// the governance CLI, as JSON, authenticated by an API key (Authorization:
// Bearer, or x-api-key) or the master key, with the key's role scope checked
// on every call by Admin.
#pragma once

#include <filesystem>
#include <string>

#include "megarouter/core/json.hpp"
#include "megarouter/http/router.hpp"

namespace megarouter::governance {

class Gate;

// Registers the /admin routes on `server`. Each call opens its own store
// connection to `database`. `gate` must outlive the server; periods and
// dates are in `timezone`.
// Request bodies are parsed within `json_limits` (400 naming the limit).
// Routes (each operation's `route` and `method`; arguments from the route's
// captures, else the query string, else the JSON body; answers as JSON,
// errors as {"error":{"code","message"}} with http_status_for's status):
//   GET/POST/DELETE /admin/nodes, GET /admin/nodes/show?path=,
//   POST /admin/nodes/set, POST /admin/nodes/move
//   GET/POST/DELETE /admin/roles   (subject, role, scope)
//   GET/POST /admin/keys, GET /admin/keys/{id}, POST /admin/keys/{id}/revoke|rotate
//   GET/POST /admin/budgets, GET/DELETE /admin/budgets/{id}
//   GET/POST /admin/pools, GET /admin/pools/{name}, POST/DELETE /admin/pools/{name}/members
//   GET/POST /admin/webhooks, DELETE /admin/webhooks/{id}
//   GET /admin/alerts, GET /admin/alerts/{id}, POST /admin/alerts/{id}/retry
void mount_admin_api(http::Router& server, Gate& gate, const std::filesystem::path& database,
                     const std::string& timezone, const core::JsonLimits& json_limits);

} // namespace megarouter::governance
