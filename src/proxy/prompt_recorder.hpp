// The proxy's prompt log writer, on only when [server] log_prompts = true:
// requests hand finished exchanges to a queue and go on; one thread writes
// them to the prompt log in batches, so `megarouter logs` shows proxy traffic.
#pragma once

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "megarouter/core/error.hpp"
#include "megarouter/store/prompt_log.hpp"

namespace megarouter::proxy {

class PromptRecorder {
public:
    // Opens (and migrates) the database; fails with storage.
    static Result<std::unique_ptr<PromptRecorder>> open(const std::filesystem::path& database);
    // Writes what is queued, then stops the thread.
    ~PromptRecorder();
    PromptRecorder(const PromptRecorder&) = delete;
    PromptRecorder& operator=(const PromptRecorder&) = delete;

    // Queues one entry; never blocks on SQLite. Past k_max_queued entries
    // the entry is dropped and counted (a stalled disk must not grow memory);
    // the count is reported on stderr when the recorder stops.
    void record(store::PromptLogEntry entry);

    static constexpr std::size_t k_max_queued = 10'000;

private:
    explicit PromptRecorder(store::Database db);
    void run();

    store::Database m_db;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<store::PromptLogEntry> m_queue;
    bool m_stop = false;
    std::uint64_t m_dropped = 0;
    std::thread m_thread;
};

struct Exchange;
struct Shared;

// Queues `exchange` for the prompt log when it kept its text (log_prompts on
// when it began) and the recorder runs: the last user turn as the prompt,
// the answering attempt's text as the response, usage, cost and timing.
void record_prompt(const Exchange& exchange, Shared& shared, std::int64_t latency_ms);

} // namespace megarouter::proxy
