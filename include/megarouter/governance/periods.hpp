// Budget periods and their boundaries in an IANA time zone: a daily budget
// resets at local midnight, a weekly one on Monday 00:00, a monthly one on
// the 1st at 00:00, a total one never. libstdc++ 12 has no std::chrono tzdb,
// so TimeZone reads the system's TZif files (/usr/share/zoneinfo) itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/error.hpp"

namespace megarouter::governance {

enum class Period { daily, weekly, monthly, total };

std::string_view to_string(Period period);
std::optional<Period> parse_period(std::string_view text);

// UTC offsets of one zone over time. Immutable after load; thread-safe.
class TimeZone {
public:
    // "UTC" (or "") needs no file; other names are read from `zoneinfo_dir`.
    // Fails with config for an unknown or unreadable zone. Instants past the
    // file's last transition (2037 in Debian's "fat" files) keep the last
    // offset: the POSIX footer rule is not evaluated.
    static Result<TimeZone> load(std::string_view name, std::string_view zoneinfo_dir = "/usr/share/zoneinfo");
    // A fixed offset (tests).
    static TimeZone fixed(std::int64_t offset_seconds, std::string name = "fixed");

    const std::string& name() const { return m_name; }
    // Seconds east of UTC in effect at `utc_seconds`.
    std::int64_t offset_at(std::int64_t utc_seconds) const;
    // The UTC instant of a local wall time; for a time skipped by a DST jump
    // the instant after the jump, for a repeated one the earlier.
    std::int64_t to_utc(std::int64_t local_seconds) const;

private:
    std::string m_name;
    std::vector<std::int64_t> m_transitions; // UTC seconds, ascending
    std::vector<std::int32_t> m_offsets;     // offset after each transition
    std::int32_t m_initial_offset = 0;
};

// The period containing `now`: [start, end) in ms since the epoch. For
// `total`, start 0 and end INT64_MAX. Pure.
struct PeriodBounds {
    core::Millis start = 0;
    core::Millis end = 0;
};
PeriodBounds period_bounds(Period period, core::Millis now, const TimeZone& zone);

// "2025-03-01 00:00 Europe/Berlin" for a boundary, in the zone's local time.
std::string format_local(core::Millis instant, const TimeZone& zone);

} // namespace megarouter::governance
