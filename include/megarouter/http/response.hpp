// The response a route handler fills: a status, headers and either a body
// (sent with Content-Length) or a content provider that streams the body
// piece by piece (sent chunked; to an HTTP/1.0 client, delimited by closing).
// Framing headers (Content-Length, Transfer-Encoding, Connection, ...) are
// the server's to write: a handler's are dropped (is_framing_header).
//
// Not thread-safe; owned by the connection, which writes it after the
// handler returns. Move-only: a stream's releaser runs once, when the
// Response that holds it is destroyed or replaced.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "megarouter/http/headers.hpp"

namespace megarouter::http {

// Where a content provider writes a streamed body. Given by the server for
// the duration of a provider's call.
class DataSink {
public:
    // Sends `bytes` to the client now, as one chunk; may park the calling
    // fiber while the client is slow. False once the client is gone or has
    // not read for write_timeout_ms: the provider should then stop.
    virtual bool write(std::string_view bytes) = 0;
    bool write(const char* data, std::size_t size) { return write(std::string_view(data, size)); }
    // Ends the body (writes the last chunk). Idempotent.
    virtual void done() = 0;

protected:
    ~DataSink() = default;
};

// Called by the server until it has called sink.done(), or returns false
// (which ends the stream without its last chunk: the client sees an error).
// `offset` is the number of body bytes written so far.
using ContentProvider = std::function<bool(std::size_t offset, DataSink& sink)>;
// Called once when the Response is destroyed or replaced, with whether its
// stream ended with done() (false too when the stream never started).
using ContentReleaser = std::function<void(bool success)>;

class Response {
public:
    int status = -1; // -1: not set; sent as 200
    Headers headers;
    std::string body;

    Response() = default;
    Response(Response&& other) noexcept;
    Response& operator=(Response&& other) noexcept;
    ~Response();

    // Gives header `name` the single value `value` (replacing earlier ones).
    // A name that is not an RFC 9110 token or a value with CR, LF, NUL or
    // another control is dropped, never written: returns false then.
    bool set_header(std::string_view name, std::string value);
    // The body and its Content-Type.
    void set_content(std::string content, std::string_view content_type);
    // A redirect to `location` (302 unless a 3xx is given).
    void set_redirect(std::string_view location, int redirect_status = 302);
    // Streams the body from `provider` (see ContentProvider); `releaser`, if
    // given, learns how the stream ended.
    void set_chunked_content_provider(std::string_view content_type, ContentProvider provider,
                                      ContentReleaser releaser = {});

    // The server's side.
    bool streamed() const { return static_cast<bool>(m_provider); }
    const ContentProvider& content_provider() const { return m_provider; }
    // Records that the stream ended with done() (told to the releaser).
    void set_stream_completed(bool completed) { m_completed = completed; }

private:
    void release();

    ContentProvider m_provider;
    ContentReleaser m_releaser;
    bool m_completed = false;
};

} // namespace megarouter::http
