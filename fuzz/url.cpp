// Percent-decoding and query parsing (src/http/url.cpp) on arbitrary bytes:
// they must never crash, a decoded text is never longer than its input, an
// input without '%' (or '+', when '+' means a space) comes back unchanged,
// and every parsed query pair has a name. The pairs then go through
// http::Headers (add, set, find) to check its lookups agree with each other.
#include "fuzz_input.hpp"
#include "megarouter/http/headers.hpp"
#include "megarouter/http/url.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    const http::Plus plus = input.take_byte() & 1 ? http::Plus::space : http::Plus::keep;
    const std::string_view bytes = input.rest();
    std::string decoded = http::decode_url(bytes, plus);
    if (decoded.size() > bytes.size()) __builtin_trap();
    bool plain = bytes.find('%') == std::string_view::npos &&
                 (plus == http::Plus::keep || bytes.find('+') == std::string_view::npos);
    if (plain && decoded != bytes) __builtin_trap();

    http::QueryParams params;
    http::parse_query(bytes, params);
    http::Headers headers;
    for (const auto& [name, value] : params) {
        if (name.empty()) __builtin_trap();
        headers.add(name, value);
    }
    for (const auto& [name, value] : params) {
        const std::string* found = headers.find(name);
        if (!found || headers.count(name) == 0) __builtin_trap();
        headers.set(name, value);
        if (headers.count(name) != 1 || headers.get(name) != value) __builtin_trap();
    }
    return 0;
}
