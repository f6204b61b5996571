// Statement shorthands for the governance sources: prepare, bind and run or
// iterate in one call, errors as values.
#pragma once

#include <utility>

#include "megarouter/store/database.hpp"

namespace megarouter::governance::sql {

template <typename... Args>
Result<void> run(store::Database& db, std::string_view text, const Args&... args) {
    auto statement = db.prepare(text);
    if (!statement) return std::unexpected(statement.error());
    statement->bind_all(args...);
    return statement->run();
}

// Calls `row(statement)` for every row; returns the number of rows.
template <typename Row, typename... Args>
Result<int> each(store::Database& db, std::string_view text, Row&& row, const Args&... args) {
    auto statement = db.prepare(text);
    if (!statement) return std::unexpected(statement.error());
    statement->bind_all(args...);
    int count = 0;
    while (true) {
        auto more = statement->step();
        if (!more) return std::unexpected(more.error());
        if (!*more) return count;
        row(*statement);
        ++count;
    }
}

inline std::optional<std::int64_t> optional_int(const store::Statement& s, int column) {
    if (s.is_null(column)) return std::nullopt;
    return s.int64(column);
}

} // namespace megarouter::governance::sql
