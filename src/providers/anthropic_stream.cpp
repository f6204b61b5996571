// Anthropic Messages streams: message_start, content_block_start/delta/stop,
// message_delta (stop_reason, usage), message_stop, ping and error events,
// decoded into canonical events and encoded back with every `event:` line.
#include <map>

#include "adapter_util.hpp"
#include "formats.hpp"

namespace megarouter::providers::detail {

using nlohmann::json;

namespace {

class AnthropicDecoder final : public StreamDecoder {
public:
    explicit AnthropicDecoder(bool usage_only) : m_usage_only(usage_only) {}
    std::vector<StreamEvent> feed(std::string_view bytes) override {
        std::vector<StreamEvent> out;
        for (SseEvent& event : m_sse.feed(bytes)) handle(event, out);
        return out;
    }
    bool done() const override { return m_done; }

private:
    void handle(const SseEvent& sse, std::vector<StreamEvent>& out) {
        // Pass-through: content blocks and pings carry no usage, stop or error.
        if (m_usage_only && (sse.event == "content_block_delta" || sse.event == "content_block_start" ||
                             sse.event == "content_block_stop" || sse.event == "ping"))
            return;
        json data = parse_or_null(sse.data);
        std::string type = str(data, "type");
        if (type.empty()) type = sse.event;
        if (type == "message_start") {
            const json& message = data.contains("message") ? data["message"] : json();
            out.push_back({.kind = StreamEvent::Kind::start, .id = str(message, "id"), .model = str(message, "model")});
            if (message.contains("usage")) out.push_back({.kind = StreamEvent::Kind::usage, .usage = anthropic_usage(message["usage"])});
        } else if (type == "content_block_start") {
            const json& block = data.contains("content_block") ? data["content_block"] : json();
            if (str(block, "type") == "tool_use") {
                int tool_index = static_cast<int>(m_tool_of_block.size());
                m_tool_of_block[num(data, "index")] = tool_index;
                StreamEvent start{.kind = StreamEvent::Kind::tool_call_start, .tool_index = tool_index};
                start.tool_call = {str(block, "id"), str(block, "name"), ""};
                out.push_back(std::move(start));
            }
        } else if (type == "content_block_delta") {
            delta(data, out);
        } else if (type == "message_delta") {
            const json& delta = data.contains("delta") ? data["delta"] : json();
            if (std::string reason = str(delta, "stop_reason"); !reason.empty())
                out.push_back({.kind = StreamEvent::Kind::finish, .finish = finish_from_anthropic(reason)});
            if (data.contains("usage")) out.push_back({.kind = StreamEvent::Kind::usage, .usage = anthropic_usage(data["usage"])});
        } else if (type == "message_stop") {
            m_done = true;
        } else if (type == "error") {
            const json& error = data.contains("error") ? data["error"] : json();
            out.push_back({.kind = StreamEvent::Kind::error, .error_message = str(error, "message"), .error_type = str(error, "type")});
        }
    }

    void delta(const json& data, std::vector<StreamEvent>& out) {
        const json& delta = data.contains("delta") ? data["delta"] : json();
        std::string type = str(delta, "type");
        if (type == "text_delta") {
            out.push_back({.kind = StreamEvent::Kind::text_delta, .text = str(delta, "text")});
        } else if (type == "thinking_delta") {
            out.push_back({.kind = StreamEvent::Kind::reasoning_delta, .text = str(delta, "thinking")});
        } else if (type == "input_json_delta") {
            auto it = m_tool_of_block.find(num(data, "index"));
            if (it == m_tool_of_block.end()) return;
            out.push_back({.kind = StreamEvent::Kind::tool_call_delta, .text = str(delta, "partial_json"), .tool_index = it->second});
        }
    }

    SseParser m_sse;
    bool m_usage_only = false;
    bool m_done = false;
    std::map<std::int64_t, int> m_tool_of_block; // content block index -> tool index
};

class AnthropicEncoder final : public StreamEncoder {
public:
    explicit AnthropicEncoder(std::string_view model) : m_model(model) {}

    std::string encode(const StreamEvent& event) override {
        if (m_closed) return {};
        std::string out;
        if (event.kind == StreamEvent::Kind::usage) m_usage.merge(event.usage);
        out += opening(event);
        switch (event.kind) {
        case StreamEvent::Kind::start:
        case StreamEvent::Kind::usage: break;
        case StreamEvent::Kind::text_delta:
            out += block("text", {{"type", "text"}, {"text", ""}}, -1);
            out += frame("content_block_delta", {{"index", m_block}, {"delta", {{"type", "text_delta"}, {"text", event.text}}}});
            break;
        case StreamEvent::Kind::reasoning_delta:
            out += block("thinking", {{"type", "thinking"}, {"thinking", ""}}, -1);
            out += frame("content_block_delta", {{"index", m_block}, {"delta", {{"type", "thinking_delta"}, {"thinking", event.text}}}});
            break;
        case StreamEvent::Kind::tool_call_start:
            out += block("tool_use",
                         {{"type", "tool_use"}, {"id", event.tool_call.id}, {"name", event.tool_call.name}, {"input", json::object()}},
                         event.tool_index);
            break;
        case StreamEvent::Kind::tool_call_delta:
            if (m_block_type != "tool_use") break; // a delta without its start cannot be placed
            out += frame("content_block_delta", {{"index", m_block}, {"delta", {{"type", "input_json_delta"}, {"partial_json", event.text}}}});
            break;
        case StreamEvent::Kind::finish: m_finish = event.finish; break;
        case StreamEvent::Kind::error: out += fail(make_error(ErrorCode::upstream_error, event.error_message)); break;
        }
        return out;
    }

    std::string finish() override {
        if (m_closed) return {};
        std::string out = opening(StreamEvent{.kind = StreamEvent::Kind::start});
        out += close_block();
        m_closed = true;
        out += frame("message_delta", {{"delta", {{"stop_reason", finish_to_anthropic(m_finish)}, {"stop_sequence", nullptr}}},
                                       {"usage", anthropic_usage_json(m_usage)}});
        out += frame("message_stop", json::object());
        return out;
    }

    std::string fail(const Error& error) override {
        if (m_closed) return {};
        m_closed = true;
        return sse_frame("error", json::parse(anthropic_encode_client_error(error).body));
    }

private:
    static std::string frame(const char* type, json data) {
        data["type"] = type;
        return sse_frame(type, data);
    }

    std::string opening(const StreamEvent& event) {
        if (m_opened) return {};
        m_opened = true;
        std::string id = event.kind == StreamEvent::Kind::start && !event.id.empty() ? event.id : "msg_megarouter";
        json message = {{"id", id}, {"type", "message"}, {"role", "assistant"}, {"model", m_model},
                        {"content", json::array()}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                        {"usage", anthropic_usage_json(m_usage)}};
        return frame("message_start", {{"message", message}});
    }

    // Opens a block of `type` unless one is open already (tools: one block per call).
    std::string block(const std::string& type, const json& content_block, int tool_index) {
        if (m_block_type == type && (type != "tool_use" || tool_index == m_tool_index)) return {};
        std::string out = close_block();
        m_block_type = type;
        m_tool_index = tool_index;
        out += frame("content_block_start", {{"index", ++m_block}, {"content_block", content_block}});
        return out;
    }

    std::string close_block() {
        if (m_block_type.empty()) return {};
        m_block_type.clear();
        return frame("content_block_stop", {{"index", m_block}});
    }


    std::string m_model;
    bool m_opened = false;
    bool m_closed = false;
    int m_block = -1;
    std::string m_block_type;
    int m_tool_index = -1;
    FinishReason m_finish = FinishReason::stop;
    catalog::Usage m_usage;
};

} // namespace

std::unique_ptr<StreamDecoder> anthropic_stream_decoder(bool usage_only) {
    return std::make_unique<AnthropicDecoder>(usage_only);
}
std::unique_ptr<StreamEncoder> anthropic_stream_encoder(std::string_view model) {
    return std::make_unique<AnthropicEncoder>(model);
}

} // namespace megarouter::providers::detail
