// `megarouter prompt`: one prompt from the terminal, streamed to stdout.
#include <csignal>
#include <condition_variable>
#include <iostream>

#include "megarouter/core/database_location.hpp"
#include <mutex>
#include <thread>
#include <unistd.h>

#include "prompt.hpp"
#include "prompt_ledger.hpp"

namespace megarouter::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

// Installs the SIGINT handler for the call, restoring the old one after.
class InterruptGuard {
public:
    InterruptGuard() {
        struct sigaction action {};
        action.sa_handler = on_sigint;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &m_previous);
    }
    ~InterruptGuard() { ::sigaction(SIGINT, &m_previous, nullptr); }

private:
    struct sigaction m_previous {};
};

// A spinner on stderr (TTY only) until the first token or the end.
class Spinner {
public:
    explicit Spinner(bool enabled) {
        if (!enabled) return;
        m_thread = std::thread([this] {
            const char* frames = "|/-\\";
            std::unique_lock lock(m_mutex);
            for (int i = 0; !m_done; ++i) {
                std::fprintf(stderr, "\r%c thinking", frames[i % 4]);
                std::fflush(stderr);
                m_wake.wait_for(lock, std::chrono::milliseconds(100));
            }
            std::fprintf(stderr, "\r          \r");
            std::fflush(stderr);
        });
    }
    ~Spinner() { stop(); }
    void stop() {
        if (!m_thread.joinable()) return;
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

private:
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_done = false;
};

Result<void> add_history(store::Database& db, const std::string& cid, providers::ChatRequest& request) {
    auto turns = conversation(db, cid);
    if (!turns) return fail(turns.error());
    if (turns->empty()) return fail(ErrorCode::not_found, "no conversation " + cid + " in the log");
    for (const PromptLogEntry& turn : *turns) {
        providers::Message user{providers::Role::user, {{providers::ContentPart::Kind::text, turn.prompt, "", "", ""}}, {}, "", "", false};
        providers::Message assistant{providers::Role::assistant, {{providers::ContentPart::Kind::text, turn.response, "", "", ""}}, {}, "", "", false};
        request.messages.push_back(std::move(user));
        request.messages.push_back(std::move(assistant));
    }
    if (request.system.empty()) request.system = turns->back().system;
    return {};
}

void print_usage_line(const PromptLogEntry& e) {
    std::fprintf(stderr, "%s via %s: %lld input (%lld cached) + %lld output tokens, %s, %lld ms\n", e.model.c_str(),
                 e.provider.c_str(), static_cast<long long>(e.usage.input + e.usage.cached_input + e.usage.cache_write),
                 static_cast<long long>(e.usage.cached_input), static_cast<long long>(e.usage.output),
                 catalog::format_usd(e.cost).c_str(), static_cast<long long>(e.latency_ms));
}

nlohmann::json record(const PromptOutcome& outcome) {
    nlohmann::json out = to_json(outcome.entry);
    out["text"] = outcome.entry.response;
    if (!outcome.response.tool_calls.empty()) {
        out["tool_calls"] = nlohmann::json::array();
        for (const auto& call : outcome.response.tool_calls)
            out["tool_calls"].push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
    }
    out["finish_reason"] = providers::to_string(outcome.response.finish);
    out.erase("response");
    return out;
}

int run(Context& context, const PromptOptions& options) {
    auto config = context.config();
    if (!config) return context.report(config.error());
    if (options.continue_last && !options.cid.empty())
        return context.report(make_error(ErrorCode::invalid_argument, "use either --continue or --cid, not both"));
    auto text = read_prompt(options.words, ::isatty(STDIN_FILENO) == 0);
    if (!text) return context.report(text.error());

    providers::ChatRequest request;
    request.model = options.model;
    request.system = options.system;
    nlohmann::json echo = nlohmann::json::object();
    if (auto applied = apply_params(options.params, request, echo); !applied) return context.report(applied.error());

    bool log = !options.no_log && (*config)->log_prompts;
    std::optional<store::Database> db;
    std::string cid = options.cid;
    if (log || options.continue_last || !cid.empty()) {
        auto opened = store::Database::open((*config)->database);
        if (!opened) return context.report(opened.error());
        db.emplace(std::move(*opened));
        if (options.continue_last) {
            auto last = last_conversation(*db);
            if (!last) return context.report(last.error());
            cid = *last;
        }
        if (!cid.empty())
            if (auto history = add_history(*db, cid, request); !history) return context.report(history.error());
    }
    request.messages.push_back({providers::Role::user, {{providers::ContentPart::Kind::text, *text, "", "", ""}}, {}, "", "", false});

    auto catalog = catalog::Catalog::load(**config, context.paths);
    if (!catalog) return context.report(catalog.error());

    bool stream = !options.no_stream && !options.json && !options.extract;
    Spinner spinner(::isatty(STDERR_FILENO) != 0 && !options.json);
    bool spinning = true;
    std::function<void(std::string_view)> print = [&](std::string_view piece) {
        if (spinning) {
            spinner.stop();
            spinning = false;
        }
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
    };
    g_interrupted.store(false);
    PromptOutcome outcome;
    {
        InterruptGuard guard;
        outcome = run_prompt(context, **config, *catalog, options, request, stream ? &print : nullptr, g_interrupted);
    }
    spinner.stop();

    PromptLogEntry& entry = outcome.entry;
    entry.conversation_id = cid.empty() ? entry.request_id : cid;
    entry.system = request.system;
    entry.prompt = *text;
    entry.options = echo.dump();
    if (log && db)
        if (auto logged = log_prompt(*db, entry); logged) entry.id = *logged;
        else std::cerr << "megarouter: could not log the prompt: " << logged.error().message << "\n";
    // What it cost goes into the ledger whatever --no-log says: that flag
    // keeps the text out of the log, not the money out of the reports.
    if (reached_provider(entry)) {
        if (!db)
            if (auto opened = store::Database::open((*config)->database); opened) db.emplace(std::move(*opened));
        PromptSpend spend{.requested = options.model.empty() ? (*config)->default_model : options.model,
                          .mode = options.mode.empty() ? (*config)->default_mode : options.mode,
                          .error_code = outcome.error ? std::string(to_string(outcome.error->code)) : std::string(),
                          .pricing = outcome.pricing};
        if (!db) std::cerr << "megarouter: could not open " << core::printable_location((*config)->database.native()) << " to record the spend\n";
        else if (auto spent = record_prompt_spend(*db, entry, spend, **config, *catalog); !spent)
            std::cerr << "megarouter: could not record the spend: " << spent.error().message << "\n";
    }

    if (options.json) {
        std::cout << record(outcome).dump() << "\n";
    } else if (options.extract) {
        std::cout << extract_code_block(outcome.response.text);
    } else if (!stream) {
        std::cout << outcome.response.text << "\n";
    } else if (outcome.streamed_to_stdout) {
        std::cout << "\n";
    }
    std::cout.flush();
    if (options.usage && !outcome.error) print_usage_line(entry);
    if (outcome.error) return context.report(*outcome.error);
    return 0;
}

} // namespace

void add_prompt_command(CLI::App& app, Context& context) {
    auto* sub = app.add_subcommand("prompt", "Send a prompt to a model and stream the answer");
    static PromptOptions options;
    sub->add_option("text", options.words, "The prompt (stdin, when piped, comes first)");
    sub->add_option("-m,--model", options.model, "Model id, alias, provider/model or auto (default: config default_model)");
    sub->add_option("-s,--system", options.system, "System prompt");
    sub->add_option("--mode", options.mode, "Routing mode for auto: balanced, cost, latency, availability")
        ->check(CLI::IsMember({"balanced", "cost", "latency", "availability"}));
    sub->add_option("-o,--option", options.params, "Parameter key=value (temperature, top_p, max_tokens, seed, stop, user, reasoning_effort, json)");
    sub->add_option("--max-cost", options.max_cost_usd, "Refuse to send when the estimated cost exceeds this many USD");
    sub->add_flag("--no-stream", options.no_stream, "Wait for the whole answer instead of streaming");
    sub->add_flag("--json", options.json, "Print one JSON record (model, provider, text, usage, cost, latency, ids)");
    sub->add_flag("-x,--extract", options.extract, "Print only the first fenced code block of the answer");
    sub->add_flag("--usage", options.usage, "Print model, tokens and cost on stderr after the answer");
    sub->add_flag("-n,--no-log", options.no_log, "Do not record this prompt in the log");
    sub->add_flag("-c,--continue", options.continue_last, "Continue the most recent conversation");
    sub->add_option("--cid", options.cid, "Continue the conversation with this id");
    set_examples(*sub,
                 "  megarouter prompt \"what is a monad?\"\n"
                 "  cat main.cpp | megarouter prompt \"explain this\"\n"
                 "  megarouter prompt -m claude-sonnet-4 -s \"be brief\" -o temperature=0.2 \"hello\"\n"
                 "  megarouter prompt --mode cost --max-cost 0.01 --usage \"summarise\" < notes.txt\n"
                 "  megarouter prompt -x \"a bash one-liner to count lines\" > count.sh\n"
                 "  megarouter prompt -c \"and in Python?\"\n"
                 "  megarouter prompt --json \"2+2\" | jq .usage\n");
    sub->callback([&context] { context.exit_code = run(context, options); });
}

} // namespace megarouter::cli
