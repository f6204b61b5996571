// The decoders of complete upstream answers and upstream error bodies (each
// provider's decode_response and decode_error) on arbitrary bytes, and the
// decoded answer written back in every client format, as the proxy does when
// it translates.
#include "fuzz_input.hpp"
#include "megarouter/core/json.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/responses.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    std::uint8_t choice = input.take_byte();
    auto format = static_cast<providers::WireFormat>(choice % 3);
    const auto& adapter = providers::upstream_adapter(format);
    int status = 400 + (choice / 3) % 200;
    adapter.decode_error(status, input.rest(), {{"retry-after", "1"}});
    auto body = core::parse_json_bounded(input.rest(), core::JsonLimits{});
    if (!body) return 0;
    adapter.decode_usage(body->is_object() && body->contains(adapter.usage_member()) ? (*body)[adapter.usage_member()]
                                                                                       : nlohmann::json());
    auto answer = adapter.decode_response(*body);
    if (!answer) return 0;
    auto replace = nlohmann::json::error_handler_t::replace;
    for (auto client : {providers::WireFormat::openai, providers::WireFormat::anthropic})
        providers::client_adapter(client)->encode_client_response(*answer, "fuzz-model").dump(-1, ' ', false, replace);
    providers::encode_responses_response(*answer, "fuzz-model").dump(-1, ' ', false, replace);
    return 0;
}
