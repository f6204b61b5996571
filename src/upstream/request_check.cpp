// The last check before an upstream request is written. Header values reach
// the upstream from clients (anthropic-version, anthropic-beta), from the
// config and the environment (keys, base URLs, extra headers) and from model
// names in URLs; a CR or LF in any of them would end the header early and
// let the rest be read as more headers, or as a second request on the same
// keep-alive connection. The inbound parser refuses such bytes too, but this
// check holds by itself whatever produced the request.
#include <array>

#include "megarouter/http/request_head.hpp"
#include "megarouter/upstream/http.hpp"

namespace megarouter::upstream {

namespace {

// field-vchar / SP / HTAB / obs-text, indexed by byte.
constexpr std::array<bool, 256> k_field_value_byte = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = c == '\t' || (c >= 0x20 && c != 0x7f);
    return table;
}();

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!http::is_token_char(c)) return false;
    return true;
}

Error refused(std::string what) {
    return make_error(ErrorCode::invalid_argument, "upstream request not sent: " + std::move(what));
}

} // namespace

bool is_field_value(std::string_view value) {
    for (char c : value)
        if (!k_field_value_byte[static_cast<unsigned char>(c)]) return false;
    return true;
}

bool is_request_url(std::string_view url) {
    if (url.empty()) return false;
    for (char c : url) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f) return false;
    }
    return true;
}

Result<void> check_request(const HttpRequest& request) {
    if (!is_token(request.method)) return std::unexpected(refused("the method is not an HTTP token"));
    if (!is_request_url(request.url))
        return std::unexpected(refused("the URL contains a space, a control character or a non-ASCII byte"));
    for (std::size_t i = 0; i < request.headers.size(); ++i) {
        const auto& [name, value] = request.headers[i];
        if (!is_token(name))
            return std::unexpected(refused("header #" + std::to_string(i + 1) + " has an invalid name"));
        if (!is_field_value(value))
            return std::unexpected(refused("the value of header '" + name +
                                           "' contains a control character (CR, LF, NUL or another)"));
    }
    return {};
}

} // namespace megarouter::upstream
