// The proxy's filter chain with a fake upstream transport: a Shared built
// from a config (snapshot, health, an open gate, no access log) whose
// Transport answers from a script, so the chain runs without sockets.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/http/request.hpp"
#include "megarouter/http/response.hpp"
#include "megarouter/upstream/transport.hpp"
#include "proxy/handlers.hpp"
#include "proxy/state.hpp"

namespace chain_test {

using namespace megarouter;

// What the fake answers: a response, or a transport failure.
using Answer = Result<upstream::HttpResponse>;

inline Answer json_answer(int status, const nlohmann::json& body, upstream::Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return upstream::HttpResponse{.status = status, .headers = std::move(headers), .body = body.dump(), .http_version = "1.1"};
}

// An OpenAI chat completion saying `text`.
inline Answer openai_answer(const std::string& model, const std::string& text, int input = 12, int output = 5) {
    return json_answer(200, {{"id", "chatcmpl-fake"}, {"object", "chat.completion"}, {"created", 1}, {"model", model},
                             {"choices", {{{"index", 0}, {"finish_reason", "stop"},
                                           {"message", {{"role", "assistant"}, {"content", text}}}}}},
                             {"usage", {{"prompt_tokens", input}, {"completion_tokens", output},
                                        {"total_tokens", input + output}}}});
}

// An Anthropic message saying `text`.
inline Answer anthropic_answer(const std::string& model, const std::string& text, int input = 12, int output = 5) {
    return json_answer(200, {{"id", "msg_fake"}, {"type", "message"}, {"role", "assistant"}, {"model", model},
                             {"content", {{{"type", "text"}, {"text", text}}}}, {"stop_reason", "end_turn"},
                             {"usage", {{"input_tokens", input}, {"output_tokens", output}}}});
}

// An OpenAI-shaped error body with `status`.
inline Answer openai_error(int status, const std::string& code, const std::string& message,
                           upstream::Headers headers = {}) {
    return json_answer(status, {{"error", {{"message", message}, {"type", "invalid_request_error"}, {"code", code}}}},
                       std::move(headers));
}

struct Sent {
    std::string url;
    upstream::Headers headers;
    nlohmann::json body;
};

// Answers each call from the queue of the first host prefix its URL starts
// with; a host with an empty queue answers `fallback` (connection refused
// by default). Streamed 2xx bodies go to the chunk callback in one piece.
class FakeTransport final : public upstream::Transport {
public:
    void script(const std::string& url_prefix, std::vector<Answer> answers) {
        std::lock_guard lock(m_mutex);
        auto& queue = m_scripts[url_prefix];
        for (auto& a : answers) queue.push_back(std::move(a));
    }
    std::vector<Sent> sent() const {
        std::lock_guard lock(m_mutex);
        return m_sent;
    }

    Result<upstream::HttpResponse> send(const upstream::HttpRequest& request,
                                        const upstream::SendOptions& options) const override {
        std::lock_guard lock(m_mutex);
        m_sent.push_back({request.url, request.headers, nlohmann::json::parse(request.body, nullptr, false)});
        Answer answer = fail(ErrorCode::upstream_unavailable, "cannot reach " + request.url + ": refused", true);
        for (auto& [prefix, queue] : m_scripts)
            if (request.url.starts_with(prefix) && !queue.empty()) {
                answer = std::move(queue.front());
                queue.pop_front();
                break;
            }
        if (answer && answer->status / 100 == 2 && options.on_chunk) {
            if (!(*options.on_chunk)(answer->body)) return fail(ErrorCode::cancelled, "stopped");
            answer->body.clear();
        }
        return answer;
    }

private:
    mutable std::mutex m_mutex;
    mutable std::map<std::string, std::deque<Answer>> m_scripts;
    mutable std::vector<Sent> m_sent;
};

inline const char* k_openai = "http://openai.fake/v1";
inline const char* k_openrouter = "http://openrouter.fake/v1";
inline const char* k_anthropic = "http://anthropic.fake";

// A Shared as ProxyServer::create builds it, without governance (an open
// gateway) and without an access log, calling `transport`.
struct ChainFixture {
    FakeTransport transport;
    proxy::Shared shared;

    explicit ChainFixture(const std::string& extra_toml = "") {
        core::EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
            if (name == "MEGAROUTER_HOME") return std::string("/nonexistent-megarouter-chain-test");
            return std::nullopt;
        };
        std::string toml = std::string("[server]\nrequest_timeout_s = 20\n\n") +
                           "[providers.openai]\nbase_url = \"" + k_openai + "\"\napi_key = \"sk-fake-openai\"\n\n" +
                           "[providers.openrouter]\nbase_url = \"" + k_openrouter + "\"\napi_key = \"sk-fake-or\"\n\n" +
                           "[providers.anthropic]\nbase_url = \"" + k_anthropic + "\"\napi_key = \"sk-fake-ant\"\n\n" +
                           extra_toml;
        auto config = core::parse_config(toml, "chain.toml");
        REQUIRE(config);
        auto snapshot = proxy::build_snapshot(std::move(*config), core::resolve_paths(env), env);
        REQUIRE(snapshot);
        shared.transport = &transport;
        shared.env = env;
        shared.health = std::make_unique<routing::HealthTracker>(core::system_clock(), (*snapshot)->routing.health);
        shared.governance = proxy::open_open_governance();
        auto log = proxy::AccessLog::open("off", false);
        REQUIRE(log);
        shared.access_log = std::move(*log);
        shared.set_snapshot(std::move(*snapshot));
    }

    // Runs one non-streamed request through handle_chat.
    http::Response post(proxy::ApiKind api, const nlohmann::json& body, http::Headers headers = {}) {
        http::Request request;
        request.method = "POST";
        request.path = api == proxy::ApiKind::messages ? "/v1/messages" : api == proxy::ApiKind::responses
                                                                              ? "/v1/responses"
                                                                              : "/v1/chat/completions";
        request.headers = std::move(headers);
        request.body = body.dump();
        http::Response response;
        proxy::handle_chat(shared, api, request, response);
        if (response.status == -1) response.status = 200; // as the server does for a handler that set none
        return response;
    }
};

inline nlohmann::json chat_body(const std::string& model, const std::string& text = "Say hello") {
    return {{"model", model}, {"messages", {{{"role", "user"}, {"content", text}}}}};
}

} // namespace chain_test
