// A temporary store with a small hierarchy, for the gate and admin tests.
#pragma once

// Tests spell only the fields that matter in designated initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "megarouter/governance/admin.hpp"
#include "megarouter/governance/gate.hpp"
#include "support/pg.hpp"

namespace gov_test {

using namespace megarouter;
using namespace megarouter::governance;

inline constexpr Nanos k_usd = 1'000'000'000;

// The single integer `sql` selects (one row required).
inline std::int64_t scalar(store::Database& db, const std::string& sql) {
    auto statement = db.prepare(sql);
    REQUIRE(statement);
    auto row = statement->step();
    REQUIRE(row);
    REQUIRE(*row);
    return statement->int64(0);
}

struct Store {
    std::filesystem::path dir;
    std::filesystem::path file;
    core::FakeClock clock{1'706'702'400'000}; // 2024-01-31 12:00 UTC
    std::optional<store::Database> db;

    Store() {
        dir = std::filesystem::temp_directory_path() / ("mr-gov-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(dir);
        file = pg_test::store_location(dir / "test.db"); // a fresh database in the [pg] runs
        auto opened = store::Database::open(file);
        REQUIRE(opened.has_value());
        db.emplace(std::move(*opened));
        Admin a = admin();
        for (const char* path : {"acme", "acme/eng", "acme/eng/platform", "acme/eng/platform/alice",
                                 "acme/eng/platform/bob", "acme/eng/web", "acme/eng/web/carol"})
            REQUIRE(a.create_node(Node{.path = path}).has_value());
    }
    ~Store() {
        db.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Admin admin() { return Admin(*db, clock, TimeZone::fixed(0, "UTC")); }
    std::string key_for(const std::string& owner, KeyPolicy policy = {}) {
        auto created = admin().create_key(KeySpec{.owner = owner, .policy = policy});
        REQUIRE(created.has_value());
        return created->secret;
    }
    std::int64_t budget(ScopeKind kind, const std::string& scope, Nanos amount, Period period = Period::monthly) {
        auto set = admin().set_budget(BudgetSpec{.scope_kind = kind, .scope = scope, .period = period, .amount = amount});
        REQUIRE(set.has_value());
        return set->id;
    }
    std::unique_ptr<Gate> gate(GateOptions options = {}) {
        options.deliver_alerts = false;
        auto opened = Gate::open(file, clock, options);
        REQUIRE(opened.has_value());
        return std::move(*opened);
    }
};

inline LedgerEntry entry(const std::string& id, Nanos cost) {
    LedgerEntry e;
    e.request_id = id;
    e.cost_nanos = cost;
    e.input_tokens = 10;
    e.output_tokens = 5;
    e.status = 200;
    return e;
}

} // namespace gov_test
