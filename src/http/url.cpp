#include "megarouter/http/url.hpp"

namespace megarouter::http {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

std::string decode_url(std::string_view text, Plus plus) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && text.size() - i >= 3) {
            int high = hex_value(text[i + 1]);
            int low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += plus == Plus::space && c == '+' ? ' ' : c;
    }
    return out;
}

void parse_query(std::string_view query, QueryParams& params) {
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        std::size_t eq = piece.find('=');
        std::string_view name = piece.substr(0, eq);
        if (name.empty()) continue;
        std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
        params.emplace_back(decode_url(name, Plus::space), decode_url(value, Plus::space));
    }
}

} // namespace megarouter::http
