#include "megarouter/upstream/client.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <curl/curl.h>

// Each call drives its thread's easy handle through the thread's multi handle
// so that the loop can wake every few milliseconds to enforce first-byte and
// idle timeouts and to notice cancellation. Keep-alive connections, DNS
// answers and TLS sessions are cached per thread (see ThreadSlot).

namespace megarouter::upstream {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int k_poll_ms = 20;
constexpr long k_max_cached_connections = 32; // per thread: one or two per upstream host

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string host_of(const std::string& url) {
    auto scheme = url.find("://");
    std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    std::size_t end = url.find_first_of("/?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// State of one transfer, seen by the libcurl callbacks.
struct Transfer {
    const SendOptions* options = nullptr;
    CURL* easy = nullptr;
    HttpResponse response;
    bool streaming = false;          // 2xx with a chunk callback
    bool status_known = false;
    bool stopped_by_callback = false;
    bool too_large = false;
    bool any_byte = false;
    Clock::time_point last_byte;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t length = size * count;
    std::string_view line(data, length);
    t->any_byte = true;
    t->last_byte = Clock::now();
    if (line.starts_with("HTTP/")) {
        t->response.headers.clear(); // a new response (after 100 Continue)
        auto space = line.find(' ');
        t->response.http_version = std::string(line.substr(5, space == std::string_view::npos ? 0 : space - 5));
        return length;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return length;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    return length;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t length = size * count;
    t->any_byte = true;
    t->last_byte = Clock::now();
    if (!t->status_known) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->response.status = static_cast<int>(status);
        t->status_known = true;
        t->streaming = t->options->on_chunk != nullptr && status >= 200 && status < 300;
    }
    if (t->streaming) {
        if (!(*t->options->on_chunk)(std::string_view(data, length))) {
            t->stopped_by_callback = true;
            return 0; // aborts the transfer
        }
        return length;
    }
    if (t->response.body.size() + length > t->options->max_response_bytes) {
        t->too_large = true;
        return 0;
    }
    t->response.body.append(data, length);
    return length;
}

Error transport_error(CURLcode code, const char* detail, const std::string& host) {
    std::string what = *detail ? detail : curl_easy_strerror(code);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        return make_error(ErrorCode::upstream_timeout, "timed out talking to " + host + ": " + what, true);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return make_error(ErrorCode::upstream_unavailable, "TLS verification failed for " + host + ": " + what, false);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return make_error(ErrorCode::config, "bad upstream URL for " + host + ": " + what, false);
    default:
        return make_error(ErrorCode::upstream_unavailable, "cannot reach " + host + ": " + what, true);
    }
}

// Each thread keeps one multi + easy handle, whose connection cache holds
// that thread's keep-alive upstream connections. A proxy worker serves one
// client connection at a time, so its upstream connection is free whenever
// it calls again: reuse needs no lock (a curl share object's connection lock
// made the workers queue on a futex).
class ThreadSlot {
public:
    ThreadSlot() : m_multi(curl_multi_init()), m_easy(curl_easy_init()) {
        curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, k_max_cached_connections);
    }
    ~ThreadSlot() {
        curl_easy_cleanup(m_easy);
        curl_multi_cleanup(m_multi);
    }
    ThreadSlot(const ThreadSlot&) = delete;
    ThreadSlot& operator=(const ThreadSlot&) = delete;

    CURLM* multi() const { return m_multi; }
    CURL* easy() const { return m_easy; }
    // After a cancelled or failed transfer the connection may be mid-response.
    void renew_easy() {
        curl_easy_cleanup(m_easy);
        m_easy = curl_easy_init();
    }

private:
    CURLM* m_multi;
    CURL* m_easy;
};

ThreadSlot& thread_slot() {
    thread_local ThreadSlot slot;
    return slot;
}

} // namespace

UpstreamClient::UpstreamClient() { global_init(); }

UpstreamClient::~UpstreamClient() = default;

UpstreamClient& UpstreamClient::shared() {
    static UpstreamClient* client = new UpstreamClient(); // never destroyed: threads may outlive main
    return *client;
}

namespace {

curl_slist* build_headers(const HttpRequest& request) {
    curl_slist* list = nullptr;
    for (const auto& [name, value] : request.headers) list = curl_slist_append(list, (name + ": " + value).c_str());
    list = curl_slist_append(list, "Expect:"); // no 100-continue round trip for large bodies
    return list;
}

void configure(CURL* easy, const HttpRequest& request, const SendOptions& options, Transfer& transfer,
               curl_slist* headers, char* error_buffer) {
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
    if (options.timeouts.connect_ms > 0)
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeouts.connect_ms));
    if (options.timeouts.total_ms > 0)
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeouts.total_ms));
    if (request.method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        if (request.method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
}

// Our own deadlines, checked between polls: first byte and idle silence.
std::optional<Error> check_deadlines(const Transfer& t, const SendOptions& options, Clock::time_point sent,
                                     const std::string& host) {
    auto now = Clock::now();
    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    if (options.cancel && options.cancel->load(std::memory_order_relaxed))
        return make_error(ErrorCode::cancelled, "request to " + host + " cancelled");
    if (!t.any_byte && options.timeouts.first_byte_ms > 0 && ms(now - sent) > options.timeouts.first_byte_ms)
        return make_error(ErrorCode::upstream_timeout,
                          "no answer from " + host + " within " + std::to_string(options.timeouts.first_byte_ms) + " ms",
                          true);
    if (t.any_byte && options.timeouts.idle_ms > 0 && ms(now - t.last_byte) > options.timeouts.idle_ms)
        return make_error(ErrorCode::upstream_timeout,
                          host + " went silent for more than " + std::to_string(options.timeouts.idle_ms) + " ms", true);
    return std::nullopt;
}

} // namespace

Result<HttpResponse> UpstreamClient::send(const HttpRequest& request, const SendOptions& options) const {
    ThreadSlot& slot = thread_slot();
    curl_easy_reset(slot.easy());
    Transfer transfer;
    transfer.options = &options;
    transfer.easy = slot.easy();
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = build_headers(request);
    configure(slot.easy(), request, options, transfer, headers, error_buffer);
    const std::string host = host_of(request.url);

    curl_multi_add_handle(slot.multi(), slot.easy());
    auto sent = Clock::now();
    std::optional<Error> failure;
    CURLcode result = CURLE_OK;
    int running = 1;
    while (running > 0) {
        if (curl_multi_perform(slot.multi(), &running) != CURLM_OK) {
            failure = make_error(ErrorCode::internal, "libcurl multi failure");
            break;
        }
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(slot.multi(), &queued))
            if (msg->msg == CURLMSG_DONE) result = msg->data.result;
        if (running == 0) break;
        if ((failure = check_deadlines(transfer, options, sent, host))) break;
        curl_multi_poll(slot.multi(), nullptr, 0, k_poll_ms, nullptr);
    }
    curl_multi_remove_handle(slot.multi(), slot.easy());
    curl_slist_free_all(headers);
    if (!failure && !transfer.status_known) {
        long status = 0;
        curl_easy_getinfo(slot.easy(), CURLINFO_RESPONSE_CODE, &status);
        transfer.response.status = static_cast<int>(status);
    }
    // A cancelled or timed-out connection may be mid-response: drop it.
    if (failure || result != CURLE_OK) slot.renew_easy();

    if (failure) return fail(*failure);
    if (transfer.stopped_by_callback) return fail(ErrorCode::cancelled, "request to " + host + " cancelled");
    if (transfer.too_large) return fail(ErrorCode::payload_too_large, "answer from " + host + " is too large");
    if (result != CURLE_OK) {
        Error error = transport_error(result, error_buffer, host);
        error.upstream_status = transfer.response.status;
        return fail(error);
    }
    return std::move(transfer.response);
}

} // namespace megarouter::upstream
