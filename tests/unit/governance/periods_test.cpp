#include <doctest/doctest.h>

#include "megarouter/governance/periods.hpp"

using namespace megarouter::governance;
using megarouter::core::Millis;

namespace {
// 2024-01-31 12:00:00 UTC etc., computed with `date -u -d ... +%s`.
constexpr Millis ms(long long seconds) { return seconds * 1000; }
} // namespace

TEST_CASE("governance: periods in UTC start at midnight, Monday and the 1st") {
    TimeZone utc = TimeZone::fixed(0, "UTC");
    Millis now = ms(1706702400); // Wed 2024-01-31 12:00 UTC
    auto day = period_bounds(Period::daily, now, utc);
    CHECK(day.start == ms(1706659200)); // 2024-01-31 00:00
    CHECK(day.end == ms(1706745600));   // 2024-02-01 00:00
    auto week = period_bounds(Period::weekly, now, utc);
    CHECK(week.start == ms(1706486400)); // Mon 2024-01-29
    CHECK(week.end == ms(1707091200));   // Mon 2024-02-05
    auto month = period_bounds(Period::monthly, now, utc);
    CHECK(month.start == ms(1704067200)); // 2024-01-01
    CHECK(month.end == ms(1706745600));   // 2024-02-01 (month end of a 31-day month)
    auto total = period_bounds(Period::total, now, utc);
    CHECK(total.start == 0);
    CHECK(format_local(total.end, utc) == "never");
}

TEST_CASE("governance: month ends handle February of a leap year and December") {
    TimeZone utc = TimeZone::fixed(0, "UTC");
    auto feb = period_bounds(Period::monthly, ms(1709164800), utc); // 2024-02-29 00:00
    CHECK(feb.start == ms(1706745600));                               // 2024-02-01
    CHECK(feb.end == ms(1709251200));                                 // 2024-03-01
    auto dec = period_bounds(Period::monthly, ms(1735689599), utc);   // 2024-12-31 23:59:59
    CHECK(dec.end == ms(1735689600));                                 // 2025-01-01
    // The last millisecond of a period belongs to it; the boundary itself to the next.
    CHECK(period_bounds(Period::daily, ms(1706745600) - 1, utc).end == ms(1706745600));
    CHECK(period_bounds(Period::daily, ms(1706745600), utc).start == ms(1706745600));
}

TEST_CASE("governance: time zones move boundaries, including across DST") {
    auto berlin = TimeZone::load("Europe/Berlin");
    REQUIRE(berlin.has_value());
    // 2024-03-31 is the spring-forward day in Berlin (02:00 -> 03:00): 23 hours long.
    auto day = period_bounds(Period::daily, ms(1711886400), *berlin); // 2024-03-31 12:00 UTC
    CHECK(day.start == ms(1711839600));                                // 2024-03-30 23:00 UTC = 00:00 CET
    CHECK(day.end == ms(1711922400));                                  // 2024-03-31 22:00 UTC = 00:00 CEST
    CHECK(day.end - day.start == ms(23 * 3600));
    auto month = period_bounds(Period::monthly, ms(1711886400), *berlin);
    CHECK(month.start == ms(1709247600)); // 2024-02-29 23:00 UTC = 1 March 00:00 CET
    CHECK(month.end == ms(1711922400));   // 2024-03-31 22:00 UTC = 1 April 00:00 CEST
    CHECK(format_local(month.end, *berlin) == "2024-04-01 00:00 Europe/Berlin");
    auto tokyo = TimeZone::load("Asia/Tokyo");
    REQUIRE(tokyo.has_value());
    // 2024-01-31 20:00 UTC is already 1 February in Tokyo.
    CHECK(period_bounds(Period::monthly, ms(1706731200), *tokyo).start == ms(1706713200));
    CHECK_FALSE(TimeZone::load("Mars/Olympus").has_value());
    CHECK_FALSE(TimeZone::load("../etc/passwd").has_value());
}
