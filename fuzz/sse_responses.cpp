// The Responses API stream sniffer (src/proxy/responses_encode.cpp), which
// reads usage and text out of a Responses stream passed through from an
// OpenAI upstream, on arbitrary bytes in input-chosen pieces: the same
// findings whatever the split.
#include "fuzz_input.hpp"
#include "megarouter/providers/responses.hpp"

using namespace megarouter;

namespace {

providers::ResponsesStreamSniffer sniff(std::string_view bytes, std::uint8_t stride) {
    providers::ResponsesStreamSniffer sniffer;
    fuzz::feed_in_pieces(bytes, stride, [&](std::string_view piece) { sniffer.feed(piece); });
    return sniffer;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    const std::uint8_t stride = input.take_byte() % 33;
    auto whole = sniff(input.rest(), 0);
    auto split = sniff(input.rest(), stride);
    if (whole.completed() != split.completed() || whole.failed() != split.failed() ||
        whole.usage().input != split.usage().input || whole.usage().output != split.usage().output ||
        whole.text() != split.text())
        __builtin_trap();
    return 0;
}
