// The OpenAI Responses API as a client-side adapter, like chat completions
// and messages: requests decode to canonical (responses_request.cpp),
// answers encode back as Response objects and the Responses event sequence
// (responses_response.cpp), and a body passed through to OpenAI's own
// /responses is metered from its usage and its terminal stream events.
#include "adapter_util.hpp"
#include "megarouter/providers/responses.hpp"

namespace megarouter::providers::detail {
namespace {

using nlohmann::json;

// A passed-through Responses stream: only its terminal event is parsed
// (response.completed / incomplete with the usage and the whole text, or
// response.failed / error); the deltas go by unread.
class PassthroughDecoder final : public StreamDecoder {
public:
    explicit PassthroughDecoder(bool keep_text) : m_keep_text(keep_text) {}

    std::vector<StreamEvent> feed(std::string_view bytes) override {
        bool was_completed = m_sniffer.completed();
        m_sniffer.feed(bytes);
        std::vector<StreamEvent> out;
        if (was_completed || !m_sniffer.completed()) return out;
        if (m_keep_text && !m_sniffer.text().empty())
            out.push_back({.kind = StreamEvent::Kind::text_delta, .text = m_sniffer.text()});
        out.push_back({.kind = StreamEvent::Kind::usage, .usage = m_sniffer.usage()});
        return out;
    }
    // A failed response ends the stream too: the client got the upstream's own events.
    bool done() const override { return m_sniffer.completed() || m_sniffer.failed(); }

private:
    ResponsesStreamSniffer m_sniffer;
    bool m_keep_text;
};

class ResponsesClient final : public ClientAdapter {
public:
    ClientApi api() const override { return ClientApi::responses; }
    WireFormat format() const override { return WireFormat::openai; }
    Result<ClientRequest> decode(const json& body) const override {
        auto decoded = decode_responses_request(body);
        if (!decoded) return fail(decoded.error());
        return ClientRequest{.request = std::move(decoded->request), .dropped = std::move(decoded->dropped)};
    }
    json encode_client_response(const ChatResponse& response, std::string_view model) const override {
        return encode_responses_response(response, model);
    }
    std::unique_ptr<StreamEncoder> stream_encoder(std::string_view model) const override {
        return responses_stream_encoder(model);
    }
    ClientError encode_client_error(const Error& error) const override { return openai_client().encode_client_error(error); }
    std::string stream_failure(const Error& error, std::string_view model) const override {
        return responses_stream_failure(error, model);
    }

    // Of the OpenAI-format providers only OpenAI itself serves /responses.
    bool passes_to(const Endpoint& endpoint) const override {
        return endpoint.format == WireFormat::openai && endpoint.provider == "openai";
    }
    const char* output_cap_field(const Endpoint&) const override { return "max_output_tokens"; }
    UpstreamTarget passthrough_target(const Endpoint& endpoint, std::string_view provider_model_id,
                                      bool stream) const override {
        UpstreamTarget target = openai_upstream().target(endpoint, provider_model_id, stream);
        target.url = endpoint.base_url + "/responses";
        return target;
    }
    std::string_view usage_member() const override { return "usage"; }
    catalog::Usage decode_usage(const json& member) const override { return usage_from_responses(member); }
    std::string answer_text(const json& answer) const override { return responses_output_text(answer); }
    std::unique_ptr<StreamDecoder> passthrough_decoder(bool keep_text) const override {
        return std::make_unique<PassthroughDecoder>(keep_text);
    }
};

} // namespace

const ClientAdapter& responses_client() {
    static const ResponsesClient adapter;
    return adapter;
}

} // namespace megarouter::providers::detail
