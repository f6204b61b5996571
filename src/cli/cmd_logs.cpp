// `megarouter logs [list|show ID|search TEXT]`: reads the prompt log.
#include <charconv>
#include <iostream>

#include "context.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/store/prompt_log.hpp"
#include "prompt.hpp"

namespace megarouter::cli {

namespace {

struct LogsOptions {
    int limit = 20;
    bool json = false;
    std::string cid;
    std::string id;
    std::vector<std::string> query;
};

std::string one_line(std::string text, std::size_t width) {
    for (char& c : text)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (text.size() > width) text = text.substr(0, width - 3) + "...";
    return text;
}

void print_list(const std::vector<PromptLogEntry>& entries, bool json) {
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : entries) out.push_back(to_json(e));
        std::cout << out.dump(2) << "\n";
        return;
    }
    for (const auto& e : entries)
        std::cout << "#" << e.id << "  " << e.started_at << "  " << e.model << " (" << e.provider << ")  "
                  << catalog::format_usd(e.cost) << (e.status == "ok" ? "" : "  [" + e.status + "]") << "\n    "
                  << one_line(e.prompt, 70) << "\n    -> " << one_line(e.response, 70) << "\n";
}

void print_entry(const PromptLogEntry& e) {
    std::cout << "id:           " << e.id << "\n"
              << "conversation: " << e.conversation_id << "\n"
              << "request:      " << e.request_id << "\n"
              << "model:        " << e.model << " (" << e.provider << ": " << e.provider_model << ")\n"
              << "time:         " << e.started_at << " .. " << e.finished_at << " (" << e.latency_ms << " ms)\n"
              << "tokens:       " << e.usage.input << " input, " << e.usage.cached_input << " cached, "
              << e.usage.cache_write << " cache write, " << e.usage.output << " output (" << e.usage.reasoning << " reasoning)\n"
              << "cost:         " << catalog::format_usd(e.cost) << "\n"
              << "status:       " << e.status << (e.error.empty() ? "" : ": " + e.error) << "\n";
    if (!e.system.empty()) std::cout << "\n## System\n\n" << e.system << "\n";
    std::cout << "\n## Prompt\n\n" << e.prompt << "\n\n## Response\n\n" << e.response << "\n";
}

Result<store::Database> open_log(Context& context) {
    auto config = context.config();
    if (!config) return fail(config.error());
    return store::Database::open((*config)->database);
}

int run_list(Context& context, const LogsOptions& options) {
    auto db = open_log(context);
    if (!db) return context.report(db.error());
    auto entries = list_prompts(*db, options.limit, options.cid);
    if (!entries) return context.report(entries.error());
    print_list(*entries, options.json);
    return 0;
}

int run_show(Context& context, const LogsOptions& options) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(options.id.data(), options.id.data() + options.id.size(), id);
    auto db = open_log(context);
    if (!db) return context.report(db.error());
    if (ec != std::errc() || end != options.id.data() + options.id.size()) {
        // Not a number: a conversation id, shown turn by turn.
        auto turns = conversation(*db, options.id);
        if (!turns) return context.report(turns.error());
        if (turns->empty()) return context.report(make_error(ErrorCode::not_found, "no log entry or conversation " + options.id));
        if (options.json) return print_list(*turns, true), 0;
        for (const auto& turn : *turns) print_entry(turn), std::cout << "\n";
        return 0;
    }
    auto entry = get_prompt(*db, id);
    if (!entry) return context.report(entry.error());
    if (options.json) std::cout << to_json(*entry).dump(2) << "\n";
    else print_entry(*entry);
    return 0;
}

int run_search(Context& context, const LogsOptions& options) {
    std::string query;
    for (const auto& word : options.query) query += (query.empty() ? "" : " ") + word;
    auto db = open_log(context);
    if (!db) return context.report(db.error());
    auto entries = search_prompts(*db, query, options.limit);
    if (!entries) return context.report(entries.error());
    print_list(*entries, options.json);
    return 0;
}

} // namespace

void add_logs_command(CLI::App& app, Context& context) {
    auto* logs = app.add_subcommand("logs", "List, show and search logged prompts and responses");
    static LogsOptions options;
    logs->add_option("-n,--limit", options.limit, "How many entries (default 20)");
    logs->add_flag("--json", options.json, "Print JSON");
    set_examples(*logs, "  megarouter logs\n  megarouter logs list -n 5 --json\n  megarouter logs show 42\n"
                        "  megarouter logs search \"sqlite AND wal\"\n");
    logs->callback([&context, logs] {
        if (logs->get_subcommands().empty()) context.exit_code = run_list(context, options);
    });

    auto* list = logs->add_subcommand("list", "The newest entries, newest first");
    list->add_option("-n,--limit", options.limit, "How many entries (default 20)");
    list->add_option("--cid", options.cid, "Only this conversation");
    list->add_flag("--json", options.json, "Print JSON");
    list->callback([&context] { context.exit_code = run_list(context, options); });

    auto* show = logs->add_subcommand("show", "One entry by number, or a whole conversation by id");
    show->add_option("id", options.id, "Entry number or conversation id")->required();
    show->add_flag("--json", options.json, "Print JSON");
    show->callback([&context] { context.exit_code = run_show(context, options); });

    auto* search = logs->add_subcommand("search", "Full-text search over prompts and responses");
    search->add_option("text", options.query, "Words to find (SQLite FTS5 syntax)")->required();
    search->add_option("-n,--limit", options.limit, "How many entries (default 20)");
    search->add_flag("--json", options.json, "Print JSON");
    search->callback([&context] { context.exit_code = run_search(context, options); });
}

} // namespace megarouter::cli
