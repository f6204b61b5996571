// Where webhooks may go: by default never to the gateway's own machine or
// its networks (loopback, link-local, private, unspecified, multicast and
// reserved addresses), so that a scoped admin cannot make the gateway POST
// into its internal network. Checked when a webhook is added (the host as
// named and every address it resolves to) and again on every connection the
// delivery makes (DNS may change). Private to governance.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/error.hpp"

namespace megarouter::governance {

// The rule an address breaks, e.g. "loopback (127.0.0.0/8)", or nullopt for
// a public address. IPv4 in host byte order; IPv6 as its 16 bytes, with
// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64
// (64:ff9b::a.b.c.d) addresses judged by the IPv4 address they carry. Pure.
std::optional<std::string> ipv4_rule(std::uint32_t address);
std::optional<std::string> ipv6_rule(const std::array<std::uint8_t, 16>& address);
// The same for a socket address (AF_INET or AF_INET6; other families are
// refused). Pure.
std::optional<std::string> address_rule(const sockaddr* address);

// Turns a host name into its addresses (empty when it does not resolve).
using Resolver = std::function<std::vector<std::string>(const std::string& host)>;
// getaddrinfo, as curl would resolve the name (numeric forms included).
std::vector<std::string> system_resolve(const std::string& host);

// Checks a webhook URL: http or https, a host, and (unless `allow_private`)
// a host that neither names nor resolves to a refused address. Fails with
// invalid_argument naming the rule and the setting that lifts it. Blocks on
// DNS: call it off the event loop. Thread-safe.
Result<void> check_webhook_url(std::string_view url, bool allow_private, const Resolver& resolve = system_resolve);

} // namespace megarouter::governance
