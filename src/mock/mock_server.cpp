// The mock server's lifecycle, routing table, request recording and the
// /_mock/* control endpoints that let another process configure it.
#include "mock/mock_server_impl.hpp"

#include <atomic>
#include <chrono>
#include <sys/socket.h>

namespace megarouter::mock {
namespace {

using detail::Format;
using detail::json;

constexpr int k_worker_threads = 512; // hundreds of concurrent streams
constexpr std::size_t k_max_recorded = 10'000;
constexpr std::size_t k_keep_alive_max = 100'000;
constexpr time_t k_keep_alive_seconds = 5; // an in-process mock's stop() waits for idle keep-alive connections
constexpr std::string_view k_gemini_prefix = "/v1beta/models/";
constexpr std::string_view k_control_prefix = "/_mock/";
constexpr std::string_view k_pseudo_headers[] = {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"};

bool is_pseudo_header(const std::string& name) {
    for (auto pseudo : k_pseudo_headers) {
        if (name == pseudo) return true;
    }
    return false;
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

json recorded_to_json(const RecordedRequest& request) {
    json headers = json::object();
    for (const auto& [name, value] : request.headers)
        headers[name] = value;
    return {{"method", request.method},
            {"path", request.path},
            {"query", request.query},
            {"headers", std::move(headers)},
            {"body", request.body}};
}

} // namespace

void MockServer::Impl::install_routes() {
    server.new_task_queue = [] { return new httplib::ThreadPool(k_worker_threads); };
    server.set_keep_alive_max_count(k_keep_alive_max);
    server.set_keep_alive_timeout(k_keep_alive_seconds);
    server.set_tcp_nodelay(true);
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_json(
            res, 500,
            {{"error",
              {{"message", "mock: internal error"}, {"type", "server_error"}, {"param", nullptr}, {"code", nullptr}}}});
    });
    // One catch-all route per method keeps httplib's regex work trivial; the
    // real routing is string comparison in dispatch().
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res); };
    server.Get(".*", handler);
    server.Post(".*", handler);
    server.Delete(".*", handler);
}

void MockServer::Impl::dispatch(const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    if (path.starts_with(k_control_prefix)) return control(req, res);
    record(req);
    bool post = req.method == "POST";
    if (post && path == "/v1/chat/completions") return serve(req, res, Format::openai_chat, detail::openai_chat_turn);
    if (post && path == "/v1/messages") return serve(req, res, Format::anthropic, detail::anthropic_turn);
    if (post && path == "/v1/responses") {
        return serve(req, res, Format::openai_responses, detail::openai_responses_turn);
    }
    if (post && path.starts_with(k_gemini_prefix)) return serve_gemini(req, res);
    if (post && path == "/v1/embeddings") return serve_embeddings(req, res);
    if (req.method == "GET" && path == "/v1/models") return list_models(res);
    if (req.method == "GET" && path == "/api/v1/models") {
        std::lock_guard lock(mutex);
        return res.set_content(models_document, "application/json");
    }
    Format format = path.starts_with("/v1beta/") ? Format::gemini : Format::openai_chat;
    auto error = detail::error_reply(format, 404, "Unknown request URL: " + req.method + " " + path);
    res.status = error.status;
    res.set_content(error.body, "application/json");
}

void MockServer::Impl::record(const httplib::Request& req) {
    RecordedRequest request;
    request.method = req.method;
    request.path = req.path;
    if (auto mark = req.target.find('?'); mark != std::string::npos) request.query = req.target.substr(mark + 1);
    for (const auto& [name, value] : req.headers) {
        if (!is_pseudo_header(name)) request.headers.emplace_back(name, value);
    }
    request.body = req.body;
    std::lock_guard lock(mutex);
    if (recorded.size() == k_max_recorded) recorded.pop_front();
    recorded.push_back(std::move(request));
}

void MockServer::Impl::list_models(httplib::Response& res) {
    std::vector<std::string> models = {"mock-gpt", "mock-claude", "mock-gemini"};
    {
        std::lock_guard lock(mutex);
        for (const auto& [model, behavior] : behaviors) {
            if (model != "*") models.push_back(model);
        }
    }
    res.set_content(detail::openai_models_body(models), "application/json");
}

void MockServer::Impl::control(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.path.substr(k_control_prefix.size());
    if (name == "health") return send_json(res, 200, {{"status", "ok"}});
    if (name == "requests" && req.method == "GET") {
        json list = json::array();
        std::lock_guard lock(mutex);
        for (const auto& request : recorded)
            list.push_back(recorded_to_json(request));
        return send_json(res, 200, list);
    }
    if (name == "requests" && req.method == "DELETE") {
        std::lock_guard lock(mutex);
        recorded.clear();
        return send_json(res, 200, {{"ok", true}});
    }
    if (name == "behavior" && req.method == "GET") {
        json all = json::object();
        std::lock_guard lock(mutex);
        for (const auto& [model, behavior] : behaviors)
            all[model] = json::parse(behavior_to_json(behavior));
        return send_json(res, 200, all);
    }
    if (name == "behavior" && req.method == "DELETE") {
        std::lock_guard lock(mutex);
        if (req.has_param("model")) {
            behaviors.erase(req.get_param_value("model"));
            failures_served.erase(req.get_param_value("model"));
        } else {
            behaviors.clear();
            failures_served.clear();
        }
        return send_json(res, 200, {{"ok", true}});
    }
    if (name == "behavior" && req.method == "POST") {
        json body = json::parse(req.body, nullptr, false);
        std::string model = detail::string_field(body, "model");
        const json& spec = detail::member(body, "behavior");
        if (model.empty() || !spec.is_object()) {
            return send_json(res, 400, {{"error", "expected {\"model\": \"name or *\", \"behavior\": {...}}"}});
        }
        auto behavior = behavior_from_json(spec.dump());
        if (!behavior) return send_json(res, 400, {{"error", behavior.error()}});
        std::lock_guard lock(mutex);
        behaviors[model] = *behavior;
        failures_served.erase(model);
        return send_json(res, 200, {{"ok", true}});
    }
    send_json(res, 404, {{"error", "unknown control endpoint " + req.method + " " + req.path}});
}

MockServer::MockServer() : m_impl(std::make_unique<Impl>()) {
    m_impl->install_routes();
}

MockServer::~MockServer() {
    stop();
}

std::expected<int, std::string> MockServer::start(const std::string& host, int port) {
    if (m_impl->thread.joinable()) return std::unexpected("mock server already started");
    // httplib listens with a backlog of 5: bursts of new connections (a
    // benchmark, 200 concurrent streams) then wait out 1 s SYN retransmits.
    std::atomic<int> listen_fd{-1};
    m_impl->server.set_socket_options([&listen_fd](int fd) {
        int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        listen_fd.store(fd);
    });
    int bound = port == 0 ? m_impl->server.bind_to_any_port(host) : port;
    if (port != 0 && !m_impl->server.bind_to_port(host, port)) bound = -1;
    if (bound <= 0) return std::unexpected("cannot bind " + host + ":" + std::to_string(port));
    if (int fd = listen_fd.load(); fd >= 0) ::listen(fd, 4096);
    m_impl->server.set_socket_options([](int fd) {
        int on = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    });
    m_impl->stopping = false;
    m_impl->host = host;
    m_impl->port = bound;
    m_impl->listen_returned = false;
    m_impl->thread = std::thread([impl = m_impl.get()] {
        impl->server.listen_after_bind();
        impl->listen_returned = true;
    });
    // httplib's stop() is a no-op until the listen loop runs, so wait for it.
    while (!m_impl->server.is_running() && !m_impl->listen_returned) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return bound;
}

void MockServer::stop() {
    if (!m_impl->thread.joinable()) return;
    m_impl->stopping = true;
    m_impl->server.stop();
    m_impl->thread.join();
    m_impl->port = 0;
}

int MockServer::port() const {
    return m_impl->port;
}

std::string MockServer::base_url() const {
    return "http://" + m_impl->host + ":" + std::to_string(m_impl->port);
}

void MockServer::set_behavior(const std::string& model, Behavior behavior) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->behaviors[model] = std::move(behavior);
    m_impl->failures_served.erase(model);
}

void MockServer::clear_behaviors() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->behaviors.clear();
    m_impl->failures_served.clear();
}

std::vector<RecordedRequest> MockServer::requests() const {
    std::lock_guard lock(m_impl->mutex);
    return {m_impl->recorded.begin(), m_impl->recorded.end()};
}

void MockServer::clear_requests() {
    std::lock_guard lock(m_impl->mutex);
    m_impl->recorded.clear();
}

void MockServer::set_models_document(std::string json_text) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->models_document = std::move(json_text);
}

} // namespace megarouter::mock
