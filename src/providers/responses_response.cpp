// Canonical answer -> Responses API objects and streaming events. The event
// sequence follows OpenAI's documented order: response.created,
// response.in_progress, then per output item output_item.added,
// (content_part.added, output_text.delta..., output_text.done,
// content_part.done) or function_call_arguments.delta/done, output_item.done,
// and finally response.completed carrying the usage.
#include <algorithm>
#include <chrono>
#include <map>

#include "megarouter/core/json.hpp"
#include "megarouter/providers/responses.hpp"
#include "megarouter/core/ids.hpp"

namespace megarouter::providers {
namespace {

using nlohmann::json;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json usage_json(const catalog::Usage& u) {
    using catalog::add_saturated;
    std::int64_t input = add_saturated(add_saturated(u.input, u.cached_input), u.cache_write);
    return {{"input_tokens", input},
            {"input_tokens_details", {{"cached_tokens", u.cached_input}}},
            {"output_tokens", u.output},
            {"output_tokens_details", {{"reasoning_tokens", u.reasoning}}},
            {"total_tokens", add_saturated(input, u.output)}};
}

json message_item(const std::string& id, const std::string& text, const char* status) {
    return {{"id", id}, {"type", "message"}, {"status", status}, {"role", "assistant"},
            {"content", json::array({{{"type", "output_text"}, {"text", text}, {"annotations", json::array()}}})}};
}

json function_item(const std::string& id, const ToolCall& call, const char* status) {
    return {{"id", id}, {"type", "function_call"}, {"status", status}, {"call_id", call.id}, {"name", call.name},
            {"arguments", call.arguments}};
}

json response_object(const std::string& id, std::string_view model, std::int64_t created, const char* status,
                     json output, json usage) {
    return {{"id", id}, {"object", "response"}, {"created_at", created}, {"status", status},
            {"model", model}, {"output", std::move(output)}, {"usage", std::move(usage)},
            {"error", nullptr}, {"incomplete_details", nullptr}, {"parallel_tool_calls", true},
            {"tool_choice", "auto"}, {"tools", json::array()}, {"text", {{"format", {{"type", "text"}}}}}};
}

class ResponsesEncoder final : public StreamEncoder {
public:
    explicit ResponsesEncoder(std::string_view model)
        : m_model(model), m_id(core::random_id("resp_")), m_created(now_seconds()) {}

    std::string encode(const StreamEvent& event) override {
        std::string out;
        if (m_closed) return out;
        open(out);
        switch (event.kind) {
        case StreamEvent::Kind::start: break;
        case StreamEvent::Kind::text_delta: text_delta(event.text, out); break;
        case StreamEvent::Kind::tool_call_start: tool_start(event, out); break;
        case StreamEvent::Kind::tool_call_delta: tool_delta(event, out); break;
        case StreamEvent::Kind::usage: m_usage.merge(event.usage); break;
        case StreamEvent::Kind::finish: m_incomplete = event.finish == FinishReason::length; break;
        case StreamEvent::Kind::reasoning_delta: break; // no canonical summary to give
        case StreamEvent::Kind::error: {
            Error e = make_error(ErrorCode::upstream_error, event.error_message);
            return out + fail(e);
        }
        }
        return out;
    }

    std::string finish() override {
        std::string out;
        if (m_closed) return out;
        open(out);
        close_items(out);
        const char* status = m_incomplete ? "incomplete" : "completed";
        json response = response_object(m_id, m_model, m_created, status, m_output, usage_json(m_usage));
        if (m_incomplete) response["incomplete_details"] = {{"reason", "max_output_tokens"}};
        emit(m_incomplete ? "response.incomplete" : "response.completed", {{"response", response}}, out);
        m_closed = true;
        return out;
    }

    std::string fail(const Error& error) override {
        std::string out;
        if (m_closed) return out;
        open(out);
        std::string code(to_string(error.code));
        emit("error", {{"code", code}, {"message", error.message}, {"param", nullptr},
                       {"error", {{"type", "server_error"}, {"code", code}, {"message", error.message}}}}, out);
        json response = response_object(m_id, m_model, m_created, "failed", m_output, usage_json(m_usage));
        response["error"] = {{"code", "server_error"}, {"message", error.message}};
        emit("response.failed", {{"response", response}}, out);
        m_closed = true;
        return out;
    }

private:
    void emit(const char* type, json data, std::string& out) {
        data["type"] = type;
        data["sequence_number"] = m_sequence++;
        out += "event: ";
        out += type;
        out += "\ndata: ";
        out += data.dump(-1, ' ', false, json::error_handler_t::replace);
        out += "\n\n";
    }

    void open(std::string& out) {
        if (m_opened) return;
        m_opened = true;
        json response = response_object(m_id, m_model, m_created, "in_progress", json::array(), nullptr);
        emit("response.created", {{"response", response}}, out);
        emit("response.in_progress", {{"response", response}}, out);
    }

    void text_delta(const std::string& text, std::string& out) {
        if (m_text_index < 0) {
            m_text_index = static_cast<int>(m_output.size());
            m_text_id = core::random_id("msg_");
            m_output.push_back(nullptr); // filled when the item closes
            json item = message_item(m_text_id, "", "in_progress");
            item["content"] = json::array();
            emit("response.output_item.added", {{"output_index", m_text_index}, {"item", item}}, out);
            emit("response.content_part.added",
                 {{"item_id", m_text_id}, {"output_index", m_text_index}, {"content_index", 0},
                  {"part", {{"type", "output_text"}, {"text", ""}, {"annotations", json::array()}}}}, out);
        }
        m_text += text;
        emit("response.output_text.delta",
             {{"item_id", m_text_id}, {"output_index", m_text_index}, {"content_index", 0}, {"delta", text}}, out);
    }

    void close_text(std::string& out) {
        if (m_text_index < 0 || m_text_closed) return;
        m_text_closed = true;
        emit("response.output_text.done",
             {{"item_id", m_text_id}, {"output_index", m_text_index}, {"content_index", 0}, {"text", m_text}}, out);
        emit("response.content_part.done",
             {{"item_id", m_text_id}, {"output_index", m_text_index}, {"content_index", 0},
              {"part", {{"type", "output_text"}, {"text", m_text}, {"annotations", json::array()}}}}, out);
        json item = message_item(m_text_id, m_text, "completed");
        m_output[m_text_index] = item;
        emit("response.output_item.done", {{"output_index", m_text_index}, {"item", item}}, out);
    }

    struct OpenCall {
        int output_index = 0;
        std::string item_id;
        ToolCall call;
        bool closed = false;
    };

    void tool_start(const StreamEvent& event, std::string& out) {
        close_text(out);
        OpenCall& open = m_calls[event.tool_index];
        open.output_index = static_cast<int>(m_output.size());
        open.item_id = core::random_id("fc_");
        open.call = event.tool_call;
        if (open.call.id.empty()) open.call.id = core::random_id("call_");
        m_output.push_back(nullptr);
        ToolCall empty_args = open.call;
        empty_args.arguments.clear();
        emit("response.output_item.added",
             {{"output_index", open.output_index}, {"item", function_item(open.item_id, empty_args, "in_progress")}}, out);
        if (!event.tool_call.arguments.empty()) {
            open.call.arguments.clear();
            StreamEvent delta = event;
            delta.text = event.tool_call.arguments;
            tool_delta(delta, out);
        }
    }

    void tool_delta(const StreamEvent& event, std::string& out) {
        auto it = m_calls.find(event.tool_index);
        if (it == m_calls.end()) {
            StreamEvent start = event;
            start.kind = StreamEvent::Kind::tool_call_start;
            start.tool_call.arguments.clear();
            tool_start(start, out);
            it = m_calls.find(event.tool_index);
        }
        it->second.call.arguments += event.text;
        emit("response.function_call_arguments.delta",
             {{"item_id", it->second.item_id}, {"output_index", it->second.output_index}, {"delta", event.text}}, out);
    }

    void close_items(std::string& out) {
        close_text(out);
        for (auto& [index, open] : m_calls) {
            if (open.closed) continue;
            open.closed = true;
            emit("response.function_call_arguments.done",
                 {{"item_id", open.item_id}, {"output_index", open.output_index}, {"arguments", open.call.arguments}}, out);
            json item = function_item(open.item_id, open.call, "completed");
            m_output[open.output_index] = item;
            emit("response.output_item.done", {{"output_index", open.output_index}, {"item", item}}, out);
        }
    }


    std::string m_model;
    std::string m_id;
    std::int64_t m_created;
    std::int64_t m_sequence = 0;
    bool m_opened = false;
    bool m_closed = false;
    bool m_incomplete = false;
    json m_output = json::array();
    int m_text_index = -1;
    bool m_text_closed = false;
    std::string m_text_id;
    std::string m_text;
    std::map<int, OpenCall> m_calls;
    catalog::Usage m_usage;
};

} // namespace

json encode_responses_response(const ChatResponse& response, std::string_view model) {
    json output = json::array();
    if (!response.text.empty() || response.tool_calls.empty())
        output.push_back(message_item(core::random_id("msg_"), response.text, "completed"));
    for (const auto& call : response.tool_calls) output.push_back(function_item(core::random_id("fc_"), call, "completed"));
    bool incomplete = response.finish == FinishReason::length;
    json out = response_object(response.id.empty() ? core::random_id("resp_") : response.id, model, now_seconds(),
                               incomplete ? "incomplete" : "completed", std::move(output), usage_json(response.usage));
    if (incomplete) out["incomplete_details"] = {{"reason", "max_output_tokens"}};
    return out;
}

std::unique_ptr<StreamEncoder> responses_stream_encoder(std::string_view model) {
    return std::make_unique<ResponsesEncoder>(model);
}

void ResponsesStreamSniffer::feed(std::string_view bytes) {
    // What is held was searched already: look only at the new bytes (and the
    // one before them, for a blank line split across two pieces), so that a
    // long event arriving in small pieces costs linear time, not quadratic.
    const std::size_t searched = m_buffer.empty() ? 0 : m_buffer.size() - 1;
    m_buffer.append(bytes);
    std::size_t start = 0;
    for (;;) {
        std::size_t end = m_buffer.find("\n\n", std::max(start, searched));
        if (end == std::string::npos) break;
        std::string_view event(m_buffer.data() + start, end - start);
        start = end + 2;
        for (std::size_t pos = 0; pos < event.size();) {
            std::size_t eol = event.find('\n', pos);
            std::string_view line = event.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
            if (line.starts_with("data:")) on_event(line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5));
            if (eol == std::string_view::npos) break;
            pos = eol + 1;
        }
    }
    m_buffer.erase(0, start);
}

void ResponsesStreamSniffer::on_event(std::string_view data) {
    // Only the terminal events matter; skip parsing the many deltas.
    if (data.find("\"response.completed\"") == std::string_view::npos &&
        data.find("\"response.incomplete\"") == std::string_view::npos &&
        data.find("\"response.failed\"") == std::string_view::npos && data.find("\"error\"") == std::string_view::npos)
        return;
    auto parsed = core::parse_json_bounded(data, core::JsonLimits{}); // an upstream event: the default limits
    if (!parsed || !parsed->is_object()) return;
    const json& event = *parsed;
    std::string type = core::string_member(event, "type", "");
    if (type == "response.completed" || type == "response.incomplete") {
        m_completed = true;
        if (event.contains("response") && event["response"].is_object()) {
            const json& response = event["response"];
            if (response.contains("usage")) m_usage = usage_from_responses(response["usage"]);
            m_model = core::string_member(response, "model", "");
            m_text = responses_output_text(response);
        }
    } else if (type == "response.failed" || type == "error") {
        m_failed = true;
    }
}

} // namespace megarouter::providers

namespace megarouter::providers {

std::string responses_stream_failure(const Error& error, std::string_view model) {
    std::string out = responses_stream_encoder(model)->fail(error);
    // Drop the encoder's own opening frames (created + in_progress).
    std::size_t at = out.find("event: error\n");
    return at == std::string::npos ? out : out.substr(at);
}

} // namespace megarouter::providers

namespace megarouter::providers {

std::string responses_output_text(const json& response) {
    std::string text;
    if (!response.is_object() || !response.contains("output") || !response["output"].is_array()) return text;
    for (const json& item : response["output"]) {
        if (!item.is_object() || core::string_member(item, "type", "") != "message" || !item.contains("content") ||
            !item["content"].is_array())
            continue;
        for (const json& part : item["content"])
            if (part.is_object() && core::string_member(part, "type", "") == "output_text" && part.contains("text") &&
                part["text"].is_string())
                text += part["text"].get<std::string>();
    }
    return text;
}

} // namespace megarouter::providers
