// The Anthropic Messages request decoder (src/providers/anthropic_request.cpp)
// on arbitrary bodies, and the encoding of what it decodes for every upstream.
#include "request_encode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return megarouter::fuzz::decode_request(megarouter::providers::WireFormat::anthropic, data, size);
}
