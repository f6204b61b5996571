// The prompt log (like `llm logs`): every `megarouter prompt` exchange, and
// the proxy's when [server] log_prompts is on, with its conversation, model,
// provider, tokens, cost and timing, stored in SQLite with full-text search
// over prompts and responses. Not thread-safe (one Database per thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "megarouter/catalog/model.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/store/database.hpp"

namespace megarouter::store {

struct PromptLogEntry {
    std::int64_t id = 0;
    std::string conversation_id;
    std::string request_id;
    std::string model;          // catalog id (or what was asked when unknown)
    std::string provider;
    std::string provider_model;
    std::string system;
    std::string prompt;
    std::string response;       // what arrived, also when the call failed midway
    catalog::Usage usage;
    catalog::Nanos cost = 0;
    std::int64_t latency_ms = 0;
    std::optional<std::int64_t> first_token_ms;
    std::string status = "ok";  // ok | error | interrupted
    std::string error;
    std::string options = "{}"; // JSON of the -o parameters
    std::string started_at;     // ISO 8601 UTC
    std::string finished_at;
};

// A time as the log's timestamps are written: ISO 8601 UTC with milliseconds.
std::string iso_timestamp(std::chrono::system_clock::time_point when);
inline std::string iso_timestamp_now() { return iso_timestamp(std::chrono::system_clock::now()); }

// Inserts `entry` (its id is ignored); returns the new row id. Fails with storage.
Result<std::int64_t> log_prompt(Database& db, const PromptLogEntry& entry);

// The newest `limit` entries, newest first; only `conversation_id`'s when given.
Result<std::vector<PromptLogEntry>> list_prompts(Database& db, int limit, const std::string& conversation_id = "");

// One entry by row id; not_found when absent.
Result<PromptLogEntry> get_prompt(Database& db, std::int64_t id);

// A conversation's entries, oldest first (to continue it).
Result<std::vector<PromptLogEntry>> conversation(Database& db, const std::string& conversation_id);

// The conversation id of the newest entry; not_found when the log is empty.
Result<std::string> last_conversation(Database& db);

// Full-text search (FTS5 query syntax; plain words are ANDed), best match
// first. Fails with invalid_argument on a malformed query.
Result<std::vector<PromptLogEntry>> search_prompts(Database& db, const std::string& query, int limit);

nlohmann::json to_json(const PromptLogEntry& entry);

} // namespace megarouter::store
