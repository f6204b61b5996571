// The W3C Baggage-style "k1=v1,k2=v2" lists of the OTEL_* variables (see otlp.hpp).
#include <cctype>

#include "megarouter/http/url.hpp"

#include "megarouter/telemetry/otlp.hpp"
#include "telemetry/text.hpp"

namespace megarouter::telemetry {

namespace detail {

std::string trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
}

} // namespace detail

std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        std::size_t comma = text.find(',');
        std::string_view member = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        // Properties after ';' (W3C Baggage) carry nothing OTel uses.
        member = member.substr(0, member.find(';'));
        std::size_t eq = member.find('=');
        if (eq == std::string_view::npos) continue;
        std::string key = detail::trimmed(member.substr(0, eq));
        if (key.empty()) continue;
        out.emplace_back(std::move(key), http::decode_url(detail::trimmed(member.substr(eq + 1)), http::Plus::keep));
    }
    return out;
}

} // namespace megarouter::telemetry
