// Copying a whole store into an empty one (`megarouter store migrate`): a
// team that started on SQLite moves its tree, keys, budgets, pools, usage,
// ledger (with its rollup), alerts and prompt log into PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/store/database.hpp"

namespace megarouter::store {

struct CopiedTable {
    std::string name;
    std::int64_t rows = 0;
};

// Called now and then while a table is copied: its name, rows so far, rows in all.
using CopyProgress = std::function<void(std::string_view table, std::int64_t done, std::int64_t total)>;

// Copies every table of `from` into `to`, which must hold no data yet, in one
// transaction of `to` (all or nothing). Rows keep their ids; ledger rows are
// marked rolled up, since the rollup is copied as it is. Fails with
// invalid_argument when `to` is not empty, storage on a database error.
Result<std::vector<CopiedTable>> copy_store(Database& from, Database& to, const CopyProgress& progress = {});

} // namespace megarouter::store
