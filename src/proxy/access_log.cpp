#include "megarouter/proxy/access_log.hpp"

#include <cmath>
#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace megarouter::proxy {

Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& target, bool json) {
    if (target == "off") return std::unique_ptr<AccessLog>(new AccessLog(nullptr, false, json));
    if (target.empty()) return std::unique_ptr<AccessLog>(new AccessLog(stderr, false, json));
    if (target == "-") return std::unique_ptr<AccessLog>(new AccessLog(stdout, false, json));
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::io, "cannot open access log " + target);
    std::FILE* file = ::fdopen(fd, "a");
    if (!file) {
        ::close(fd);
        return fail(ErrorCode::io, "cannot open access log " + target);
    }
    return std::unique_ptr<AccessLog>(new AccessLog(file, true, json));
}

AccessLog::~AccessLog() {
    if (m_owned && m_file) std::fclose(m_file);
}

namespace {
std::string iso_time(std::int64_t ms) {
    std::time_t seconds = ms / 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buffer;
}
} // namespace

std::string AccessLog::format(const AccessRecord& r, bool json) {
    if (json) {
        nlohmann::json line = {{"time", iso_time(r.ts_ms)}, {"request_id", r.request_id}, {"method", r.method},
                               {"path", r.path}, {"key_id", r.key_id}, {"requested_model", r.requested_model},
                               {"model", r.model}, {"provider", r.provider}, {"mode", r.mode},
                               {"status", r.status}, {"stream", r.stream}, {"input_tokens", r.input_tokens},
                               {"output_tokens", r.output_tokens}, {"cost_usd", r.cost_usd},
                               {"latency_ms", r.latency_ms}, {"ttfb_ms", r.ttfb_ms},
                               {"overhead_ms", std::round(r.overhead_ms * 1000) / 1000}, {"attempts", r.attempts},
                               {"error", r.error}};
        return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    char cost[32], overhead[32];
    std::snprintf(cost, sizeof cost, "%.6f", r.cost_usd);
    std::snprintf(overhead, sizeof overhead, "%.3f", r.overhead_ms);
    std::string line = iso_time(r.ts_ms) + " " + r.request_id + " " + r.method + " " + r.path + " " +
                       std::to_string(r.status) + " key=" + (r.key_id.empty() ? "-" : r.key_id) +
                       " model=" + (r.model.empty() ? "-" : r.model) + " provider=" + (r.provider.empty() ? "-" : r.provider) +
                       " tokens=" + std::to_string(r.input_tokens) + "/" + std::to_string(r.output_tokens) +
                       " cost=$" + cost + " latency=" + std::to_string(r.latency_ms) + "ms overhead=" + overhead + "ms attempts=" +
                       std::to_string(r.attempts);
    if (r.stream) line += " stream ttfb=" + std::to_string(r.ttfb_ms) + "ms";
    if (!r.error.empty()) line += " error=" + r.error;
    return line;
}

void AccessLog::write(const AccessRecord& record) {
    if (!m_file) return;
    std::string line = format(record, m_json);
    line += '\n';
    std::lock_guard lock(m_mutex);
    std::fwrite(line.data(), 1, line.size(), m_file);
    std::fflush(m_file);
}

} // namespace megarouter::proxy
