#include <limits>
#include "adapter_util.hpp"

#include <algorithm>
#include <cctype>

namespace megarouter::providers::detail {

bool has_non_null(std::string_view text, std::string_view quoted_key) {
    for (std::size_t at = text.find(quoted_key); at != std::string_view::npos; at = text.find(quoted_key, at + 1)) {
        std::size_t i = at + quoted_key.size();
        auto skip_space = [&] {
            while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
        };
        skip_space();
        if (i >= text.size() || text[i] != ':') continue; // a string value, not a key
        ++i;
        skip_space();
        if (text.substr(i, 4) != "null") return true;
    }
    return false;
}

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
    std::vector<SseEvent> out;
    for (char c : bytes) {
        if (c == '\n' && m_last_was_cr) { // the \n of a \r\n pair
            m_last_was_cr = false;
            continue;
        }
        m_last_was_cr = c == '\r';
        if (c == '\n' || c == '\r') {
            if (!m_dropping) line(m_buffer, out);
            else if (!m_dropped_line) m_dropping = false; // the blank line that ends the dropped event
            m_dropped_line = false;
            m_buffer.clear();
        } else if (m_dropping) {
            m_dropped_line = true;
        } else {
            m_buffer += c;
            if (m_buffer.size() + m_current.data.size() > k_max_sse_event_bytes) {
                m_dropping = m_dropped_line = true;
                m_buffer = std::string();
                m_current = SseEvent{};
                m_has_data = false;
            }
        }
    }
    return out;
}

void SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
    if (text.empty()) {
        if (m_has_data) out.push_back(std::move(m_current));
        m_current = SseEvent{};
        m_has_data = false;
        return;
    }
    if (text.front() == ':') return;
    auto colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "event") {
        m_current.event = std::string(value);
    } else if (field == "data") {
        if (m_has_data) m_current.data += '\n';
        m_current.data += value;
        m_has_data = true;
    }
}

std::string sse_frame(std::string_view event, const nlohmann::json& data) {
    std::string out;
    if (!event.empty()) {
        out += "event: ";
        out += event;
        out += '\n';
    }
    out += "data: ";
    out += data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "\n\n";
    return out;
}

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

} // namespace

bool looks_like_context_length(std::string_view text) {
    std::string t = lower(text);
    for (const char* needle : {"context_length_exceeded", "context length", "context window", "prompt is too long",
                               "maximum context", "too many tokens", "input token count", "exceeds the maximum number of tokens",
                               "string_above_max_length", "request too large for model"})
        if (t.find(needle) != std::string::npos) return true;
    return false;
}

bool looks_like_content_policy(std::string_view text) {
    std::string t = lower(text);
    for (const char* needle : {"content_policy", "content policy", "content_filter", "content management policy",
                               "safety", "responsibleaipolicyviolation", "flagged"})
        if (t.find(needle) != std::string::npos) return true;
    return false;
}

Error classify_status(int status, std::string message, const upstream::Headers& headers) {
    Error error;
    error.upstream_status = status;
    error.retry_after_seconds = upstream::retry_after_from(headers);
    if (message.empty()) message = "upstream answered HTTP " + std::to_string(status);
    error.message = std::move(message);
    if (status == 429) {
        error.code = ErrorCode::rate_limited;
        error.retryable = true;
    } else if (status == 408 || status == 504 || status == 524) {
        error.code = ErrorCode::upstream_timeout;
        error.retryable = true;
    } else if (status >= 500) {
        error.code = ErrorCode::upstream_unavailable;
        error.retryable = true;
    } else if (looks_like_context_length(error.message) || status == 413) {
        error.code = ErrorCode::context_length_exceeded;
    } else if (looks_like_content_policy(error.message)) {
        error.code = ErrorCode::content_policy;
    } else if (status == 401) {
        error.code = ErrorCode::unauthenticated;
    } else if (status == 403) {
        error.code = ErrorCode::permission_denied;
    } else if (status == 404) {
        error.code = ErrorCode::not_found;
    } else if (status >= 400) {
        error.code = ErrorCode::invalid_argument;
    } else {
        error.code = ErrorCode::upstream_error;
    }
    // An explicit `x-should-retry` from the provider wins over the status.
    if (auto hint = upstream::header_value(headers, "x-should-retry")) error.retryable = *hint == "true";
    return error;
}

std::string str(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

nlohmann::json schema_of(const nlohmann::json& response_format) {
    if (!response_format.is_object()) return nlohmann::json::object();
    auto outer = response_format.find("json_schema");
    if (outer == response_format.end() || !outer->is_object()) return nlohmann::json::object();
    auto schema = outer->find("schema");
    return schema != outer->end() && schema->is_object() ? *schema : nlohmann::json::object();
}

std::int64_t to_int64(const nlohmann::json& value) {
    constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
    constexpr auto k_min = std::numeric_limits<std::int64_t>::min();
    if (value.is_number_unsigned()) {
        auto u = value.get<std::uint64_t>();
        return u > static_cast<std::uint64_t>(k_max) ? k_max : static_cast<std::int64_t>(u);
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (!value.is_number_float()) return 0;
    // A float outside int64's range converted with get<> is undefined behaviour.
    double d = value.get<double>();
    if (d != d) return 0;
    if (d >= 9.2e18) return k_max;
    if (d <= -9.2e18) return k_min;
    return static_cast<std::int64_t>(d);
}

std::int64_t num(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return 0;
    auto it = object.find(key);
    return it != object.end() && it->is_number() ? to_int64(*it) : 0;
}

std::int64_t tokens(const nlohmann::json& object, const char* key) {
    return std::clamp<std::int64_t>(num(object, key), 0, catalog::k_max_tokens);
}

nlohmann::json parse_or_null(std::string_view text) {
    auto value = core::parse_json_bounded(text, k_json_limits);
    if (!value) return nullptr;
    return std::move(*value);
}

bool split_data_url(std::string_view url, std::string& media_type, std::string& data) {
    if (!url.starts_with("data:")) return false;
    auto comma = url.find(',');
    if (comma == std::string_view::npos) return false;
    std::string_view meta = url.substr(5, comma - 5);
    auto semi = meta.find(';');
    media_type = std::string(meta.substr(0, semi));
    data = std::string(url.substr(comma + 1));
    return true;
}

} // namespace megarouter::providers::detail
