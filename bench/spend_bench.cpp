// Benchmark of spend reports over a synthetic ledger.
//   bench_spend --generate N --db FILE [--days D]   write N synthetic rows (spread over D days, default 365)
//   bench_spend --db FILE [--runs R] [--scan]        time grouped reports over the whole ledger
// Prints wall and CPU milliseconds (best and median of R runs) per report;
// --scan times the raw-row scan (run_spend_report_scan) instead of the rollup.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <vector>

#include "megarouter/core/clock.hpp"
#include "megarouter/reports/spend.hpp"
#include "megarouter/reports/synthetic.hpp"
#include "megarouter/store/database.hpp"

using namespace megarouter;

namespace {

constexpr core::Millis k_day = 86'400'000;
constexpr core::Millis k_start = 1'767'225'600'000; // 2026-01-01T00:00Z

double cpu_ms() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

int generate(const std::string& file, std::int64_t rows, std::int64_t days) {
    auto db = store::Database::open(file);
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    (void)db->exec("PRAGMA synchronous=OFF");
    reports::SyntheticSpec spec{.rows = rows, .start = k_start, .end = k_start + days * k_day, .seed = 42};
    std::int64_t begin = core::monotonic_us();
    auto written = reports::write_synthetic_ledger(*db, spec, 100'000, [&](std::int64_t done) {
        if (done % 1'000'000 == 0 || done == rows)
            std::fprintf(stderr, "  %lld rows, %.1f s\n", static_cast<long long>(done), (core::monotonic_us() - begin) / 1e6);
    });
    if (!written) return std::fprintf(stderr, "%s\n", written.error().message.c_str()), 1;
    (void)db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::printf("generated %lld rows in %.1f s\n", static_cast<long long>(rows), (core::monotonic_us() - begin) / 1e6);
    return 0;
}

struct Case {
    const char* name;
    std::vector<reports::Dimension> by;
    reports::Granularity period;
    std::string node;
    const char* zone = "Europe/Berlin";
};

int bench(const std::string& file, int runs, bool scan) {
    auto db = store::Database::open(file, store::OpenMode::read_only);
    if (!db) return std::fprintf(stderr, "%s\n", db.error().message.c_str()), 1;
    using D = reports::Dimension;
    using G = reports::Granularity;
    std::vector<Case> cases = {
        {"total, no grouping", {}, G::none, ""},
        {"by team, monthly", {D::team}, G::month, ""},
        {"by team+model, monthly", {D::team, D::model}, G::month, ""},
        {"by user, monthly", {D::user}, G::month, ""},
        {"by model, daily", {D::model}, G::day, ""},
        {"node acme/eng by team, monthly", {D::team}, G::month, "acme/eng"},
        {"by team, monthly, Asia/Kolkata", {D::team}, G::month, "", "Asia/Kolkata"},
        {"by team, weekly", {D::team}, G::week, ""},
    };
    std::printf("%-34s %10s %10s %10s %10s %9s\n", "report", "wall best", "wall med", "cpu best", "rows", "groups");
    for (const Case& c : cases) {
        auto zone = governance::TimeZone::load(c.zone);
        if (!zone) return std::fprintf(stderr, "%s\n", zone.error().message.c_str()), 1;
        reports::SpendQuery query;
        query.since = k_start - 40 * k_day;
        query.until = k_start + 800 * k_day;
        query.by = c.by;
        query.period = c.period;
        query.node = c.node;
        std::vector<double> walls, cpus;
        std::int64_t requests = 0;
        std::size_t groups = 0;
        for (int run = 0; run < runs; ++run) {
            double cpu = cpu_ms();
            std::int64_t begin = core::monotonic_us();
            auto report = scan ? reports::run_spend_report_scan(*db, query, *zone)
                               : reports::run_spend_report(*db, query, *zone);
            walls.push_back((core::monotonic_us() - begin) / 1e3);
            cpus.push_back(cpu_ms() - cpu);
            if (!report) return std::fprintf(stderr, "%s\n", report.error().message.c_str()), 1;
            requests = report->total.requests;
            groups = report->rows.size();
        }
        std::vector<double> sorted = walls;
        std::sort(sorted.begin(), sorted.end());
        std::printf("%-34s %8.0fms %8.0fms %8.0fms %10lld %9zu\n", c.name, sorted.front(), sorted[sorted.size() / 2],
                    *std::min_element(cpus.begin(), cpus.end()), static_cast<long long>(requests), groups);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::string file = "/tmp/megarouter-spend-bench.db";
    std::int64_t rows = -1, days = 365;
    int runs = 5;
    bool scan = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (arg == "--generate") rows = std::stoll(next());
        else if (arg == "--db") file = next();
        else if (arg == "--days") days = std::stoll(next());
        else if (arg == "--runs") runs = std::max(1, std::stoi(next()));
        else if (arg == "--scan") scan = true;
        else {
            std::fprintf(stderr, "usage: bench_spend [--generate N [--days D]] [--db FILE] [--runs R] [--scan]\n");
            return 64;
        }
    }
    if (rows >= 0) return generate(file, rows, days);
    return bench(file, runs, scan);
}
