// `megarouter serve`: the gateway as an HTTP server that OpenAI and Anthropic
// clients use by changing their base URL. It owns the listener (an event
// loop per thread, a fiber per connection: src/http), the per-request filter
// chain, the deployment health, the access log and the link to governance; a
// SIGHUP-style reload swaps the configuration without closing the listening
// socket.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"
#include "megarouter/upstream/transport.hpp"

namespace megarouter::proxy {

struct ServeOptions {
    std::optional<std::string> host;        // overrides [server] host
    std::optional<int> port;                // overrides [server] port (0 = any free port)
    bool insecure_no_auth = false;          // allow a non-loopback bind without keys
    std::optional<std::string> access_log;  // overrides [server] access_log
    std::optional<bool> access_log_json;    // overrides [server] access_log_json
    bool use_governance = true;             // keys, budgets and ledger (false: an open gateway)
    // How upstreams are reached; nullptr: the real client (UpstreamClient::shared()).
    // Tests pass a fake. Must outlive the server.
    const upstream::Transport* transport = nullptr;
};

// Whether `host` is a loopback address or name (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

class ProxyServer {
public:
    // Builds the server from a config: catalog, routing config, providers,
    // health, governance and access log. Fails with config, storage or io.
    static Result<std::unique_ptr<ProxyServer>> create(core::Config config, core::Paths paths, core::EnvLookup env,
                                                       ServeOptions options);
    ~ProxyServer(); // stops and joins

    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    // Binds the listening socket and returns the bound port. Fails with
    // permission_denied for a non-loopback host without enforced keys or
    // insecure_no_auth, and io when the address cannot be bound.
    Result<int> bind();

    // Serves on the calling thread until shutdown() has drained; returns after
    // every request has ended. Requires a successful bind().
    void run();

    // Stops accepting, lets in-flight requests finish for up to `grace_ms`,
    // then cancels what remains (streams end with an error event) and flushes
    // the ledger. Thread-safe; returns without waiting for run() to return.
    void shutdown(int grace_ms);

    // Swaps in a new config: catalog, routing, providers, aliases, groups and
    // the per-request limits (body size up to the start-up value, header
    // size, deadlines, max_concurrent) apply to the next request. The
    // listening socket stays open and requests in flight finish with the
    // config they started with. Returns one line per changed setting that
    // only a restart applies (host, port, threads, access log, log_prompts
    // switched on, a body limit above the start-up one). Fails with config;
    // the old config then stays. Thread-safe.
    Result<std::vector<std::string>> reload(core::Config config);

    int port() const;
    const std::string& host() const;
    // Whether requests must carry a key (governance enforcing).
    bool enforcing_keys() const;
    // Lines for serve to print at start: where traces go, telemetry
    // settings that are not used.
    std::vector<std::string> notes() const;

    struct Impl;

private:
    explicit ProxyServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace megarouter::proxy
