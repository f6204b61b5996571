// The parameters a spend report is asked with, shared by `megarouter spend`
// and `GET /admin/spend`: text values as typed (since, until, period, by,
// node, key, model, provider, top, tz) turned into a SpendQuery and a zone.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/governance/periods.hpp"
#include "megarouter/reports/spend.hpp"

namespace megarouter::reports {

struct SpendParams {
    std::string since = "month";   // default: the current calendar month
    std::string until = "now";
    std::string period;            // "" = no time series
    std::string by;                // "team,model"
    std::string node, key, model, provider;
    int top = 0;
    std::string tz;                // "" = `default_zone`
};

// Reads the parameters from query-string style pairs (unknown names fail
// with invalid_argument so that typos are not silently ignored).
Result<SpendParams> params_from_map(const std::multimap<std::string, std::string>& values);

struct ResolvedQuery {
    SpendQuery query;
    governance::TimeZone zone;
};

// Turns params into a query at `now`. `default_zone` is used when params.tz
// is empty. Fails with invalid_argument (bad values) or config (unknown zone).
Result<ResolvedQuery> resolve_params(const SpendParams& params, core::Millis now, const std::string& default_zone);

} // namespace megarouter::reports
