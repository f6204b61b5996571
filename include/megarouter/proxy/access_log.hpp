// The proxy's access log: one line per request, as text or JSON lines, to
// stderr, stdout or a file. It records who (key id, never the key), what
// (model, provider), how it went (status, tokens, cost, latency, attempts);
// prompts are never part of it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "megarouter/core/error.hpp"

namespace megarouter::proxy {

struct AccessRecord {
    std::int64_t ts_ms = 0;          // when the request finished
    std::string request_id;
    std::string method;
    std::string path;
    std::string key_id;              // "" without keys
    std::string requested_model;
    std::string model;               // the model that answered ("" when none)
    std::string provider;
    std::string mode;
    int status = 0;
    bool stream = false;
    std::int64_t input_tokens = 0;   // input incl. cached
    std::int64_t output_tokens = 0;
    double cost_usd = 0;
    std::int64_t latency_ms = 0;
    std::int64_t ttfb_ms = 0;        // streams: until the first byte was committed
    double overhead_ms = 0;          // megarouter's own time: latency minus the wait inside upstream calls
    int attempts = 0;
    std::string error;               // ErrorCode name, "" on success
};

// Thread-safe; a line is written whole or not at all.
class AccessLog {
public:
    // `target`: "" = stderr, "-" = stdout, "off" = nothing, else a file path
    // (appended, created 0600). Fails with io when the file cannot be opened.
    static Result<std::unique_ptr<AccessLog>> open(const std::string& target, bool json);
    ~AccessLog();

    void write(const AccessRecord& record);

    // The line for a record, without the newline (exposed for tests).
    static std::string format(const AccessRecord& record, bool json);

private:
    AccessLog(std::FILE* file, bool owned, bool json) : m_file(file), m_owned(owned), m_json(json) {}
    std::FILE* m_file;
    bool m_owned;
    bool m_json;
    std::mutex m_mutex;
};

} // namespace megarouter::proxy
