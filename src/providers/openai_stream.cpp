// OpenAI chat completions streams: `data: {chunk}` events ending in
// `data: [DONE]`, decoded into canonical events and encoded back.
#include <chrono>
#include <set>

#include "adapter_util.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

namespace {

class OpenAiDecoder final : public StreamDecoder {
public:
    explicit OpenAiDecoder(bool usage_only) : m_usage_only(usage_only) {}
    std::vector<StreamEvent> feed(std::string_view bytes) override {
        std::vector<StreamEvent> out;
        for (SseEvent& event : m_sse.feed(bytes)) chunk(event.data, out);
        return out;
    }
    bool done() const override { return m_done; }

private:
    void chunk(const std::string& data, std::vector<StreamEvent>& out) {
        if (data == "[DONE]") {
            m_done = true;
            return;
        }
        // Pass-through: most chunks are a delta with "finish_reason": null and
        // no usage (or "usage": null); only the others are parsed.
        if (m_usage_only && !has_non_null(data, "\"usage\"") && !has_non_null(data, "\"finish_reason\"") &&
            data.find("\"error\"") == std::string::npos)
            return;
        json body = parse_or_null(data);
        if (!body.is_object()) return;
        if (body.contains("error")) {
            StreamEvent event{.kind = StreamEvent::Kind::error};
            const json& error = body["error"];
            event.error_message = error.is_string() ? error.get<std::string>() : str(error, "message");
            event.error_type = str(error, "type");
            out.push_back(std::move(event));
            return;
        }
        if (!m_started) {
            m_started = true;
            out.push_back({.kind = StreamEvent::Kind::start, .id = str(body, "id"), .model = str(body, "model")});
        }
        if (body.contains("choices") && body["choices"].is_array() && !body["choices"].empty())
            choice(body["choices"][0], out);
        if (body.contains("usage") && body["usage"].is_object())
            out.push_back({.kind = StreamEvent::Kind::usage, .usage = openai_usage(body["usage"])});
    }

    void choice(const json& choice, std::vector<StreamEvent>& out) {
        const json& delta = choice.contains("delta") ? choice["delta"] : json();
        for (const char* key : {"reasoning_content", "reasoning"})
            if (std::string text = str(delta, key); !text.empty())
                out.push_back({.kind = StreamEvent::Kind::reasoning_delta, .text = text});
        if (std::string text = str(delta, "content"); !text.empty())
            out.push_back({.kind = StreamEvent::Kind::text_delta, .text = text});
        if (delta.contains("tool_calls") && delta["tool_calls"].is_array())
            for (const json& call : delta["tool_calls"]) tool_call(call, out);
        if (std::string reason = str(choice, "finish_reason"); !reason.empty()) {
            out.push_back({.kind = StreamEvent::Kind::finish, .finish = finish_from_openai(reason)});
            m_done = true; // the answer is complete even if the usage chunk never comes
        }
    }

    void tool_call(const json& call, std::vector<StreamEvent>& out) {
        int index = static_cast<int>(num(call, "index"));
        const json& function = call.contains("function") ? call["function"] : json();
        if (!m_tools_seen.contains(index)) {
            m_tools_seen.insert(index);
            StreamEvent start{.kind = StreamEvent::Kind::tool_call_start, .tool_index = index};
            start.tool_call = {str(call, "id"), str(function, "name"), ""};
            out.push_back(std::move(start));
        }
        if (std::string args = str(function, "arguments"); !args.empty())
            out.push_back({.kind = StreamEvent::Kind::tool_call_delta, .text = args, .tool_index = index});
    }

    SseParser m_sse;
    bool m_usage_only = false;
    bool m_started = false;
    bool m_done = false;
    std::set<int> m_tools_seen;
};

class OpenAiEncoder final : public StreamEncoder {
public:
    explicit OpenAiEncoder(std::string_view model) : m_model(model) {
        m_created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    std::string encode(const StreamEvent& event) override {
        if (m_closed) return {};
        std::string out = opening(event);
        switch (event.kind) {
        case StreamEvent::Kind::start: break;
        case StreamEvent::Kind::text_delta: out += chunk({{"content", event.text}}); break;
        case StreamEvent::Kind::reasoning_delta: out += chunk({{"reasoning_content", event.text}}); break;
        case StreamEvent::Kind::tool_call_start:
            out += chunk({{"tool_calls", json::array({{{"index", event.tool_index},
                                                       {"id", event.tool_call.id},
                                                       {"type", "function"},
                                                       {"function", {{"name", event.tool_call.name}, {"arguments", ""}}}}})}});
            break;
        case StreamEvent::Kind::tool_call_delta:
            out += chunk({{"tool_calls", json::array({{{"index", event.tool_index}, {"function", {{"arguments", event.text}}}}})}});
            break;
        case StreamEvent::Kind::usage: m_usage.merge(event.usage); break;
        case StreamEvent::Kind::finish: m_finish = event.finish; break;
        case StreamEvent::Kind::error: out += fail(make_error(ErrorCode::upstream_error, event.error_message)); break;
        }
        return out;
    }

    std::string finish() override {
        if (m_closed) return {};
        std::string out = opening(StreamEvent{.kind = StreamEvent::Kind::start});
        m_closed = true;
        json last = frame(json::object());
        last["choices"][0]["finish_reason"] = finish_to_openai(m_finish);
        out += sse_frame("", last);
        // Usage comes as with stream_options.include_usage (which the proxy
        // asks of OpenAI upstreams on pass-through too): a chunk of its own
        // after the finish_reason, whose choices are empty.
        json usage = frame(json::object());
        usage["choices"] = json::array();
        usage["usage"] = openai_usage_json(m_usage);
        out += sse_frame("", usage);
        out += "data: [DONE]\n\n";
        return out;
    }

    std::string fail(const Error& error) override {
        if (m_closed) return {};
        m_closed = true;
        return sse_frame("", json::parse(openai_encode_client_error(error).body));
    }

private:
    std::string opening(const StreamEvent& event) {
        if (m_opened) return {};
        m_opened = true;
        if (event.kind == StreamEvent::Kind::start && !event.id.empty()) m_id = event.id;
        return chunk({{"role", "assistant"}, {"content", ""}});
    }

    json frame(json delta) const {
        return {{"id", m_id},
                {"object", "chat.completion.chunk"},
                {"created", m_created},
                {"model", m_model},
                {"choices", json::array({{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", nullptr}}})}};
    }
    std::string chunk(json delta) const { return sse_frame("", frame(std::move(delta))); }


    std::string m_model;
    std::string m_id = "chatcmpl-megarouter";
    std::int64_t m_created = 0;
    bool m_opened = false;
    bool m_closed = false;
    FinishReason m_finish = FinishReason::stop;
    catalog::Usage m_usage;
};

} // namespace

std::unique_ptr<StreamDecoder> openai_stream_decoder(bool usage_only) { return std::make_unique<OpenAiDecoder>(usage_only); }
std::unique_ptr<StreamEncoder> openai_stream_encoder(std::string_view model) { return std::make_unique<OpenAiEncoder>(model); }

} // namespace megarouter::providers::detail
