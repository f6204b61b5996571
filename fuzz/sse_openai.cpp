// The OpenAI chat completions stream (src/providers/openai_stream.cpp) decoder on arbitrary bytes, its events re-encoded for a client.
#include "stream_decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return megarouter::fuzz::decode_stream(megarouter::providers::WireFormat::openai, data, size);
}
