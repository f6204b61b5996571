#include "megarouter/http/httplib_bridge.hpp"

#include <memory>

#include <httplib.h>

#include "megarouter/http/router.hpp"
#include "megarouter/http/wire.hpp"

namespace megarouter::http {

namespace {

Request from_httplib(const httplib::Request& in) {
    Request out;
    out.method = in.method;
    out.target = in.target;
    out.version = in.version;
    out.path = in.path;
    out.params.assign(in.params.begin(), in.params.end());
    for (const auto& [name, value] : in.headers) out.headers.add(name, value);
    out.body = in.body;
    return out;
}

// Hands cpp-httplib's sink to a content provider written for ours.
class SinkAdapter final : public DataSink {
public:
    explicit SinkAdapter(httplib::DataSink& sink) : m_sink(sink) {}
    using DataSink::write;
    bool write(std::string_view bytes) override { return m_sink.write(bytes.data(), bytes.size()); }
    void done() override { m_sink.done(); }

private:
    httplib::DataSink& m_sink;
};

void to_httplib(Response&& in, httplib::Response& out) {
    out.status = in.status == -1 ? 200 : in.status;
    for (const auto& [name, value] : in.headers) {
        // cpp-httplib writes the framing, and a stream's Content-Type below
        if (is_framing_header(name) || (in.streamed() && iequals(name, "Content-Type"))) continue;
        out.set_header(name.c_str(), value);
    }
    if (!in.streamed()) {
        out.body = std::move(in.body);
        return;
    }
    // The Response lives as long as cpp-httplib keeps the provider; its
    // releaser learns the outcome when that copy goes.
    auto held = std::make_shared<Response>(std::move(in));
    std::string content_type(held->headers.get("Content-Type"));
    out.set_chunked_content_provider(
        content_type,
        [held](std::size_t offset, httplib::DataSink& sink) {
            SinkAdapter adapter(sink);
            return held->content_provider()(offset, adapter);
        },
        [held](bool success) { held->set_stream_completed(success); });
}

} // namespace

void install(const Router& router, httplib::Server& server) {
    auto routes = std::make_shared<Router>(router);
    // Catch-all handlers rather than a pre-routing handler: cpp-httplib reads
    // the body only before a matched handler, and routes read bodies.
    auto serve = [routes](const httplib::Request& request, httplib::Response& response) {
        Request routed = from_httplib(request);
        const Route* route = routes->find(routed);
        if (!route) {
            response.status = 404;
            return;
        }
        Response answer;
        if (!route->admit || route->admit(routed, answer)) route->handler(routed, answer);
        to_httplib(std::move(answer), response);
    };
    server.Get(".*", serve);
    server.Post(".*", serve);
    server.Put(".*", serve);
    server.Patch(".*", serve);
    server.Delete(".*", serve);
}

} // namespace megarouter::http
