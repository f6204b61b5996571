#include "crypto.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace megarouter::governance::crypto {

namespace {

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void fill_random(unsigned char* out, std::size_t size) {
    // RAND_bytes only fails when the CSPRNG cannot be seeded; a key made
    // without entropy would be worse than not starting.
    if (RAND_bytes(out, static_cast<int>(size)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(k_hex[data[i] >> 4]);
        out.push_back(k_hex[data[i] & 15]);
    }
    return out;
}

} // namespace

std::string random_base62(std::size_t length) {
    std::string out;
    while (out.size() < length) {
        std::array<unsigned char, 64> bytes{};
        fill_random(bytes.data(), bytes.size());
        for (unsigned char b : bytes)
            if (b < 248 && out.size() < length) out.push_back(k_alphabet[b % 62]); // 248 = 4 * 62
    }
    return out;
}

std::string new_api_key() {
    // 32 random bytes as one big number in base 62: 43 digits, zero-padded.
    std::vector<unsigned char> number(32);
    fill_random(number.data(), number.size());
    std::string digits;
    for (int d = 0; d < 43; ++d) {
        unsigned remainder = 0;
        for (unsigned char& byte : number) {
            unsigned value = (remainder << 8) | byte;
            byte = static_cast<unsigned char>(value / 62);
            remainder = value % 62;
        }
        digits.push_back(k_alphabet[remainder]);
    }
    return "mr-" + std::string(digits.rbegin(), digits.rend());
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return to_hex(digest, sizeof digest);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
    return to_hex(digest, size);
}

} // namespace megarouter::governance::crypto
