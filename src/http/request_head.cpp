#include "megarouter/http/request_head.hpp"

#include <charconv>
#include <strings.h>

namespace megarouter::http {

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// A request-target byte: visible ASCII or obs-text; never a control, space or DEL.
bool is_target_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7F;
}

bool parse_request_line(std::string_view line, httplib::Request& request) {
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
    std::string path(target.substr(0, query));
    request.path = path.find('%') == std::string::npos ? std::move(path) : httplib::detail::decode_url(path, false);
    if (query != std::string_view::npos) httplib::detail::parse_query_text(std::string(target.substr(query + 1)), request.params);
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
bool framing_is_sound(const httplib::Request& request) {
    bool http10 = request.version == "HTTP/1.0";
    std::size_t hosts = request.headers.count("Host");
    if (hosts > 1 || (!http10 && hosts == 0)) return false;
    return body_framing(request).kind != BodyFraming::Kind::bad;
}

} // namespace

HeadParse parse_request_head(std::string_view bytes, std::size_t max_head_bytes, httplib::Request& request) {
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
    bool ok = for_each_header_field(fields, [&](std::string_view name, std::string_view value) {
        request.headers.emplace(std::string(name), std::string(value));
    });
    if (!ok || !framing_is_sound(request)) return {HeadStatus::bad, 0};
    return {HeadStatus::complete, head_bytes};
}

BodyFraming body_framing(const httplib::Request& request) {
    std::size_t codings = request.headers.count("Transfer-Encoding");
    std::size_t lengths = request.headers.count("Content-Length");
    if (codings > 0) {
        // One coding, `chunked`, on one line, on HTTP/1.1, with no length
        // beside it: any other mix is read differently by some server behind
        // us, and a request smuggled between the two readings.
        if (codings > 1 || lengths > 0 || request.version == "HTTP/1.0") return {BodyFraming::Kind::bad, 0};
        if (!iequals(trim(request.headers.find("Transfer-Encoding")->second), "chunked")) return {BodyFraming::Kind::bad, 0};
        return {BodyFraming::Kind::chunked, 0};
    }
    if (lengths == 0) return {BodyFraming::Kind::none, 0};
    if (lengths > 1) return {BodyFraming::Kind::bad, 0}; // even when equal
    std::string_view value = trim(request.headers.find("Content-Length")->second);
    std::uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty()) return {BodyFraming::Kind::bad, 0};
    return {length == 0 ? BodyFraming::Kind::none : BodyFraming::Kind::length, length};
}

bool wants_keep_alive(const httplib::Request& request) {
    std::string connection = request.get_header_value("Connection");
    if (request.version == "HTTP/1.0") return strcasestr(connection.c_str(), "keep-alive") != nullptr;
    return strcasestr(connection.c_str(), "close") == nullptr;
}

bool is_framing_header(std::string_view name) {
    for (std::string_view framing : {"Content-Length", "Transfer-Encoding", "Connection", "Host", "Expect"})
        if (iequals(name, framing)) return true;
    return false;
}

const char* reason_phrase(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 529: return "Overloaded";
    default: return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

} // namespace megarouter::http
