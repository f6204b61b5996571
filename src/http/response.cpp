#include "megarouter/http/response.hpp"

#include "megarouter/http/request_head.hpp"

namespace megarouter::http {

Response::Response(Response&& other) noexcept
    : status(other.status), headers(std::move(other.headers)), body(std::move(other.body)),
      m_provider(std::move(other.m_provider)), m_releaser(std::move(other.m_releaser)), m_completed(other.m_completed) {
    other.m_provider = nullptr;
    other.m_releaser = nullptr;
}

Response& Response::operator=(Response&& other) noexcept {
    if (this == &other) return *this;
    release();
    status = other.status;
    headers = std::move(other.headers);
    body = std::move(other.body);
    m_provider = std::move(other.m_provider);
    m_releaser = std::move(other.m_releaser);
    m_completed = other.m_completed;
    other.m_provider = nullptr;
    other.m_releaser = nullptr;
    return *this;
}

Response::~Response() { release(); }

void Response::release() {
    ContentReleaser releaser = std::move(m_releaser);
    m_releaser = nullptr;
    if (releaser) releaser(m_completed);
}

bool Response::set_header(std::string_view name, std::string value) {
    if (name.empty()) return false;
    for (char c : name)
        if (!is_token_char(c)) return false;
    for (char c : value)
        if (!is_field_value_char(c)) return false;
    headers.set(name, std::move(value));
    return true;
}

void Response::set_content(std::string content, std::string_view content_type) {
    body = std::move(content);
    set_header("Content-Type", std::string(content_type));
}

void Response::set_redirect(std::string_view location, int redirect_status) {
    set_header("Location", std::string(location));
    status = redirect_status >= 300 && redirect_status < 400 ? redirect_status : 302;
}

void Response::set_chunked_content_provider(std::string_view content_type, ContentProvider provider,
                                            ContentReleaser releaser) {
    release(); // a provider set before is replaced, and its releaser told
    set_header("Content-Type", std::string(content_type));
    m_provider = std::move(provider);
    m_releaser = std::move(releaser);
    m_completed = false;
}

} // namespace megarouter::http
