// The upstream client's own HTTP/1.1 path for plain http:// upstreams (local
// model servers, sidecars, the mock provider), used when the caller runs on
// an event loop. It speaks keep-alive HTTP/1.1 over non-blocking sockets that
// stay registered with the loop while pooled, so a call costs two socket
// writes and two reads and no per-call setup. https:// upstreams, an
// http_proxy in the environment and MEGAROUTER_UPSTREAM=curl go through
// libcurl instead. Behaviour (timeouts, cancellation, errors) matches the
// libcurl path.
#pragma once

#include <string>

#include "megarouter/core/error.hpp"
#include "megarouter/upstream/client.hpp"

namespace megarouter::upstream::plain {

// Whether send() serves `url` from the calling context.
bool handles(const std::string& url);

// Same contract as UpstreamClient::send. Requires handles(url).
Result<HttpResponse> send(const HttpRequest& request, const SendOptions& options);

} // namespace megarouter::upstream::plain
