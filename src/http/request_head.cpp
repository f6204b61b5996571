#include "megarouter/http/request_head.hpp"

#include <algorithm>
#include <charconv>

namespace megarouter::http {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Whether `text` contains `word` ignoring ASCII case (strcasestr over a view,
// without copying the header value to terminate it).
bool contains_token(std::string_view text, std::string_view word) {
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i)
        if (iequals(text.substr(i, word.size()), word)) return true;
    return false;
}

// A request-target byte: visible ASCII or obs-text; never a control, space or DEL.
bool is_target_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F;
}

bool parse_request_line(std::string_view line, Request& request) {
    auto first = line.find(' ');
    auto last = line.rfind(' ');
    if (first == std::string_view::npos || last == first) return false;
    std::string_view method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, last - first - 1);
    std::string_view version = line.substr(last + 1);
    if (method.empty() || target.empty()) return false;
    for (char c : method)
        if (!is_token_char(c)) return false;
    for (char c : target)
        if (!is_target_char(c)) return false;
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
    request.method = std::string(method);
    request.target = std::string(target);
    request.version = std::string(version);
    auto query = target.find('?');
    std::string_view path = target.substr(0, query);
    if (path.find('%') == std::string_view::npos) request.path.assign(path);
    else request.path = decode_url(path, Plus::keep);
    if (query != std::string_view::npos) parse_query(target.substr(query + 1), request.params);
    return true;
}

// Whether the request line begun in `line` (complete or not) already has a
// target longer than k_max_target_bytes.
bool target_too_long(std::string_view line) {
    auto first = line.find(' ');
    if (first == std::string_view::npos) return line.size() > k_max_target_bytes; // a "method" that long is no request either
    auto end = line.find(' ', first + 1);
    std::size_t length = (end == std::string_view::npos ? line.size() : end) - (first + 1);
    return length > k_max_target_bytes;
}

// The framing rules of RFC 9112 sections 3.2, 6.1 and 6.3 that a parsed head
// must keep; see parse_request_head.
bool framing_is_sound(const Request& request) {
    bool http10 = request.version == "HTTP/1.0";
    std::size_t hosts = request.headers.count("Host");
    if (hosts > 1 || (!http10 && hosts == 0)) return false;
    return body_framing(request).kind != BodyFraming::Kind::bad;
}

} // namespace

HeadParse parse_request_head(std::string_view bytes, std::size_t max_head_bytes, Request& request) {
    // Tolerate empty lines before the request line (RFC 9112 section 2.2).
    std::size_t start = 0;
    while (start + 1 < bytes.size() && bytes[start] == '\r' && bytes[start + 1] == '\n') start += 2;
    std::string_view line = bytes.substr(start, bytes.find("\r\n", start) - start);
    if (target_too_long(line)) return {HeadStatus::uri_too_long, 0};
    auto end = bytes.find("\r\n\r\n", start);
    // Leading blank lines count against the limit too: the reader keeps
    // reading while this says partial.
    if (end == std::string_view::npos) {
        if (bytes.size() > max_head_bytes) return {HeadStatus::too_large, 0};
        return {HeadStatus::partial, 0};
    }
    std::size_t head_bytes = end + 4;
    if (head_bytes > max_head_bytes) return {HeadStatus::too_large, 0};
    std::string_view head = bytes.substr(start, end - start);
    auto line_end = head.find("\r\n");
    if (!parse_request_line(head.substr(0, line_end), request)) return {HeadStatus::bad, 0};
    std::string_view fields = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
    // One allocation for the list: a field per CRLF-separated line.
    request.headers.reserve(static_cast<std::size_t>(std::count(fields.begin(), fields.end(), '\n')) + 1);
    bool ok = for_each_header_field(fields, [&](std::string_view name, std::string_view value) {
        request.headers.add(std::string(name), std::string(value));
    });
    if (!ok || !framing_is_sound(request)) return {HeadStatus::bad, 0};
    return {HeadStatus::complete, head_bytes};
}

BodyFraming body_framing(const Request& request) {
    std::size_t codings = request.headers.count("Transfer-Encoding");
    std::size_t lengths = request.headers.count("Content-Length");
    if (codings > 0) {
        // One coding, `chunked`, on one line, on HTTP/1.1, with no length
        // beside it: any other mix is read differently by some server behind
        // us, and a request smuggled between the two readings.
        if (codings > 1 || lengths > 0 || request.version == "HTTP/1.0") return {BodyFraming::Kind::bad, 0};
        if (!iequals(trim(request.headers.get("Transfer-Encoding")), "chunked")) return {BodyFraming::Kind::bad, 0};
        return {BodyFraming::Kind::chunked, 0};
    }
    if (lengths == 0) return {BodyFraming::Kind::none, 0};
    if (lengths > 1) return {BodyFraming::Kind::bad, 0}; // even when equal
    std::string_view value = trim(request.headers.get("Content-Length"));
    std::uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) return {BodyFraming::Kind::bad, 0};
    return {length == 0 ? BodyFraming::Kind::none : BodyFraming::Kind::length, length};
}

bool wants_keep_alive(const Request& request) {
    std::string_view connection = request.headers.get("Connection");
    if (request.version == "HTTP/1.0") return contains_token(connection, "keep-alive");
    return !contains_token(connection, "close");
}

} // namespace megarouter::http
