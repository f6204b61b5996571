#include "megarouter/upstream/client.hpp"

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>
#include <strings.h>
#include <sys/epoll.h>

#include "megarouter/core/clock.hpp"
#include "megarouter/http/request_head.hpp"
#include "megarouter/io/loop.hpp"
#include "upstream/deadlines.hpp"
#include "upstream/plain_http.hpp"

// Each call drives one easy handle through its own multi handle (a Slot),
// waking at least every tick to enforce first-byte and idle timeouts and to
// notice cancellation. Keep-alive connections, DNS answers and TLS sessions
// are cached per slot.

namespace megarouter::upstream {

namespace {

constexpr int k_poll_ms = 20;
constexpr std::int64_t k_loop_tick_us = 100'000; // on a loop: how often a waiting call checks deadlines and cancel
constexpr std::size_t k_kept_loop_slots = 64;     // free slots (and their connections) a loop keeps
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
    CallClock clock;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t length = size * count;
    std::string_view line(data, length);
    t->clock.any_byte = true;
    t->clock.last_byte_us = core::monotonic_us();
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
    t->clock.any_byte = true;
    t->clock.last_byte_us = core::monotonic_us();
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

// One multi + easy handle pair and the multi's connection cache. A caller
// uses a slot for one transfer at a time, so reusing its keep-alive
// connection takes no lock (a curl share object's connection lock made
// callers queue on a futex).
//
// On an event loop (the proxy) a slot's sockets are registered with the
// loop and the calling fiber parks until curl's sockets or timer need it; the
// loop keeps free slots for reuse. Elsewhere (the CLI) each thread keeps one
// slot and waits in curl_multi_poll.
class Slot {
public:
    explicit Slot(bool on_loop) : m_multi(curl_multi_init()), m_easy(curl_easy_init()) {
        curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, k_max_cached_connections);
        if (!on_loop) return;
        curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &Slot::on_socket);
        curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
        curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &Slot::on_timer);
        curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
    }
    ~Slot() {
        curl_slist_free_all(m_header_list);
        curl_easy_cleanup(m_easy);
        curl_multi_cleanup(m_multi); // may report sockets removed: m_sockets is still alive
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

    CURLM* multi() const { return m_multi; }
    CURL* easy() const { return m_easy; }
    // After a cancelled or failed transfer the connection may be mid-response.
    void renew_easy() {
        curl_easy_cleanup(m_easy);
        m_easy = curl_easy_init();
        m_fresh = true;
    }
    // Whether the easy handle still lacks the options every call shares.
    bool take_fresh() { return std::exchange(m_fresh, false); }
    // The header list for `headers`; the previous call's when they are the same.
    curl_slist* header_list(const std::vector<std::pair<std::string, std::string>>& headers);

    // Event-loop mode: runs the added transfer until it is done, parking the
    // fiber between socket events. `stop` is asked at least every tick and
    // ends the wait with its error.
    CURLcode drive(const std::function<std::optional<Error>()>& stop, std::optional<Error>& failure);

private:
    struct Socket {
        std::unique_ptr<io::Interest> interest;
        std::uint32_t events = 0;
        bool level = false; // level-triggered while a transfer runs, edge-triggered when idle
    };
    struct ReadySocket {
        curl_socket_t fd;
        int action;
    };

    static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*);
    static int on_timer(CURLM*, long timeout_ms, void* user);
    void arm(bool level);

    CURLM* m_multi;
    CURL* m_easy;
    bool m_fresh = true;
    std::vector<std::pair<std::string, std::string>> m_header_values;
    curl_slist* m_header_list = nullptr;
    std::unordered_map<curl_socket_t, Socket> m_sockets;
    std::vector<ReadySocket> m_ready;
    std::int64_t m_timer_us = -1; // when curl wants CURL_SOCKET_TIMEOUT; -1: never
    bool m_active = false;
    io::Event m_event;
};

curl_slist* Slot::header_list(const std::vector<std::pair<std::string, std::string>>& headers) {
    if (m_header_list && headers == m_header_values) return m_header_list;
    curl_slist_free_all(m_header_list);
    m_header_list = nullptr;
    for (const auto& [name, value] : headers) {
        if (http::is_framing_header(name)) continue; // libcurl's to write, as on the native path
        // "Name:" would tell libcurl to drop the header; "Name;" sends it empty, as the native path does.
        std::string line = value.empty() ? name + ";" : name + ": " + value;
        m_header_list = curl_slist_append(m_header_list, line.c_str());
    }
    m_header_list = curl_slist_append(m_header_list, "Expect:"); // no 100-continue round trip for large bodies
    m_header_values = headers;
    return m_header_list;
}

int Slot::on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* slot = static_cast<Slot*>(user);
    if (what == CURL_POLL_REMOVE) {
        slot->m_sockets.erase(fd);
        return 0;
    }
    std::uint32_t events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    Socket& socket = slot->m_sockets[fd];
    socket.events = events;
    socket.level = slot->m_active;
    std::uint32_t mode = socket.level ? 0u : static_cast<std::uint32_t>(EPOLLET);
    if (socket.interest) {
        socket.interest->change(events | mode);
        return 0;
    }
    socket.interest = std::make_unique<io::Interest>(fd, events | mode, [slot, fd](std::uint32_t ready) {
        if (!slot->m_active) return; // an idle cached connection: seen at the next transfer
        int action = ((ready & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) ? CURL_CSELECT_IN : 0) |
                     ((ready & EPOLLOUT) ? CURL_CSELECT_OUT : 0) | ((ready & EPOLLERR) ? CURL_CSELECT_ERR : 0);
        slot->m_ready.push_back({fd, action});
        slot->m_event.notify_all();
    });
    return 0;
}

int Slot::on_timer(CURLM*, long timeout_ms, void* user) {
    auto* slot = static_cast<Slot*>(user);
    slot->m_timer_us = timeout_ms < 0 ? -1 : core::monotonic_us() + std::int64_t{timeout_ms} * 1000;
    return 0;
}

// Idle sockets are edge-triggered, so a cached connection the server closes
// wakes the loop once rather than on every turn.
void Slot::arm(bool level) {
    for (auto& [fd, socket] : m_sockets) {
        if (!socket.interest || socket.level == level) continue;
        socket.level = level;
        socket.interest->change(socket.events | (level ? 0u : static_cast<std::uint32_t>(EPOLLET)));
    }
}

CURLcode Slot::drive(const std::function<std::optional<Error>()>& stop, std::optional<Error>& failure) {
    m_active = true;
    m_ready.clear();
    arm(true);
    CURLcode result = CURLE_OK;
    int running = 1;
    curl_multi_socket_action(m_multi, CURL_SOCKET_TIMEOUT, 0, &running);
    for (;;) {
        int queued = 0;
        bool done = false;
        while (CURLMsg* msg = curl_multi_info_read(m_multi, &queued))
            if (msg->msg == CURLMSG_DONE) {
                result = msg->data.result;
                done = true;
            }
        if (done || running == 0) break;
        if ((failure = stop())) break;
        std::int64_t now = core::monotonic_us();
        std::int64_t wake = now + k_loop_tick_us;
        if (m_timer_us >= 0) wake = std::min(wake, m_timer_us);
        if (m_ready.empty() && wake > now) m_event.wait(wake);
        if (!m_ready.empty()) {
            std::vector<ReadySocket> ready;
            ready.swap(m_ready);
            for (const ReadySocket& socket : ready) curl_multi_socket_action(m_multi, socket.fd, socket.action, &running);
        }
        if (m_timer_us >= 0 && core::monotonic_us() >= m_timer_us) {
            m_timer_us = -1;
            curl_multi_socket_action(m_multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
    }
    m_active = false;
    return result;
}

// Free slots of this thread's loop; they go with the loop.
struct LoopSlots {
    std::vector<std::unique_ptr<Slot>> free;
    io::Loop* loop = nullptr;
};

LoopSlots& loop_slots() {
    thread_local LoopSlots slots;
    io::Loop* loop = io::Loop::current();
    if (slots.loop != loop) {
        slots.free.clear();
        slots.loop = loop;
        loop->at_exit([] {
            slots.free.clear(); // closes the connections while the loop's epoll is open
            slots.loop = nullptr;
        });
    }
    return slots;
}

Slot& thread_slot() {
    thread_local Slot slot(false);
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

// Options every call shares, set once per easy handle.
void set_constants(CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
}

// Options of this call; every one a previous call may have set is set again
// (the handle is reused without curl_easy_reset, which cost more than the call's own setup).
void configure(CURL* easy, const HttpRequest& request, const SendOptions& options, Transfer& transfer,
               curl_slist* headers, char* error_buffer) {
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max(0, options.timeouts.connect_ms)));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(0, options.timeouts.total_ms)));
    if (request.method == "GET") {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
    } else {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method == "POST" ? nullptr : request.method.c_str());
    }
}

} // namespace

Result<HttpResponse> UpstreamClient::send(const HttpRequest& request, const SendOptions& options) const {
    if (plain::handles(request.url)) return plain::send(request, options);
    // libcurl copies header lines and the URL as given (CURLOPT_HTTPHEADER adds no check of its own).
    if (auto valid = check_request(request); !valid) return fail(valid.error());
    const bool on_loop = io::in_fiber();
    std::unique_ptr<Slot> loop_slot;
    if (on_loop) {
        LoopSlots& slots = loop_slots();
        if (slots.free.empty()) {
            loop_slot = std::make_unique<Slot>(true);
        } else {
            loop_slot = std::move(slots.free.back());
            slots.free.pop_back();
        }
    }
    Slot& slot = on_loop ? *loop_slot : thread_slot();
    if (slot.take_fresh()) set_constants(slot.easy());
    Transfer transfer;
    transfer.options = &options;
    transfer.easy = slot.easy();
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = slot.header_list(request.headers);
    configure(slot.easy(), request, options, transfer, headers, error_buffer);
    const std::string host = host_of(request.url);

    curl_multi_add_handle(slot.multi(), slot.easy());
    transfer.clock.sent_us = core::monotonic_us();
    std::optional<Error> failure;
    CURLcode result = CURLE_OK;
    if (on_loop) {
        result = slot.drive([&] { return call_deadline(options, host, transfer.clock); }, failure);
    } else {
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
            if ((failure = call_deadline(options, host, transfer.clock))) break;
            curl_multi_poll(slot.multi(), nullptr, 0, k_poll_ms, nullptr);
        }
    }
    curl_multi_remove_handle(slot.multi(), slot.easy());
    if (!failure && !transfer.status_known) {
        long status = 0;
        curl_easy_getinfo(slot.easy(), CURLINFO_RESPONSE_CODE, &status);
        transfer.response.status = static_cast<int>(status);
    }
    // A cancelled or timed-out connection may be mid-response: drop it.
    if (failure || result != CURLE_OK) slot.renew_easy();
    if (loop_slot) {
        LoopSlots& slots = loop_slots();
        if (slots.free.size() < k_kept_loop_slots) slots.free.push_back(std::move(loop_slot));
    }

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
