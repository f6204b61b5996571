// Small OpenSSL wrappers for governance: random base62 text, SHA-256 and
// HMAC-SHA256 as lowercase hex. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace megarouter::governance::crypto {

// `length` base62 characters from RAND_bytes (rejection-sampled, unbiased).
std::string random_base62(std::size_t length);
// A new API key: "mr-" + 32 random bytes in base62 (43 characters).
std::string new_api_key();
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view secret, std::string_view data);

} // namespace megarouter::governance::crypto
