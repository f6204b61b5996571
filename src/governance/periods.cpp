#include "megarouter/governance/periods.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>

namespace megarouter::governance {

std::string_view to_string(Period period) {
    switch (period) {
    case Period::daily: return "daily";
    case Period::weekly: return "weekly";
    case Period::monthly: return "monthly";
    case Period::total: return "total";
    }
    return "total";
}

std::optional<Period> parse_period(std::string_view text) {
    for (Period p : {Period::daily, Period::weekly, Period::monthly, Period::total})
        if (to_string(p) == text) return p;
    return std::nullopt;
}

namespace {

std::int64_t read_be(const std::string& data, std::size_t at, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(data[at + i]);
    if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    return static_cast<std::int64_t>(value);
}

struct Counts {
    std::int64_t isut, isstd, leap, time, type, chars;
};

Counts read_counts(const std::string& data, std::size_t at) {
    return {read_be(data, at + 20, 4), read_be(data, at + 24, 4), read_be(data, at + 28, 4),
            read_be(data, at + 32, 4), read_be(data, at + 36, 4), read_be(data, at + 40, 4)};
}

std::size_t block_size(const Counts& c, int time_bytes) {
    return static_cast<std::size_t>(c.time * time_bytes + c.time + c.type * 6 + c.chars + c.leap * (time_bytes + 4) +
                                    c.isstd + c.isut);
}

bool valid_zone_name(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
    });
}

} // namespace

Result<TimeZone> TimeZone::load(std::string_view name, std::string_view zoneinfo_dir) {
    if (name.empty() || name == "UTC" || name == "Etc/UTC") return fixed(0, "UTC");
    if (!valid_zone_name(name)) return fail(ErrorCode::config, "invalid time zone name '" + std::string(name) + "'");
    std::string file = std::string(zoneinfo_dir) + "/" + std::string(name);
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorCode::config, "unknown time zone '" + std::string(name) + "' (no " + file + ")");
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.size() < 44 || data.compare(0, 4, "TZif") != 0)
        return fail(ErrorCode::config, "time zone file " + file + " is not a TZif file");
    Counts first = read_counts(data, 0);
    std::size_t at = 44;
    int time_bytes = 4;
    Counts c = first;
    if (data[4] >= '2') { // skip the 32-bit block; use the 64-bit one
        std::size_t second = 44 + block_size(first, 4);
        if (data.size() < second + 44) return fail(ErrorCode::config, "truncated time zone file " + file);
        c = read_counts(data, second);
        at = second + 44;
        time_bytes = 8;
    }
    if (data.size() < at + block_size(c, time_bytes)) return fail(ErrorCode::config, "truncated time zone file " + file);
    TimeZone zone;
    zone.m_name = std::string(name);
    std::size_t types_at = at + static_cast<std::size_t>(c.time * time_bytes);
    std::size_t info_at = types_at + static_cast<std::size_t>(c.time);
    auto offset_of_type = [&](std::int64_t type) {
        return static_cast<std::int32_t>(read_be(data, info_at + static_cast<std::size_t>(type) * 6, 4));
    };
    if (c.type == 0) return fail(ErrorCode::config, "time zone file " + file + " has no types");
    zone.m_initial_offset = offset_of_type(0);
    for (std::int64_t i = 0; i < c.time; ++i) {
        std::int64_t type = static_cast<unsigned char>(data[types_at + static_cast<std::size_t>(i)]);
        if (type >= c.type) return fail(ErrorCode::config, "corrupt time zone file " + file);
        zone.m_transitions.push_back(read_be(data, at + static_cast<std::size_t>(i * time_bytes), time_bytes));
        zone.m_offsets.push_back(offset_of_type(type));
    }
    return zone;
}

TimeZone TimeZone::fixed(std::int64_t offset_seconds, std::string name) {
    TimeZone zone;
    zone.m_name = std::move(name);
    zone.m_initial_offset = static_cast<std::int32_t>(offset_seconds);
    return zone;
}

std::int64_t TimeZone::offset_at(std::int64_t utc_seconds) const {
    auto it = std::upper_bound(m_transitions.begin(), m_transitions.end(), utc_seconds);
    if (it == m_transitions.begin()) return m_initial_offset;
    return m_offsets[static_cast<std::size_t>(std::distance(m_transitions.begin(), it) - 1)];
}

std::int64_t TimeZone::to_utc(std::int64_t local_seconds) const {
    std::int64_t early_offset = offset_at(local_seconds - 2 * 86400);
    std::int64_t late_offset = offset_at(local_seconds + 2 * 86400);
    std::int64_t early = local_seconds - early_offset;
    std::int64_t late = local_seconds - late_offset;
    bool early_ok = offset_at(early) == early_offset;
    bool late_ok = offset_at(late) == late_offset;
    if (early_ok && late_ok) return std::min(early, late);
    if (early_ok) return early;
    if (late_ok) return late;
    // Skipped by a jump forward: the instant of the jump.
    auto it = std::upper_bound(m_transitions.begin(), m_transitions.end(), std::min(early, late));
    return it == m_transitions.end() ? std::min(early, late) : *it;
}

namespace {

using namespace std::chrono;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

core::Millis local_days_to_utc_ms(std::int64_t local_day, const TimeZone& zone) {
    return zone.to_utc(local_day * 86400) * 1000;
}

} // namespace

PeriodBounds period_bounds(Period period, core::Millis now, const TimeZone& zone) {
    if (period == Period::total) return {0, std::numeric_limits<core::Millis>::max()};
    std::int64_t utc = floor_div(now, 1000);
    std::int64_t local_day = floor_div(utc + zone.offset_at(utc), 86400);
    std::int64_t start_day = local_day;
    std::int64_t end_day = local_day + 1;
    if (period == Period::weekly) {
        std::int64_t since_monday = ((local_day + 3) % 7 + 7) % 7; // 1970-01-01 was a Thursday
        start_day = local_day - since_monday;
        end_day = start_day + 7;
    } else if (period == Period::monthly) {
        year_month_day ymd{sys_days{days{local_day}}};
        year_month_day first = ymd.year() / ymd.month() / day{1};
        year_month_day next = first + months{1};
        start_day = sys_days{first}.time_since_epoch().count();
        end_day = sys_days{next}.time_since_epoch().count();
    }
    return {local_days_to_utc_ms(start_day, zone), local_days_to_utc_ms(end_day, zone)};
}

std::string format_local(core::Millis instant, const TimeZone& zone) {
    if (instant == std::numeric_limits<core::Millis>::max()) return "never";
    std::int64_t utc = floor_div(instant, 1000);
    std::int64_t local = utc + zone.offset_at(utc);
    std::int64_t day_number = floor_div(local, 86400);
    std::int64_t second = local - day_number * 86400;
    year_month_day ymd{sys_days{days{day_number}}};
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02lld:%02lld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long long>(second / 3600), static_cast<long long>(second % 3600 / 60));
    return std::string(buffer) + " " + zone.name();
}

} // namespace megarouter::governance
