// The checks that keep web pages from using the proxy through the browser of
// the person running it. A proxy on loopback without keys spends that
// person's provider credit for any request that reaches it, so a page must
// neither reach it under another name (DNS rebinding: the `Host` check), nor
// call it from another origin (the `Origin` and `Sec-Fetch-Site` checks), nor
// slip a body past CORS as a "simple" request (text/plain and form bodies:
// the Content-Type check). Every route is checked, /admin and /ui included.
//
// The checks read [server] allowed_hosts and cors_origins from the settings
// they are given (so a reload applies to the next request), allocate nothing
// when a request passes, and are thread-safe.
#pragma once

#include "megarouter/http/request.hpp"
#include "megarouter/http/response.hpp"

#include "megarouter/core/config.hpp"

namespace megarouter::proxy {

// Where the proxy listens, fixed when it starts.
enum class Exposure {
    loopback, // Host must name the loopback (localhost, 127.0.0.0/8, [::1], any port) or be in allowed_hosts
    network,  // any Host, unless allowed_hosts is set (then those, and the loopback names)
};

// Whether `host` (a Host header value: name or address, optional :port)
// names the loopback. Case-insensitive.
bool is_loopback_host(std::string_view host);

// Whether `content_type` is a JSON media type: application/json or
// application/<anything>+json, with or without parameters. Case-insensitive.
bool is_json_media_type(std::string_view content_type);

// Admits or refuses one request before its route runs:
// - 421 when the Host is not one the proxy answers to (see Exposure);
// - 403 when it carries an Origin that is neither in cors_origins ("*": any)
//   nor the proxy's own origin (http or https, the request's own Host, when
//   that Host is a loopback name or listed in allowed_hosts), or carries
//   `Sec-Fetch-Site: cross-site` without an allowed Origin;
// - 415 when a POST, PUT or PATCH has a body whose Content-Type is not JSON.
//   A body without Content-Type passes only when nothing says a browser sent
//   it (no Origin, no Sec-Fetch-Site): curl --data, python requests' data=,
//   and the like; browsers always send an Origin with such requests.
// Returns true to run the route; for an origin from cors_origins it has
// then set Access-Control-Allow-Origin and the headers the caller may read.
// Returns false with the refusal written to `response` (status and an error
// body in the path's API format).
bool admit_request(const core::ServerSettings& settings, Exposure exposure, const http::Request& request,
                   http::Response& response);

// Answers an OPTIONS request: a CORS preflight from an allowed origin (and an
// accepted Host) gets 204 with the methods and the request headers it asked
// for; any other preflight gets the refusal admit_request would give. Returns
// false, leaving `response` alone, for an OPTIONS request without Origin (not
// a preflight).
bool answer_preflight(const core::ServerSettings& settings, Exposure exposure, const http::Request& request,
                      http::Response& response);

} // namespace megarouter::proxy
