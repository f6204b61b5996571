// Behavior <-> JSON, the form in which tests configure a mock that runs in
// another process (POST /_mock/behavior, the x-mock-behavior header).
#include "megarouter/mock/mock_server.hpp"

#include <nlohmann/json.hpp>

#include <strings.h>

namespace megarouter::mock {
namespace {

using nlohmann::json;

// Reads `key` into `out` when present; false when present with a wrong type.
template <typename T> bool read_field(const json& object, const char* key, T& out) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return true;
    if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return false;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return false;
    } else {
        if (!it->is_number()) return false;
    }
    out = it->get<T>();
    return true;
}

template <typename T> bool read_optional(const json& object, const char* key, std::optional<T>& out) {
    if (!object.contains(key) || object[key].is_null()) return true;
    T value{};
    if (!read_field(object, key, value)) return false;
    out = value;
    return true;
}

// tool_arguments may be given as an object (natural) or as JSON text.
bool read_tool_arguments(const json& object, std::string& out) {
    auto it = object.find("tool_arguments");
    if (it == object.end() || it->is_null()) return true;
    if (it->is_object()) {
        out = it->dump();
        return true;
    }
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

} // namespace

std::expected<Behavior, std::string> behavior_from_json(std::string_view json_text) {
    json object = json::parse(json_text, nullptr, false);
    if (object.is_discarded() || !object.is_object()) return std::unexpected("behavior is not a JSON object");
    Behavior b;
    bool ok = read_field(object, "status", b.status) && read_optional(object, "retry_after", b.retry_after) &&
              read_field(object, "first_byte_delay_ms", b.first_byte_delay_ms) &&
              read_field(object, "chunk_delay_ms", b.chunk_delay_ms) && read_field(object, "hang", b.hang) &&
              read_optional(object, "cut_after_chunks", b.cut_after_chunks) &&
              read_field(object, "context_length_error", b.context_length_error) &&
              read_optional(object, "text", b.text) && read_field(object, "tool_call", b.tool_call) &&
              read_tool_arguments(object, b.tool_arguments) && read_field(object, "chunks", b.chunks) &&
              read_field(object, "cached_tokens", b.cached_tokens) &&
              read_field(object, "reasoning_tokens", b.reasoning_tokens) &&
              read_field(object, "fail_times", b.fail_times) && read_field(object, "require_key", b.require_key);
    if (!ok) return std::unexpected("behavior has a field of the wrong type");
    if (b.status != 0 && (b.status < 100 || b.status > 599)) return std::unexpected("behavior status out of range");
    return b;
}

std::string behavior_to_json(const Behavior& b) {
    json object = {{"status", b.status},
                   {"first_byte_delay_ms", b.first_byte_delay_ms},
                   {"chunk_delay_ms", b.chunk_delay_ms},
                   {"hang", b.hang},
                   {"context_length_error", b.context_length_error},
                   {"tool_call", b.tool_call},
                   {"tool_arguments", b.tool_arguments},
                   {"chunks", b.chunks},
                   {"cached_tokens", b.cached_tokens},
                   {"reasoning_tokens", b.reasoning_tokens},
                   {"fail_times", b.fail_times},
                   {"require_key", b.require_key}};
    if (b.retry_after) object["retry_after"] = *b.retry_after;
    if (b.cut_after_chunks) object["cut_after_chunks"] = *b.cut_after_chunks;
    if (b.text) object["text"] = *b.text;
    return object.dump();
}

std::string RecordedRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return value;
    }
    return {};
}

} // namespace megarouter::mock
