// The chunked decoder (src/http/chunked_decoder.cpp) fed an arbitrary body in
// pieces of input-chosen sizes: it must never crash, never consume more than
// it was given, never deliver more than its limit, and decode the same body
// whatever the split.
#include <optional>
#include <string>

#include "fuzz_input.hpp"
#include "megarouter/http/chunked_decoder.hpp"

using namespace megarouter;
using Status = http::ChunkedDecoder::Status;

namespace {

struct Decoded {
    Status status = Status::more;
    std::string body;
};

Decoded decode(std::string_view bytes, std::uint8_t stride, std::uint64_t max_body) {
    http::ChunkedDecoder decoder(max_body);
    Decoded out;
    std::string pending;
    fuzz::feed_in_pieces(bytes, stride, [&](std::string_view piece) {
        if (out.status != Status::more) return;
        pending.append(piece);
        auto fed = decoder.feed(pending, [&](std::string_view body) {
            out.body.append(body);
            return true;
        });
        if (fed.consumed > pending.size()) __builtin_trap();
        pending.erase(0, fed.consumed);
        out.status = fed.status;
    });
    if (out.body.size() > max_body) __builtin_trap();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    std::uint8_t limit = input.take_byte();
    const std::uint64_t max_body = limit == 0xff ? UINT64_MAX : std::uint64_t{limit} * 37;
    const std::uint8_t stride = input.take_byte() % 17;
    Decoded whole = decode(input.rest(), 0, max_body);
    Decoded split = decode(input.rest(), stride, max_body);
    if (whole.status == Status::done && (split.status != Status::done || split.body != whole.body)) __builtin_trap();
    return 0;
}
