// Answering one provider request: parse the body, pick the Behavior, then
// hang, delay, fail, or answer (plain or streamed) in the request's format.
#include "mock/mock_server_impl.hpp"

#include <chrono>

namespace megarouter::mock {
namespace {

using detail::EventList;
using detail::Format;
using detail::json;

constexpr int k_max_hang_ms = 300'000; // a hung request frees its thread after this
constexpr int k_sleep_step_ms = 10;
constexpr std::string_view k_gemini_prefix = "/v1beta/models/";

void send_error(httplib::Response& res, const detail::ErrorReply& error) {
    res.status = error.status;
    res.set_content(error.body, "application/json");
}

std::string parse_error_message(Format format) {
    switch (format) {
    case Format::gemini:
        return "Invalid JSON payload received.";
    case Format::anthropic:
        return "There was an error parsing the body of your request: invalid JSON";
    default:
        return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
               "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";
    }
}

bool has_key(const httplib::Request& req, Format format) {
    switch (format) {
    case Format::anthropic:
        return !req.get_header_value("x-api-key").empty() || req.has_header("Authorization");
    case Format::gemini:
        return !req.get_header_value("x-goog-api-key").empty() || req.has_param("key");
    default:
        return req.get_header_value("Authorization").size() > 7; // "Bearer " and a key
    }
}

EventList stream_events(Format format, const detail::Answer& answer, const detail::Turn& turn, bool gemini_sse) {
    switch (format) {
    case Format::openai_chat:
        return detail::openai_chat_stream(answer, turn.include_usage);
    case Format::openai_responses:
        return detail::openai_responses_stream(answer);
    case Format::anthropic:
        return detail::anthropic_stream(answer);
    case Format::gemini:
        return detail::gemini_stream(answer, gemini_sse);
    }
    return {};
}

std::string plain_body(Format format, const detail::Answer& answer) {
    switch (format) {
    case Format::openai_chat:
        return detail::openai_chat_body(answer);
    case Format::openai_responses:
        return detail::openai_responses_body(answer);
    case Format::anthropic:
        return detail::anthropic_body(answer);
    case Format::gemini:
        return detail::gemini_body(answer);
    }
    return {};
}

// The state a chunked content provider walks through, one event per call.
struct StreamState {
    EventList events;
    std::size_t next = 0;
    int contents_sent = 0;
    std::optional<int> cut_after;
    int chunk_delay_ms = 0;
};

} // namespace

bool MockServer::Impl::sleep_unless_stopping(int ms) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stopping.load()) {
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::milliseconds::zero()) return true;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(k_sleep_step_ms)));
    }
    return false;
}

std::expected<Behavior, std::string> MockServer::Impl::behavior_for(const httplib::Request& req,
                                                                    const std::string& model) const {
    if (req.has_header("x-mock-behavior")) return behavior_from_json(req.get_header_value("x-mock-behavior"));
    std::lock_guard lock(mutex);
    if (auto it = behaviors.find(model); it != behaviors.end()) return it->second;
    if (auto it = behaviors.find("*"); it != behaviors.end()) return it->second;
    return Behavior{};
}

bool MockServer::Impl::should_fail(const std::string& model, const Behavior& behavior) {
    if (behavior.status == 0) return false;
    if (behavior.fail_times <= 0) return true;
    std::lock_guard lock(mutex);
    return failures_served[model]++ < behavior.fail_times;
}

void MockServer::Impl::serve(const httplib::Request& req, httplib::Response& res, Format format, TurnParser parse) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        return send_error(res, detail::error_reply(format, 400, parse_error_message(format)));
    auto turn = parse(body);
    if (!turn) return send_error(res, detail::error_reply(format, 400, turn.error()));
    serve_turn(req, res, format, *turn, false);
}

void MockServer::Impl::serve_gemini(const httplib::Request& req, httplib::Response& res) {
    std::string_view rest = std::string_view(req.path).substr(k_gemini_prefix.size());
    auto colon = rest.rfind(':');
    std::string_view action = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    bool stream = action == "streamGenerateContent";
    if (!stream && action != "generateContent") {
        return send_error(res, detail::error_reply(Format::gemini, 404, "Method not found."));
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return send_error(res, detail::error_reply(Format::gemini, 400, parse_error_message(Format::gemini)));
    }
    auto turn = detail::gemini_turn(body, std::string(rest.substr(0, colon)));
    if (!turn) return send_error(res, detail::error_reply(Format::gemini, 400, turn.error()));
    turn->stream = stream;
    serve_turn(req, res, Format::gemini, *turn, req.get_param_value("alt") == "sse");
}

void MockServer::Impl::serve_embeddings(const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return send_error(res, detail::error_reply(Format::openai_chat, 400, parse_error_message(Format::openai_chat)));
    }
    auto behavior = behavior_for(req, detail::string_field(body, "model"));
    if (behavior && behavior->status != 0 && should_fail(detail::string_field(body, "model"), *behavior)) {
        if (behavior->retry_after) res.set_header("Retry-After", std::to_string(*behavior->retry_after));
        return send_error(res, detail::error_reply(Format::openai_chat, behavior->status, "Mock failure"));
    }
    auto reply = detail::openai_embeddings_body(body);
    if (!reply) return send_error(res, detail::error_reply(Format::openai_chat, 400, reply.error()));
    res.set_content(*reply, "application/json");
}

void MockServer::Impl::serve_turn(const httplib::Request& req, httplib::Response& res, Format format,
                                  const detail::Turn& turn, bool gemini_sse) {
    auto behavior = behavior_for(req, turn.model);
    if (!behavior) return send_error(res, detail::error_reply(format, 400, "x-mock-behavior: " + behavior.error()));
    const Behavior& b = *behavior;
    if (b.require_key && !has_key(req, format)) return send_error(res, detail::unauthenticated_reply(format));
    if (b.hang) {
        sleep_unless_stopping(k_max_hang_ms);
        return send_error(res, detail::error_reply(format, 503, "Mock hang ended"));
    }
    if (b.first_byte_delay_ms > 0 && !sleep_unless_stopping(b.first_byte_delay_ms)) return;
    if (should_fail(turn.model, b)) {
        if (b.retry_after) res.set_header("Retry-After", std::to_string(*b.retry_after));
        return send_error(
            res, detail::error_reply(format, b.status, "Mock failure with status " + std::to_string(b.status)));
    }
    detail::Answer answer = detail::make_answer(turn, b, ++sequence);
    if (b.context_length_error) return send_error(res, detail::context_length_reply(format, answer.prompt_tokens));
    if (!turn.stream) return res.set_content(plain_body(format, answer), "application/json");

    auto state = std::make_shared<StreamState>();
    state->events = stream_events(format, answer, turn, gemini_sse);
    state->cut_after = b.cut_after_chunks;
    state->chunk_delay_ms = b.chunk_delay_ms;
    bool event_stream = format != Format::gemini || gemini_sse;
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        event_stream ? "text/event-stream" : "application/json", [this, state](std::size_t, httplib::DataSink& sink) {
            if (state->next == state->events.size()) {
                sink.done();
                return true;
            }
            const detail::StreamEvent& event = state->events[state->next];
            bool last = state->next + 1 == state->events.size();
            // Returning false makes httplib close the socket without the final chunk.
            if (state->cut_after && (event.content ? state->contents_sent >= *state->cut_after : last)) return false;
            if (event.content && state->chunk_delay_ms > 0 && !sleep_unless_stopping(state->chunk_delay_ms)) {
                return false;
            }
            ++state->next;
            if (!sink.write(event.bytes.data(), event.bytes.size())) return false;
            if (event.content && ++state->contents_sent >= state->cut_after.value_or(INT32_MAX)) return false;
            return true;
        });
}

} // namespace megarouter::mock
