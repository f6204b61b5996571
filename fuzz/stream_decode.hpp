// What the three upstream SSE targets share: an upstream stream decoder fed
// arbitrary bytes in input-chosen pieces, and the canonical events it yields
// re-encoded in a client format chosen by the input (as the proxy does when
// it translates a stream), so the encoders are fuzzed with them; the
// pass-through usage decoder is fed the same pieces.
#pragma once

#include <memory>

#include "fuzz_input.hpp"
#include "megarouter/providers/adapter.hpp"
#include "megarouter/providers/responses.hpp"

namespace megarouter::fuzz {

inline std::unique_ptr<providers::StreamEncoder> client_encoder(std::uint8_t choice) {
    switch (choice % 3) {
    case 0: return providers::client_adapter(providers::WireFormat::openai)->stream_encoder("fuzz-model");
    case 1: return providers::client_adapter(providers::WireFormat::anthropic)->stream_encoder("fuzz-model");
    default: return providers::responses_stream_encoder("fuzz-model");
    }
}

inline int decode_stream(providers::WireFormat upstream, const std::uint8_t* data, std::size_t size) {
    Input input(data, size);
    const std::uint8_t stride = input.take_byte() % 33;
    const std::uint8_t choice = input.take_byte();
    auto decoder = providers::upstream_adapter(upstream).stream_decoder();
    // The pass-through decoder (usage, finish, errors, end only) on the same pieces.
    auto usage_only = providers::upstream_adapter(upstream).usage_decoder();
    auto encoder = client_encoder(choice);
    bool failed = false;
    feed_in_pieces(input.rest(), stride, [&](std::string_view piece) {
        (void)usage_only->feed(piece);
        for (const providers::StreamEvent& event : decoder->feed(piece)) {
            if (event.kind == providers::StreamEvent::Kind::error) failed = true;
            if (!failed) encoder->encode(event);
        }
    });
    if (failed || !decoder->done()) encoder->fail(make_error(ErrorCode::upstream_error, "cut"));
    encoder->finish();
    return 0;
}

} // namespace megarouter::fuzz
