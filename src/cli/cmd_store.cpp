// `megarouter store migrate --to postgresql://...`: copies an SQLite store
// (the configured one, or --from FILE) into an empty PostgreSQL database, so
// a team can start embedded and grow; then point [store] url at it.
#include <unistd.h>

#include <iostream>

#include "context.hpp"
#include "megarouter/core/database_location.hpp"
#include "megarouter/store/copy.hpp"

namespace megarouter::cli {

namespace {

struct MigrateOptions {
    std::string to;
    std::string from;
    bool json = false;
};

int run_migrate(Context& context, const MigrateOptions& options) {
    if (!core::is_postgres_url(options.to))
        return context.report(make_error(ErrorCode::invalid_argument,
                                         "--to takes a PostgreSQL URL (postgresql://user@host:5432/db), not '" +
                                             options.to + "'"));
    std::filesystem::path from = options.from;
    if (from.empty()) {
        auto config = context.config();
        if (!config) return context.report(config.error());
        from = (*config)->database;
    }
    if (core::is_postgres_url(from.native()))
        return context.report(make_error(ErrorCode::invalid_argument,
                                         "the store to copy is already PostgreSQL (" +
                                             core::printable_location(from.native()) + "); pass --from FILE"));
    std::error_code ec;
    if (!std::filesystem::exists(from, ec))
        return context.report(make_error(ErrorCode::not_found, "no SQLite store at " + from.string()));
    auto source = store::Database::open(from); // brought to the current schema first, so the columns match
    if (!source) return context.report(source.error());
    auto target = store::Database::open(options.to);
    if (!target) return context.report(target.error());
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    std::int64_t last_shown = 0;
    auto progress = [&](std::string_view table, std::int64_t done, std::int64_t total) {
        if (!tty || (done - last_shown < 50'000 && done != total)) return;
        last_shown = done == total ? 0 : done;
        std::cerr << "\r  " << table << ": " << done << " / " << total << " rows" << (done == total ? "\n" : "")
                  << std::flush;
    };
    auto copied = store::copy_store(*source, *target, progress);
    if (!copied) return context.report(copied.error());
    std::int64_t rows = 0;
    for (const auto& t : *copied) rows += t.rows;
    std::string where = core::printable_location(options.to);
    if (options.json) {
        nlohmann::json tables = nlohmann::json::object();
        for (const auto& t : *copied) tables[t.name] = t.rows;
        std::cout << nlohmann::json{{"from", from.string()}, {"to", where}, {"rows", rows}, {"tables", tables}}.dump(2)
                  << "\n";
        return 0;
    }
    for (const auto& t : *copied)
        if (t.rows > 0) std::cout << "  " << t.name << ": " << t.rows << "\n";
    std::cout << "copied " << rows << " rows from " << from.string() << " to " << where
              << "\nnext: set [store] url = \"" << where << "\" (or MEGAROUTER_DATABASE_URL) for every gateway and CLI\n";
    return 0;
}

} // namespace

void add_store_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("store", "Move the store: copy SQLite into PostgreSQL");
    cmd->require_subcommand(1);
    set_examples(*cmd, "  megarouter store migrate --to postgresql://megarouter@db:5432/megarouter\n"
                       "  megarouter store migrate --from ./megarouter.db --to postgresql://... --json\n");
    auto options = std::make_shared<MigrateOptions>();
    auto* migrate = cmd->add_subcommand("migrate", "Copy an SQLite store into an empty PostgreSQL database");
    migrate->add_option("--to", options->to, "The PostgreSQL URL to copy into (an empty database)")->required();
    migrate->add_option("--from", options->from, "The SQLite file to copy (default: the configured store)");
    migrate->add_flag("--json", options->json, "Print what was copied as JSON");
    migrate->callback([&context, options] { context.exit_code = run_migrate(context, *options); });
}

} // namespace megarouter::cli
