// The spend report over HTTP (`GET /admin/spend`) and the dashboard (`/ui`)
// that draws it, for the proxy to mount beside its other routes. Data routes
// need an API key whose roles carry view_spend (or view_own_spend); what a
// caller sees is limited to the nodes its roles cover.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/error.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/http/router.hpp"
#include "megarouter/reports/spend.hpp"

namespace megarouter::reports {

// Limits `query` to what `principal` may see: a master key or a root grant
// sees everything; view_spend grants restrict rows to their scopes (a team
// admin sees their team); a caller with only view_own_spend sees its own
// user's (or key's) rows. Fails with permission_denied when the caller may
// see no spend at all or asks for a node outside every scope. Pure.
Result<void> restrict_to_caller(SpendQuery& query, const governance::Principal& principal);

// Registers on `server`:
//   GET /admin/spend?since=&until=&period=&by=&node=&key=&model=&provider=&top=&tz=&format=json|jsonl|csv
//       the report (the JSON of `megarouter spend --json`, budgets included);
//       errors as {"error":{"code","message"}} with 400/401/403/500.
//   GET /ui, /ui/, /ui/app.js, /ui/style.css: the dashboard, from files
//       compiled into the binary. The page holds no data; it asks for a key
//       and calls /admin/spend and /health/deployments with it.
// Each request opens its own read connection to `database`. `gate` (used to
// authenticate keys, and for the amounts its requests in flight hold, shown
// as each budget's "reserved") must outlive the server; `timezone` is the
// default zone for calendar periods.
void mount_spend_api(http::Router& server, governance::Gate& gate, const std::filesystem::path& database,
                     const std::string& timezone);

// Checks a presented key ("" when none was sent) and returns its principal;
// fails with unauthenticated (401) or permission_denied (403). Thread-safe.
using Authenticator = std::function<Result<governance::Principal>(std::string_view key)>;

// The same routes with any authenticator (e.g. the proxy's governance seam);
// without a gate, budgets show "reserved": null (not known).
void mount_spend_api(http::Router& server, Authenticator authenticate, const std::filesystem::path& database,
                     const std::string& timezone);

} // namespace megarouter::reports
