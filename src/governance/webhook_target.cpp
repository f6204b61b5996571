#include "webhook_target.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>

#include <memory>

namespace megarouter::governance {

namespace {

struct Range4 {
    std::uint32_t base;
    int bits;
    const char* rule;
};

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) { return (a << 24) | (b << 16) | (c << 8) | d; }

// Special-purpose ranges (RFC 6890 and friends) a webhook has no business on.
constexpr Range4 k_refused4[] = {
    {ip4(0, 0, 0, 0), 8, "unspecified (0.0.0.0/8)"},
    {ip4(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"},
    {ip4(10, 0, 0, 0), 8, "private (10.0.0.0/8)"},
    {ip4(172, 16, 0, 0), 12, "private (172.16.0.0/12)"},
    {ip4(192, 168, 0, 0), 16, "private (192.168.0.0/16)"},
    {ip4(100, 64, 0, 0), 10, "shared/carrier-grade NAT (100.64.0.0/10)"},
    {ip4(169, 254, 0, 0), 16, "link-local (169.254.0.0/16)"},
    {ip4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"},
    {ip4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"},
    {ip4(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"},
    {ip4(240, 0, 0, 0), 4, "reserved or broadcast (240.0.0.0/4)"},
};

bool in_range(std::uint32_t address, std::uint32_t base, int bits) {
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (address & mask) == (base & mask);
}

bool prefix_is(const std::array<std::uint8_t, 16>& a, std::initializer_list<std::uint8_t> bytes) {
    std::size_t i = 0;
    for (std::uint8_t b : bytes)
        if (a[i++] != b) return false;
    return true;
}

std::uint32_t embedded_ipv4(const std::array<std::uint8_t, 16>& a) {
    return (std::uint32_t{a[12]} << 24) | (std::uint32_t{a[13]} << 16) | (std::uint32_t{a[14]} << 8) | a[15];
}

std::string host_of(CURLU* url) {
    char* host = nullptr;
    if (curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host) return {};
    std::string out(host);
    curl_free(host);
    if (out.size() >= 2 && out.front() == '[' && out.back() == ']') out = out.substr(1, out.size() - 2);
    if (auto zone = out.find('%'); zone != std::string::npos) out.erase(zone); // fe80::1%eth0
    return out;
}

bool names_localhost(std::string host) {
    for (char& c : host) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    while (!host.empty() && host.back() == '.') host.pop_back();
    return host == "localhost" || host.ends_with(".localhost");
}

// The rule a textual address breaks; nullopt when public or not an address.
std::optional<std::string> literal_rule(const std::string& text, bool& is_address) {
    is_address = true;
    in_addr v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return ipv4_rule(ntohl(v4.s_addr));
    in6_addr v6{};
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        std::array<std::uint8_t, 16> bytes{};
        std::copy(std::begin(v6.s6_addr), std::end(v6.s6_addr), bytes.begin());
        return ipv6_rule(bytes);
    }
    is_address = false;
    return std::nullopt;
}

Error refused(const std::string& host, const std::string& address, const std::string& rule) {
    std::string where = host == address ? "'" + host + "'" : "'" + host + "' (resolves to " + address + ")";
    return make_error(ErrorCode::invalid_argument,
                      "webhook host " + where + " is " + rule +
                          ": webhooks may not target loopback, link-local, private, unspecified or multicast "
                          "addresses unless [governance] allow_private_webhooks = true");
}

} // namespace

std::optional<std::string> ipv4_rule(std::uint32_t address) {
    for (const Range4& range : k_refused4)
        if (in_range(address, range.base, range.bits)) return std::string(range.rule);
    return std::nullopt;
}

std::optional<std::string> ipv6_rule(const std::array<std::uint8_t, 16>& a) {
    bool zero96 = prefix_is(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    if (zero96) {
        std::uint32_t tail = embedded_ipv4(a);
        if (tail == 0) return std::string("unspecified (::)");
        if (tail == 1) return std::string("loopback (::1)");
        if (auto rule = ipv4_rule(tail)) return "IPv4-compatible " + *rule;
        return std::string("IPv4-compatible (::/96, deprecated)");
    }
    if (prefix_is(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}))
        if (auto rule = ipv4_rule(embedded_ipv4(a))) return "IPv4-mapped " + *rule;
    if (prefix_is(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}))
        if (auto rule = ipv4_rule(embedded_ipv4(a))) return "NAT64 " + *rule;
    if (a[0] == 0xff) return std::string("multicast (ff00::/8)");
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return std::string("link-local (fe80::/10)");
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return std::string("site-local (fec0::/10)");
    if ((a[0] & 0xfe) == 0xfc) return std::string("private (fc00::/7)");
    return std::nullopt;
}

std::optional<std::string> address_rule(const sockaddr* address) {
    if (address->sa_family == AF_INET)
        return ipv4_rule(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
    if (address->sa_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
        std::array<std::uint8_t, 16> bytes{};
        std::copy(std::begin(v6->sin6_addr.s6_addr), std::end(v6->sin6_addr.s6_addr), bytes.begin());
        return ipv6_rule(bytes);
    }
    return std::string("not an internet address");
}

std::vector<std::string> system_resolve(const std::string& host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::vector<std::string> out;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
    for (addrinfo* at = found; at; at = at->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = at->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(at->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(at->ai_addr)->sin6_addr);
        if ((at->ai_family == AF_INET || at->ai_family == AF_INET6) && inet_ntop(at->ai_family, raw, text, sizeof text))
            out.emplace_back(text);
    }
    freeaddrinfo(found);
    return out;
}

Result<void> check_webhook_url(std::string_view url, bool allow_private, const Resolver& resolve) {
    if (!url.starts_with("http://") && !url.starts_with("https://"))
        return fail(ErrorCode::invalid_argument, "webhook URL must start with http:// or https://");
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK)
        return fail(ErrorCode::invalid_argument, "webhook URL '" + std::string(url) + "' is not a valid URL");
    std::string host = host_of(parsed.get());
    if (host.empty()) return fail(ErrorCode::invalid_argument, "webhook URL '" + std::string(url) + "' has no host");
    if (allow_private) return {};
    if (names_localhost(host)) return fail(refused(host, host, "loopback (localhost)"));
    bool is_address = false;
    if (auto rule = literal_rule(host, is_address)) return fail(refused(host, host, *rule));
    if (is_address) return {};
    std::vector<std::string> addresses = resolve(host);
    if (addresses.empty())
        return fail(ErrorCode::invalid_argument, "webhook host '" + host + "' does not resolve; its addresses are "
                                                 "checked against loopback and private networks");
    for (const std::string& address : addresses) {
        bool literal = false;
        if (auto rule = literal_rule(address, literal)) return fail(refused(host, address, *rule));
    }
    return {};
}

} // namespace megarouter::governance
