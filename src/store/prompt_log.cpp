#include "megarouter/store/prompt_log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace megarouter::store {

namespace {

constexpr const char* k_columns =
    "id, conversation_id, request_id, model, provider, provider_model, system, prompt, response, input_tokens,"
    " cached_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos, latency_ms, first_token_ms,"
    " status, error, options, started_at, finished_at";

PromptLogEntry read_row(const Statement& s) {
    PromptLogEntry e;
    e.id = s.int64(0);
    e.conversation_id = s.text(1);
    e.request_id = s.text(2);
    e.model = s.text(3);
    e.provider = s.text(4);
    e.provider_model = s.text(5);
    e.system = s.text(6);
    e.prompt = s.text(7);
    e.response = s.text(8);
    e.usage = {s.int64(9), s.int64(10), s.int64(11), s.int64(12), s.int64(13)};
    e.cost = s.int64(14);
    e.latency_ms = s.int64(15);
    if (!s.is_null(16)) e.first_token_ms = s.int64(16);
    e.status = s.text(17);
    e.error = s.text(18);
    e.options = s.text(19);
    e.started_at = s.text(20);
    e.finished_at = s.text(21);
    return e;
}

Result<std::vector<PromptLogEntry>> collect(Statement statement) {
    std::vector<PromptLogEntry> out;
    while (true) {
        auto row = statement.step();
        if (!row) return fail(row.error());
        if (!*row) break;
        out.push_back(read_row(statement));
    }
    return out;
}

} // namespace

std::string iso_timestamp(std::chrono::system_clock::time_point now) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buffer[40];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(millis));
    return buffer;
}

Result<std::int64_t> log_prompt(Database& db, const PromptLogEntry& e) {
    auto statement = db.prepare(
        "INSERT INTO prompt_log (conversation_id, request_id, model, provider, provider_model, system, prompt, response,"
        " input_tokens, cached_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos, latency_ms,"
        " first_token_ms, status, error, options, started_at, finished_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!statement) return fail(statement.error());
    statement->bind_all(e.conversation_id, e.request_id, e.model, e.provider, e.provider_model, e.system, e.prompt,
                        e.response, e.usage.input, e.usage.cached_input, e.usage.cache_write, e.usage.output,
                        e.usage.reasoning, e.cost, e.latency_ms, e.first_token_ms, e.status, e.error, e.options,
                        e.started_at, e.finished_at);
    if (auto done = statement->run(); !done) return fail(done.error());
    return db.last_insert_id();
}

Result<std::vector<PromptLogEntry>> list_prompts(Database& db, int limit, const std::string& conversation_id) {
    std::string sql = std::string("SELECT ") + k_columns + " FROM prompt_log" +
                      (conversation_id.empty() ? "" : " WHERE conversation_id = ?2") + " ORDER BY id DESC LIMIT ?1";
    auto statement = db.prepare(sql);
    if (!statement) return fail(statement.error());
    statement->bind(1, limit);
    if (!conversation_id.empty()) statement->bind(2, conversation_id);
    return collect(std::move(*statement));
}

Result<PromptLogEntry> get_prompt(Database& db, std::int64_t id) {
    auto statement = db.prepare(std::string("SELECT ") + k_columns + " FROM prompt_log WHERE id = ?");
    if (!statement) return fail(statement.error());
    statement->bind(1, id);
    auto rows = collect(std::move(*statement));
    if (!rows) return fail(rows.error());
    if (rows->empty()) return fail(ErrorCode::not_found, "no log entry " + std::to_string(id));
    return std::move(rows->front());
}

Result<std::vector<PromptLogEntry>> conversation(Database& db, const std::string& conversation_id) {
    auto statement = db.prepare(std::string("SELECT ") + k_columns +
                                " FROM prompt_log WHERE conversation_id = ? ORDER BY id");
    if (!statement) return fail(statement.error());
    statement->bind(1, conversation_id);
    return collect(std::move(*statement));
}

Result<std::string> last_conversation(Database& db) {
    auto statement = db.prepare("SELECT conversation_id FROM prompt_log ORDER BY id DESC LIMIT 1");
    if (!statement) return fail(statement.error());
    auto row = statement->step();
    if (!row) return fail(row.error());
    if (!*row) return fail(ErrorCode::not_found, "there is no earlier conversation to continue");
    return statement->text(0);
}

Result<std::vector<PromptLogEntry>> search_prompts(Database& db, const std::string& query, int limit) {
    std::string columns;
    for (std::string_view rest = k_columns; !rest.empty();) {
        auto comma = rest.find(',');
        std::string_view column = rest.substr(0, comma);
        while (!column.empty() && column.front() == ' ') column.remove_prefix(1);
        columns += (columns.empty() ? "p." : ", p.") + std::string(column);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    // SQLite: the FTS5 table's query syntax and rank. PostgreSQL: the GIN
    // index of migration 10, web-search syntax ("a b", -word, or), rank by ts_rank.
    constexpr const char* k_vector = "to_tsvector('simple', p.prompt || ' ' || p.response)";
    auto statement = db.prepare(
        db.backend() == Backend::postgresql
            ? "SELECT " + columns + " FROM prompt_log p WHERE " + k_vector +
                  " @@ websearch_to_tsquery('simple', ?1) ORDER BY ts_rank(" + k_vector +
                  ", websearch_to_tsquery('simple', ?1)) DESC, p.id DESC LIMIT ?2"
            : "SELECT " + columns +
                  " FROM prompt_log_fts JOIN prompt_log p ON p.id = prompt_log_fts.rowid"
                  " WHERE prompt_log_fts MATCH ? ORDER BY rank LIMIT ?");
    if (!statement) return fail(statement.error());
    statement->bind(1, query).bind(2, limit);
    auto rows = collect(std::move(*statement));
    if (!rows) {
        Error error = rows.error();
        if (error.message.find("fts5") != std::string::npos || error.message.find("syntax") != std::string::npos) {
            error.code = ErrorCode::invalid_argument;
            error.message = "bad search query: " + error.message;
        }
        return fail(error);
    }
    return rows;
}

nlohmann::json to_json(const PromptLogEntry& e) {
    nlohmann::json out = {{"id", e.id},
                          {"conversation_id", e.conversation_id},
                          {"request_id", e.request_id},
                          {"model", e.model},
                          {"provider", e.provider},
                          {"provider_model", e.provider_model},
                          {"system", e.system},
                          {"prompt", e.prompt},
                          {"response", e.response},
                          {"usage",
                           {{"input_tokens", e.usage.input},
                            {"cached_input_tokens", e.usage.cached_input},
                            {"cache_write_tokens", e.usage.cache_write},
                            {"output_tokens", e.usage.output},
                            {"reasoning_tokens", e.usage.reasoning}}},
                          {"cost_usd", static_cast<double>(e.cost) / catalog::k_nanos_per_usd},
                          {"latency_ms", e.latency_ms},
                          {"first_token_ms", e.first_token_ms ? nlohmann::json(*e.first_token_ms) : nlohmann::json(nullptr)},
                          {"status", e.status},
                          {"error", e.error},
                          {"options", nlohmann::json::parse(e.options, nullptr, false)},
                          {"started_at", e.started_at},
                          {"finished_at", e.finished_at}};
    if (out["options"].is_discarded()) out["options"] = nlohmann::json::object();
    return out;
}

} // namespace megarouter::store
