#include "megarouter/core/ids.hpp"

#include <cstdint>
#include <random>

namespace megarouter::core {

std::string random_id(std::string_view prefix) {
    // One generator per thread: no lock on the request path.
    thread_local std::mt19937_64 generator{std::random_device{}()};
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string id(prefix);
    std::uint64_t a = generator(), b = generator();
    for (int i = 0; i < 16; ++i) id += k_hex[(a >> (i * 4)) & 0xf];
    for (int i = 0; i < 8; ++i) id += k_hex[(b >> (i * 4)) & 0xf];
    return id;
}

} // namespace megarouter::core
