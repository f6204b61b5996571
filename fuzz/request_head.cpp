// The request-head parser (src/http/request_head.cpp) on arbitrary bytes: it
// must never crash, never claim more bytes than it was given, and never find
// a complete head in a prefix shorter than the head it found in the whole.
#include "fuzz_input.hpp"
#include "megarouter/http/request_head.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    const std::size_t max_head = 16 + std::size_t{input.take_byte()} * 64;
    const std::string_view bytes = input.rest();
    http::Request request;
    http::HeadParse parsed = http::parse_request_head(bytes, max_head, request);
    if (parsed.status != http::HeadStatus::complete) return 0;
    if (parsed.head_bytes == 0 || parsed.head_bytes > bytes.size()) __builtin_trap();
    http::body_framing(request);
    http::wants_keep_alive(request);
    for (const auto& [name, value] : request.headers) http::is_framing_header(name);
    http::Request shorter;
    if (http::parse_request_head(bytes.substr(0, parsed.head_bytes - 1), max_head, shorter).status ==
        http::HeadStatus::complete)
        __builtin_trap();
    return 0;
}
