// The Responses API request decoder (src/proxy/responses_decode.cpp) on
// arbitrary bodies, and the encoding of what it decodes for every upstream.
#include "megarouter/providers/responses.hpp"
#include "request_encode.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto body = core::parse_json_bounded({reinterpret_cast<const char*>(data), size}, core::JsonLimits{});
    if (!body) return 0;
    auto decoded = providers::decode_responses_request(*body);
    if (decoded) fuzz::encode_everywhere(decoded->request, *body);
    return 0;
}
