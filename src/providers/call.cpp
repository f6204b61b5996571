#include "megarouter/providers/call.hpp"

#include "adapter_util.hpp"

namespace megarouter::providers {

void ResponseAssembler::add(const StreamEvent& event) {
    ChatResponse& r = m_response;
    switch (event.kind) {
    case StreamEvent::Kind::start:
        if (!event.id.empty()) r.id = event.id;
        if (!event.model.empty()) r.model = event.model;
        break;
    case StreamEvent::Kind::text_delta: r.text += event.text; break;
    case StreamEvent::Kind::reasoning_delta: r.reasoning_text += event.text; break;
    case StreamEvent::Kind::tool_call_start:
        if (event.tool_index >= 0 && static_cast<std::size_t>(event.tool_index) >= r.tool_calls.size())
            r.tool_calls.resize(static_cast<std::size_t>(event.tool_index) + 1);
        if (event.tool_index >= 0) {
            ToolCall& call = r.tool_calls[static_cast<std::size_t>(event.tool_index)];
            call.id = event.tool_call.id;
            call.name = event.tool_call.name;
        }
        break;
    case StreamEvent::Kind::tool_call_delta:
        if (event.tool_index >= 0 && static_cast<std::size_t>(event.tool_index) < r.tool_calls.size())
            r.tool_calls[static_cast<std::size_t>(event.tool_index)].arguments += event.text;
        break;
    case StreamEvent::Kind::usage: {
        r.usage.merge(event.usage);
        break;
    }
    case StreamEvent::Kind::finish: r.finish = event.finish; break;
    case StreamEvent::Kind::error: r.finish = FinishReason::error; break;
    }
}

namespace {

upstream::Headers merge_headers(upstream::Headers base, const upstream::Headers& extra) {
    for (const auto& [name, value] : extra) {
        std::erase_if(base, [&](const auto& h) {
            if (h.first.size() != name.size()) return false;
            for (std::size_t i = 0; i < name.size(); ++i)
                if (std::tolower(static_cast<unsigned char>(h.first[i])) != std::tolower(static_cast<unsigned char>(name[i])))
                    return false;
            return true;
        });
        base.emplace_back(name, value);
    }
    return base;
}

// An error event inside a 200 stream, classified like an HTTP error.
Error stream_error(const StreamEvent& event) {
    const std::string& type = event.error_type;
    int status = 500;
    if (type == "rate_limit_error" || type == "RESOURCE_EXHAUSTED" || type == "rate_limit_exceeded") status = 429;
    else if (type == "invalid_request_error" || type == "INVALID_ARGUMENT") status = 400;
    else if (type == "content_policy") status = 400;
    Error error = detail::classify_status(status, "upstream stream failed: " + event.error_message, {});
    if (type == "content_policy") error.code = ErrorCode::content_policy;
    error.upstream_status = 0;
    return error;
}

} // namespace

Result<ChatResponse> call(const Endpoint& endpoint, const ChatRequest& request, std::string_view provider_model_id,
                          const CallOptions& options, const StreamCallback* on_event) {
    const UpstreamAdapter& adapter = upstream_adapter(endpoint.format);
    const bool stream = on_event != nullptr;
    nlohmann::json body;
    if (request.stream == stream) {
        body = adapter.encode_request(request, provider_model_id);
    } else {
        ChatRequest copy = request;
        copy.stream = stream;
        body = adapter.encode_request(copy, provider_model_id);
    }
    UpstreamTarget target = adapter.target(endpoint, provider_model_id, stream);
    upstream::HttpRequest http{"POST", std::move(target.url), merge_headers(std::move(target.headers), options.extra_headers),
                               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};

    std::unique_ptr<StreamDecoder> decoder = stream ? adapter.stream_decoder() : nullptr;
    ResponseAssembler assembler;
    std::optional<Error> failed_midway;
    bool any_event = false;
    upstream::ChunkCallback on_chunk = [&](std::string_view bytes) {
        for (const StreamEvent& event : decoder->feed(bytes)) {
            any_event = true;
            assembler.add(event);
            if (event.kind == StreamEvent::Kind::error && !failed_midway) failed_midway = stream_error(event);
            if (!(*on_event)(event)) return false;
        }
        return true;
    };
    upstream::SendOptions send{options.timeouts, stream ? &on_chunk : nullptr, options.cancel};
    const upstream::Transport& transport = options.transport ? *options.transport : upstream::UpstreamClient::shared();
    auto response = transport.send(http, send);

    if (stream && options.partial) *options.partial = assembler.response();
    if (!response) {
        Error error = response.error();
        if (any_event && error.code != ErrorCode::cancelled) {
            error.message = "stream cut: " + error.message;
            error.code = ErrorCode::upstream_error;
            error.retryable = true;
        }
        return fail(error);
    }
    if (response->status < 200 || response->status >= 300)
        return fail(adapter.decode_error(response->status, response->body, response->headers));
    if (stream) {
        if (failed_midway) return fail(*failed_midway);
        if (!decoder->done())
            return fail(make_error(ErrorCode::upstream_error, "stream cut: " + endpoint.provider + " closed the stream before its end", true));
        return assembler.take();
    }
    auto parsed = core::parse_json_bounded(response->body, detail::k_json_limits);
    if (!parsed) return fail(ErrorCode::upstream_error, endpoint.provider + "'s answer: " + parsed.error().message, true);
    return adapter.decode_response(*parsed);
}

} // namespace megarouter::providers
