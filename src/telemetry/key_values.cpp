// The W3C Baggage-style "k1=v1,k2=v2" lists of the OTEL_* variables (see otlp.hpp).
#include <cctype>

#include "megarouter/telemetry/otlp.hpp"

namespace megarouter::telemetry {

namespace {

std::string trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
}

std::string percent_decoded(std::string_view text) {
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int high = digit(text[i + 1]), low = digit(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

} // namespace

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
        std::string key = trimmed(member.substr(0, eq));
        if (key.empty()) continue;
        out.emplace_back(std::move(key), percent_decoded(trimmed(member.substr(eq + 1))));
    }
    return out;
}

} // namespace megarouter::telemetry
