// Parsing of report parameters (dimensions, periods, instants) and the
// calendar buckets of a time series.
#include <charconv>
#include <chrono>
#include <cstdio>

#include "megarouter/reports/spend.hpp"

namespace megarouter::reports {

namespace {

constexpr Dimension k_dimensions[] = {Dimension::org,   Dimension::dept,     Dimension::team,   Dimension::user,
                                      Dimension::key,   Dimension::model,    Dimension::provider,
                                      Dimension::vendor, Dimension::mode,    Dimension::tier,   Dimension::endpoint};
constexpr std::int64_t k_max_buckets = 5000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string trim(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return std::string(text);
}

bool parse_int(std::string_view text, std::int64_t& out) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// "2026-11-01" or "2026-11-01T08:30[:00]" (also with a space) as local seconds since the epoch.
std::optional<std::int64_t> parse_local_datetime(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    char tail[2] = {};
    int fields = std::sscanf(std::string(text).c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%1s", &year, &month, &day, &hour,
                             &minute, &second, tail);
    bool date_only = text.size() == 10 && fields == 3;
    if (!date_only && fields != 5 && fields != 6) return std::nullopt;
    using namespace std::chrono;
    year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                       std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
    std::int64_t days_since = sys_days{ymd}.time_since_epoch().count();
    return days_since * 86400 + hour * 3600 + minute * 60 + second;
}

std::string bucket_label(Granularity granularity, core::Millis start, const governance::TimeZone& zone) {
    std::int64_t utc = floor_div(start, 1000);
    std::int64_t day = floor_div(utc + zone.offset_at(utc), 86400);
    using namespace std::chrono;
    year_month_day ymd{sys_days{days{day}}};
    char buffer[32];
    if (granularity == Granularity::month)
        std::snprintf(buffer, sizeof buffer, "%04d-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
    else
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buffer;
}

governance::Period budget_period(Granularity granularity) {
    switch (granularity) {
    case Granularity::day: return governance::Period::daily;
    case Granularity::week: return governance::Period::weekly;
    default: return governance::Period::monthly;
    }
}

} // namespace

std::string_view to_string(Dimension dimension) {
    switch (dimension) {
    case Dimension::org: return "org";
    case Dimension::dept: return "dept";
    case Dimension::team: return "team";
    case Dimension::user: return "user";
    case Dimension::key: return "key";
    case Dimension::model: return "model";
    case Dimension::provider: return "provider";
    case Dimension::vendor: return "vendor";
    case Dimension::mode: return "mode";
    case Dimension::tier: return "tier";
    case Dimension::endpoint: return "endpoint";
    }
    return "team";
}

std::string_view to_string(Granularity granularity) {
    switch (granularity) {
    case Granularity::none: return "none";
    case Granularity::day: return "day";
    case Granularity::week: return "week";
    case Granularity::month: return "month";
    }
    return "none";
}

Result<std::vector<Dimension>> parse_dimensions(std::string_view text) {
    std::vector<Dimension> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string word = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (word.empty()) continue;
        if (word == "department") word = "dept";
        if (word == "organisation" || word == "organization") word = "org";
        bool found = false;
        for (Dimension d : k_dimensions)
            if (to_string(d) == word) {
                for (Dimension seen : out)
                    if (seen == d) return fail(ErrorCode::invalid_argument, "'" + word + "' is listed twice in --by");
                out.push_back(d);
                found = true;
            }
        if (!found)
            return fail(ErrorCode::invalid_argument,
                        "cannot group by '" + word +
                            "' (use org, dept, team, user, key, model, provider, vendor, mode, tier, endpoint)");
    }
    return out;
}

Result<Granularity> parse_granularity(std::string_view text) {
    if (text == "day" || text == "daily") return Granularity::day;
    if (text == "week" || text == "weekly") return Granularity::week;
    if (text == "month" || text == "monthly") return Granularity::month;
    if (text == "none" || text.empty()) return Granularity::none;
    return fail(ErrorCode::invalid_argument, "'" + std::string(text) + "' is not a period (use day, week or month)");
}

Result<core::Millis> parse_instant(std::string_view text, core::Millis now, const governance::TimeZone& zone) {
    std::string value = trim(text);
    if (value == "now") return now;
    if (value == "today") return governance::period_bounds(governance::Period::daily, now, zone).start;
    if (value == "week") return governance::period_bounds(governance::Period::weekly, now, zone).start;
    if (value == "month") return governance::period_bounds(governance::Period::monthly, now, zone).start;
    std::int64_t number = 0;
    if (value.size() >= 2 && parse_int(std::string_view(value).substr(0, value.size() - 1), number) && number >= 0) {
        std::int64_t unit = 0;
        switch (value.back()) {
        case 'm': unit = 60'000; break;
        case 'h': unit = 3'600'000; break;
        case 'd': unit = 86'400'000; break;
        case 'w': unit = 7 * 86'400'000LL; break;
        default: break;
        }
        if (unit && number < 100'000) return now - number * unit;
    }
    if (parse_int(value, number) && value.size() > 10) return number;
    if (auto local = parse_local_datetime(value)) return zone.to_utc(*local) * 1000;
    return fail(ErrorCode::invalid_argument,
                "'" + value + "' is not a time (use 7d, 12h, today, month, 2026-11-01 or 2026-11-01T08:30)");
}

double Figures::savings_pct() const {
    return baseline ? 100.0 * static_cast<double>(savings()) / static_cast<double>(baseline) : 0.0;
}

double Figures::share_of(Nanos total_cost) const {
    return total_cost ? 100.0 * static_cast<double>(cost) / static_cast<double>(total_cost) : 0.0;
}

Figures& Figures::operator+=(const Figures& other) {
    requests += other.requests;
    input_tokens += other.input_tokens;
    cached_tokens += other.cached_tokens;
    output_tokens += other.output_tokens;
    cost += other.cost;
    baseline += other.baseline;
    errors += other.errors;
    fallbacks += other.fallbacks;
    return *this;
}

std::vector<Bucket> make_buckets(Granularity granularity, core::Millis since, core::Millis until,
                                 const governance::TimeZone& zone) {
    std::vector<Bucket> buckets;
    if (granularity == Granularity::none || until <= since) return buckets;
    governance::Period period = budget_period(granularity);
    core::Millis at = since;
    while (at < until && static_cast<std::int64_t>(buckets.size()) <= k_max_buckets) {
        governance::PeriodBounds bounds = governance::period_bounds(period, at, zone);
        if (bounds.end <= at) break; // a malformed zone cannot loop forever
        buckets.push_back({bounds.start, bounds.end, bucket_label(granularity, bounds.start, zone)});
        at = bounds.end;
    }
    return buckets;
}

} // namespace megarouter::reports
