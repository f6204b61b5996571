#include "megarouter/reports/spend_request.hpp"

#include <charconv>

namespace megarouter::reports {

Result<SpendParams> params_from_map(const std::multimap<std::string, std::string>& values) {
    SpendParams params;
    for (const auto& [name, value] : values) {
        if (name == "since") params.since = value;
        else if (name == "until") params.until = value;
        else if (name == "period") params.period = value;
        else if (name == "by") params.by += (params.by.empty() ? "" : ",") + value;
        else if (name == "node") params.node = value;
        else if (name == "key") params.key = value;
        else if (name == "model") params.model = value;
        else if (name == "provider") params.provider = value;
        else if (name == "tz") params.tz = value;
        else if (name == "top") {
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), params.top);
            if (ec != std::errc() || end != value.data() + value.size() || params.top < 0)
                return fail(ErrorCode::invalid_argument, "top must be a whole number, not '" + value + "'");
        } else {
            return fail(ErrorCode::invalid_argument, "unknown parameter '" + name +
                                                         "' (use since, until, period, by, node, key, model, "
                                                         "provider, top, tz)");
        }
    }
    return params;
}

Result<ResolvedQuery> resolve_params(const SpendParams& params, core::Millis now, const std::string& default_zone) {
    auto zone = governance::TimeZone::load(params.tz.empty() ? default_zone : params.tz);
    if (!zone) return std::unexpected(zone.error());
    SpendQuery query;
    auto since = parse_instant(params.since.empty() ? "month" : params.since, now, *zone);
    if (!since) return std::unexpected(since.error());
    auto until = parse_instant(params.until.empty() ? "now" : params.until, now, *zone);
    if (!until) return std::unexpected(until.error());
    query.since = *since;
    query.until = *until;
    // "until now" includes requests of the current millisecond.
    if (params.until.empty() || params.until == "now") query.until = now + 1;
    if (query.until <= query.since) return fail(ErrorCode::invalid_argument, "--until must be after --since");
    auto period = parse_granularity(params.period);
    if (!period) return std::unexpected(period.error());
    query.period = *period;
    auto by = parse_dimensions(params.by);
    if (!by) return std::unexpected(by.error());
    query.by = std::move(*by);
    query.node = params.node;
    while (!query.node.empty() && query.node.back() == '/') query.node.pop_back();
    query.key = params.key;
    query.model = params.model;
    query.provider = params.provider;
    query.top = params.top;
    return ResolvedQuery{std::move(query), std::move(*zone)};
}

} // namespace megarouter::reports
