#include "proxy/prompt_recorder.hpp"

#include "megarouter/core/background.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "proxy/exchange.hpp"
#include "proxy/state.hpp"

namespace megarouter::proxy {

Result<std::unique_ptr<PromptRecorder>> PromptRecorder::open(const std::filesystem::path& database) {
    auto db = store::Database::open(database);
    if (!db) return std::unexpected(db.error());
    return std::unique_ptr<PromptRecorder>(new PromptRecorder(std::move(*db)));
}

PromptRecorder::PromptRecorder(store::Database db) : m_db(std::move(db)) {
    m_thread = std::thread([this] { run(); });
}

PromptRecorder::~PromptRecorder() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();
    if (m_dropped > 0)
        std::fprintf(stderr, "megarouter: %llu prompt log entries were not written\n",
                     static_cast<unsigned long long>(m_dropped));
}

void PromptRecorder::record(store::PromptLogEntry entry) {
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.size() >= k_max_queued) {
            ++m_dropped;
            return;
        }
        m_queue.push_back(std::move(entry));
    }
    m_wake.notify_one();
}

void PromptRecorder::run() {
    core::lower_thread_priority();
    bool warned = false;
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_queue.empty() && m_stop) break;
        std::deque<store::PromptLogEntry> batch;
        batch.swap(m_queue);
        lock.unlock();
        auto written = m_db.transaction([&]() -> Result<void> {
            for (const auto& entry : batch)
                if (auto id = store::log_prompt(m_db, entry); !id) return std::unexpected(id.error());
            return {};
        });
        lock.lock();
        if (!written) {
            m_dropped += batch.size();
            if (!warned) std::fprintf(stderr, "megarouter: prompt log not written: %s\n", written.error().message.c_str());
            warned = true;
        }
    }
}

namespace {

std::string last_user_text(const providers::ChatRequest& chat) {
    for (auto it = chat.messages.rbegin(); it != chat.messages.rend(); ++it)
        if (it->role == providers::Role::user) return it->text();
    return {};
}

std::string status_of(const Exchange& exchange) {
    if (exchange.error_code == "cancelled") return "interrupted";
    return exchange.status == 200 && exchange.error_code.empty() ? "ok" : "error";
}

} // namespace

void record_prompt(const Exchange& exchange, Shared& shared, std::int64_t latency_ms) {
    PromptRecorder* recorder = shared.prompts.get();
    if (!exchange.log_prompt || recorder == nullptr) return;
    auto now = std::chrono::system_clock::now();
    store::PromptLogEntry entry;
    entry.conversation_id = exchange.conversation_id.empty() ? exchange.request_id : exchange.conversation_id;
    entry.request_id = exchange.request_id;
    entry.model = exchange.model ? exchange.model->id : exchange.chat.model;
    entry.provider = exchange.offering ? exchange.offering->provider : "";
    entry.provider_model = exchange.offering ? exchange.offering->provider_model_id : "";
    entry.system = exchange.chat.system;
    entry.prompt = last_user_text(exchange.chat);
    entry.response = exchange.answer_text;
    entry.usage = exchange.usage;
    entry.cost = exchange.cost;
    entry.latency_ms = latency_ms;
    if (exchange.ttfb_us > 0) entry.first_token_ms = exchange.ttfb_us / 1000;
    entry.status = status_of(exchange);
    entry.error = exchange.error_code;
    entry.options = nlohmann::json{{"source", "proxy"},
                                   {"endpoint", exchange.path},
                                   {"requested_model", exchange.chat.model},
                                   {"key_id", exchange.caller.key_id()},
                                   {"messages", exchange.chat.messages.size()},
                                   {"stream", exchange.chat.stream},
                                   {"attempts", exchange.attempts}}
                        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    entry.started_at = store::iso_timestamp(now - std::chrono::milliseconds(latency_ms));
    entry.finished_at = store::iso_timestamp(now);
    recorder->record(std::move(entry));
}

} // namespace megarouter::proxy
