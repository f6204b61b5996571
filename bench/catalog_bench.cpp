// How long the catalog takes to load, and `megarouter models` / `models show`
// to run. Targets: load < 5 ms inside the proxy; each command < 20 ms wall.
// Usage: bench_catalog_bench [path/to/megarouter] [runs]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/catalog.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace megarouter;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Stats {
    double median, p95, min;
};

Stats stats(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[std::min(samples.size() - 1, samples.size() * 95 / 100)], samples[0]};
}

void report(const char* what, const std::vector<double>& samples, double target) {
    Stats s = stats(samples);
    std::printf("%-44s median %7.3f ms  p95 %7.3f ms  min %7.3f ms  (target < %.0f ms) %s\n", what, s.median, s.p95,
                s.min, target, s.median < target ? "ok" : "OVER");
}

double children_cpu_ms() {
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

// Runs the binary with stdout/stderr to /dev/null; returns wall milliseconds
// and adds the child's CPU milliseconds (user + system) to `cpu`.
double run_command(const std::vector<std::string>& args, std::vector<double>& cpu) {
    double cpu_before = children_cpu_ms();
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    auto start = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    double elapsed = ms_since(start);
    cpu.push_back(children_cpu_ms() - cpu_before);
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "command failed: %s\n", args[1].c_str());
    return elapsed;
}

} // namespace

int main(int argc, char** argv) {
    int runs = argc > 2 ? std::atoi(argv[2]) : 50;
    std::string_view text = catalog::Catalog::builtin_document();

    auto first = Clock::now();
    const catalog::Catalog& builtin = catalog::Catalog::builtin();
    double first_ms = ms_since(first);
    std::printf("built-in catalog: %zu bytes, %zu models; first parse (cold) %.3f ms\n", text.size(),
                builtin.models().size(), first_ms);

    std::vector<double> parse, load, nlohmann_parse;
    core::Config config;
    core::Paths paths; // no cache dir: the built-in catalog
    for (int i = 0; i < runs; ++i) {
        auto start = Clock::now();
        auto parsed = catalog::Catalog::from_json(text, "bench");
        parse.push_back(ms_since(start));
        if (!parsed) return std::printf("parse failed: %s\n", parsed.error().message.c_str()), 1;

        start = Clock::now();
        auto loaded = catalog::Catalog::load(config, paths);
        load.push_back(ms_since(start));

        start = Clock::now();
        auto doc = nlohmann::json::parse(text);
        nlohmann_parse.push_back(ms_since(start));
    }
    report("Catalog::from_json (pull parser)", parse, 5);
    report("Catalog::load (built-in + config, warm)", load, 5);
    report("nlohmann::json::parse, for comparison", nlohmann_parse, 5);

    if (argc > 1) {
        std::string bin = argv[1];
        ::setenv("MEGAROUTER_HOME", "/tmp/megarouter-catalog-bench-home", 1); // no config, no cache copy
        // CPU time is what the process itself costs; wall time also holds the
        // wait for a core, which dominates on a busy machine.
        std::vector<double> version, list, show, price, version_cpu, list_cpu, show_cpu, price_cpu;
        for (int i = 0; i < runs; ++i) {
            version.push_back(run_command({bin, "--version"}, version_cpu));
            list.push_back(run_command({bin, "models"}, list_cpu));
            show.push_back(run_command({bin, "models", "show", "gpt-4o"}, show_cpu));
            price.push_back(run_command({bin, "models", "price", "gpt-4o", "--input", "1000", "--output", "500"}, price_cpu));
        }
        report("megarouter --version (wall, baseline)", version, 20);
        report("megarouter models (wall)", list, 20);
        report("megarouter models show gpt-4o (wall)", show, 20);
        report("megarouter models price gpt-4o (wall)", price, 20);
        report("megarouter --version (cpu, baseline)", version_cpu, 20);
        report("megarouter models (cpu)", list_cpu, 20);
        report("megarouter models show gpt-4o (cpu)", show_cpu, 20);
        report("megarouter models price gpt-4o (cpu)", price_cpu, 20);
    }
    return 0;
}
