// The Gemini streamGenerateContent stream (src/providers/gemini.cpp) decoder on arbitrary bytes, its events re-encoded for a client.
#include "stream_decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return megarouter::fuzz::decode_stream(megarouter::providers::WireFormat::gemini, data, size);
}
