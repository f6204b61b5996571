#include "proxy/browser_guard.hpp"

#include <strings.h>

#include "megarouter/http/request_head.hpp"
#include "proxy/exchange.hpp"
#include "proxy/handlers.hpp"

namespace megarouter::proxy {

namespace {

// Header names.
const std::string k_host = "Host";
const std::string k_origin = "Origin";
const std::string k_sec_fetch_site = "Sec-Fetch-Site";
const std::string k_content_type = "Content-Type";
const std::string k_request_headers = "Access-Control-Request-Headers";

constexpr std::size_t k_max_echoed = 200; // of a refused Host or Origin, in the error message

// What a browser script may read from an answer besides the CORS-safelisted headers.
constexpr const char* k_exposed_headers =
    "x-request-id, x-megarouter-model, x-megarouter-provider, x-megarouter-mode, x-megarouter-attempts, "
    "x-megarouter-fallback, x-megarouter-cost-usd, x-megarouter-pricing, x-megarouter-budget-downgrade, x-megarouter-budget-fit, x-megarouter-dropped, x-megarouter-overhead-ms, "
    "retry-after, x-should-retry";

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The value of `name`, or nullptr when absent.
const std::string* header(const http::Request& request, const std::string& name) {
    return request.headers.find(name);
}

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

// The name part of a Host value ("[::1]:4000" -> "[::1]", "a:1" -> "a");
// empty when the port part is not a number.
std::string_view host_name(std::string_view host) {
    if (host.empty()) return host;
    std::size_t colon = host.front() == '[' ? host.find("]:") : host.rfind(':');
    if (colon == std::string_view::npos) return host;
    if (host.front() == '[') ++colon; // past the bracket
    if (!all_digits(host.substr(colon + 1))) return {};
    return host.substr(0, colon);
}

// 127.0.0.0/8 written as a dotted quad.
bool is_ipv4_loopback(std::string_view name) {
    int parts = 0;
    std::size_t pos = 0;
    while (pos <= name.size()) {
        std::size_t dot = name.find('.', pos);
        std::string_view part = name.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (part.empty() || part.size() > 3 || !all_digits(part)) return false;
        int value = 0;
        for (char c : part) value = value * 10 + (c - '0');
        if (value > 255 || (parts == 0 && value != 127)) return false;
        ++parts;
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return parts == 4;
}

// A Host value matches an allowed_hosts entry written with its port
// ("gw.internal:8443") exactly, and one without ("gw.internal") at any port.
bool listed_host(const std::vector<std::string>& allowed, std::string_view host) {
    std::string_view name = host_name(host);
    for (const std::string& entry : allowed)
        if (iequals(entry, host) || iequals(entry, name)) return true;
    return false;
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
    for (const std::string& entry : list)
        if (entry == "*" || iequals(trim(entry), value)) return true;
    return false;
}

bool any_origin(const core::ServerSettings& settings) {
    for (const std::string& entry : settings.cors_origins)
        if (entry == "*") return true;
    return false;
}

bool host_admitted(const core::ServerSettings& settings, Exposure exposure, const std::string* host) {
    // No Host at all: nothing a page could have rebound (HTTP/1.1 without
    // Host is refused by the request parser).
    if (host == nullptr) return true;
    if (exposure == Exposure::network && settings.allowed_hosts.empty()) return true;
    for (const std::string& entry : settings.allowed_hosts)
        if (entry == "*") return true;
    return is_loopback_host(*host) || listed_host(settings.allowed_hosts, *host);
}

// "http://<Host>" or "https://<Host>", for a Host the proxy answers to by
// name (not merely because any Host is accepted on a network address).
bool own_origin(const core::ServerSettings& settings, std::string_view origin, const std::string* host) {
    if (host == nullptr) return false;
    std::string_view rest;
    if (origin.starts_with("http://")) rest = origin.substr(7);
    else if (origin.starts_with("https://")) rest = origin.substr(8);
    else return false;
    if (!iequals(rest, *host)) return false;
    return is_loopback_host(*host) || listed_host(settings.allowed_hosts, *host);
}

std::string echoed(std::string_view value) {
    return std::string(value.substr(0, k_max_echoed));
}

bool refuse(const http::Request& request, http::Response& response, int status, ErrorCode code,
            std::string message) {
    write_error(response, format_for_path(request.path), make_error(code, std::move(message)), "");
    response.status = status;
    response.set_header("x-should-retry", "false");
    return false;
}

bool refuse_host(const http::Request& request, http::Response& response, const std::string& host) {
    return refuse(request, response, 421, ErrorCode::permission_denied,
                  "megarouter does not answer to Host '" + echoed(host) +
                      "': on a loopback address it answers to localhost, 127.0.0.1 and [::1] only; add other names "
                      "to [server] allowed_hosts");
}

bool refuse_origin(const http::Request& request, http::Response& response, std::string_view origin) {
    return refuse(request, response, 403, ErrorCode::permission_denied,
                  origin.empty() ? std::string("cross-site browser requests are refused; allow an origin in [server] "
                                               "cors_origins")
                                 : "requests from the browser origin '" + echoed(origin) +
                                       "' are refused; allow it in [server] cors_origins");
}

bool has_body_method(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

// A comma-separated list of header names (Access-Control-Request-Headers).
bool is_token_list(std::string_view list) {
    for (char c : list)
        if (!(c == ',' || c == ' ' || c == '\t' || http::is_token_char(c))) return false;
    return true;
}

} // namespace

bool is_loopback_host(std::string_view host) {
    if (host.empty()) return false;
    std::string_view name = host_name(host);
    return iequals(name, "localhost") || name == "[::1]" || is_ipv4_loopback(name);
}

bool is_json_media_type(std::string_view content_type) {
    std::string_view type = trim(content_type.substr(0, content_type.find(';')));
    if (iequals(type, "application/json")) return true;
    constexpr std::string_view k_application = "application/";
    constexpr std::string_view k_suffix = "+json";
    return type.size() > k_application.size() + k_suffix.size() && iequals(type.substr(0, k_application.size()), k_application) &&
           iequals(type.substr(type.size() - k_suffix.size()), k_suffix);
}

bool admit_request(const core::ServerSettings& settings, Exposure exposure, const http::Request& request,
                   http::Response& response) {
    const std::string* host = header(request, k_host);
    if (!host_admitted(settings, exposure, host)) return refuse_host(request, response, *host);

    const std::string* origin = header(request, k_origin);
    const std::string* fetch_site = header(request, k_sec_fetch_site);
    if (origin != nullptr) {
        if (listed(settings.cors_origins, *origin)) {
            response.set_header("Access-Control-Allow-Origin", *origin);
            response.set_header("Access-Control-Expose-Headers", k_exposed_headers);
            response.set_header("Vary", "Origin");
        } else if (!own_origin(settings, *origin, host)) {
            return refuse_origin(request, response, *origin);
        }
    } else if (fetch_site != nullptr && iequals(*fetch_site, "cross-site") && !any_origin(settings)) {
        return refuse_origin(request, response, {});
    }

    if (has_body_method(request.method) && !request.body.empty()) {
        const std::string* type = header(request, k_content_type);
        bool from_browser = origin != nullptr || fetch_site != nullptr;
        if (type != nullptr ? !is_json_media_type(*type) : from_browser)
            return refuse(request, response, 415, ErrorCode::invalid_argument,
                          "the request body must be JSON: send Content-Type: application/json");
    }
    return true;
}

bool answer_preflight(const core::ServerSettings& settings, Exposure exposure, const http::Request& request,
                      http::Response& response) {
    const std::string* origin = header(request, k_origin);
    if (origin == nullptr) return false;
    response = http::Response();
    const std::string* host = header(request, k_host);
    if (!host_admitted(settings, exposure, host)) return refuse_host(request, response, *host), true;
    if (!listed(settings.cors_origins, *origin)) return refuse_origin(request, response, *origin), true;
    response.status = 204;
    response.set_header("Access-Control-Allow-Origin", *origin);
    response.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    if (const std::string* asked = header(request, k_request_headers); asked && is_token_list(*asked))
        response.set_header("Access-Control-Allow-Headers", *asked);
    response.set_header("Access-Control-Max-Age", "600");
    response.set_header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    return true;
}

} // namespace megarouter::proxy
