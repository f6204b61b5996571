#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <sys/stat.h>

#include "megarouter/store/database.hpp"

using namespace megarouter;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
    std::random_device rd;
    fs::path dir = fs::temp_directory_path() / ("mr-store-" + std::to_string(rd()));
    return dir;
}

} // namespace

TEST_CASE("store: a new database is private, in WAL mode, with migrations applied") {
    fs::path dir = temp_dir() / "nested";
    auto db = store::Database::open(dir / "m.db");
    REQUIRE(db);
    struct stat st{};
    REQUIRE(::stat((dir / "m.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    auto mode = db->prepare("PRAGMA journal_mode");
    REQUIRE(mode);
    REQUIRE(mode->step().value());
    CHECK(mode->text(0) == "wal");
    auto fk = db->prepare("PRAGMA foreign_keys");
    REQUIRE(fk->step().value());
    CHECK(fk->int64(0) == 1);
    CHECK(db->schema_version() >= 1);
    fs::remove_all(dir.parent_path());
}

TEST_CASE("store: a database from a newer megarouter is refused with both versions named") {
    fs::path dir = temp_dir();
    {
        auto db = store::Database::open(dir / "m.db");
        REQUIRE(db);
        REQUIRE(db->exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (99999, 'future', 'x')"));
    }
    auto again = store::Database::open(dir / "m.db");
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::storage);
    CHECK(again.error().message.find("99999") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("store: a failed transaction rolls back, a good one commits") {
    auto db = store::Database::open_memory();
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (v INTEGER NOT NULL)"));
    auto bad = db->transaction([&]() -> Result<void> {
        auto ins = db->prepare("INSERT INTO t(v) VALUES (?)");
        if (!ins) return std::unexpected(ins.error());
        ins->bind(1, std::int64_t{1});
        if (auto r = ins->run(); !r) return r;
        return fail(ErrorCode::internal, "boom");
    });
    CHECK_FALSE(bad);
    auto count = db->prepare("SELECT count(*) FROM t");
    REQUIRE(count->step().value());
    CHECK(count->int64(0) == 0);
    auto good = db->transaction([&]() -> Result<void> {
        auto ins = db->prepare("INSERT INTO t(v) VALUES (?)");
        ins->bind_all(std::int64_t{7});
        return ins->run();
    });
    CHECK(good);
    count->reset();
    REQUIRE(count->step().value());
    CHECK(count->int64(0) == 1);
}

TEST_CASE("store: constraint violations are storage errors, not crashes") {
    auto db = store::Database::open_memory();
    REQUIRE(db);
    REQUIRE(db->exec("CREATE TABLE t (v INTEGER NOT NULL)"));
    auto ins = db->prepare("INSERT INTO t(v) VALUES (?)");
    REQUIRE(ins);
    ins->bind(1, nullptr);
    auto r = ins->run();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::storage);
    CHECK_FALSE(db->prepare("SELEKT nonsense"));
}
