#include "megarouter/http/wire.hpp"

#include <charconv>

#include "megarouter/http/headers.hpp"
#include "megarouter/http/response.hpp"

namespace megarouter::http {

bool is_token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
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

void append_response_head(std::string& out, const Response& response, ResponseFraming framing, bool keep_alive) {
    int status = response.status == -1 ? 200 : response.status;
    char digits[16];
    char* end = std::to_chars(digits, digits + sizeof digits, status).ptr;
    out += "HTTP/1.1 ";
    out.append(digits, end);
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";
    append_fields(out, response.headers);
    if (framing == ResponseFraming::chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    } else if (framing == ResponseFraming::length) {
        end = std::to_chars(digits, digits + sizeof digits, response.body.size()).ptr;
        out += "Content-Length: ";
        out.append(digits, end);
        out += "\r\n";
    }
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
}

} // namespace megarouter::http
