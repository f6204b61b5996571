#include "megarouter/upstream/http.hpp"

#include <charconv>
#include <cctype>
#include <ctime>

namespace megarouter::upstream {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data()) return std::nullopt;
    std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (unit.empty() || unit == "s") return value;
    if (unit == "ms") return value / 1000.0;
    if (unit == "m") return value * 60.0;
    return std::nullopt;
}

// RFC 7231 IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT").
std::optional<double> parse_http_date(std::string_view text) {
    std::tm tm{};
    std::string copy(text);
    const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (end == nullptr) return std::nullopt;
    std::time_t when = ::timegm(&tm);
    double delta = std::difftime(when, std::time(nullptr));
    return delta > 0 ? delta : 0.0;
}

} // namespace

std::optional<std::string> header_value(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return std::nullopt;
}

std::optional<double> parse_retry_after(std::string_view value) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(value.front())) || value.front() == '.') {
        // "6m0s" style (OpenAI rate-limit reset headers) is summed part by part.
        double total = 0;
        std::string_view rest = value;
        while (!rest.empty()) {
            std::size_t unit_end = 0;
            while (unit_end < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[unit_end])) || rest[unit_end] == '.'))
                ++unit_end;
            while (unit_end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_end]))) ++unit_end;
            auto part = parse_number(rest.substr(0, unit_end));
            if (!part) return std::nullopt;
            total += *part;
            rest.remove_prefix(unit_end);
        }
        return total;
    }
    return parse_http_date(value);
}

std::optional<double> retry_after_from(const Headers& headers) {
    if (auto value = header_value(headers, "retry-after"))
        if (auto seconds = parse_retry_after(*value)) return seconds;
    if (auto value = header_value(headers, "retry-after-ms")) {
        double ms = 0;
        auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), ms);
        if (ec == std::errc()) return ms / 1000.0;
    }
    if (auto value = header_value(headers, "x-ratelimit-reset-requests")) return parse_retry_after(*value);
    return std::nullopt;
}

} // namespace megarouter::upstream
