// `megarouter serve`: run the gateway. Signals are handled on one thread with
// sigwait: SIGTERM/SIGINT drain and exit 0, SIGHUP reloads the config while
// the listening socket stays open.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pthread.h>
#include <thread>

#include "context.hpp"
#include "megarouter/proxy/server.hpp"

namespace megarouter::cli {
namespace {

struct ServeFlags {
    std::string host;
    int port = -1;
    std::string port_file;
    bool insecure_no_auth = false;
    std::string access_log;
    bool access_log_json = false;
    bool no_governance = false;
    int grace_s = -1;
};

Result<void> write_port_file(const std::string& file, int port) {
    std::string temporary = file + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return fail(ErrorCode::io, "cannot write " + temporary);
        out << port << "\n";
    }
    if (std::rename(temporary.c_str(), file.c_str()) != 0) return fail(ErrorCode::io, "cannot write " + file);
    return {};
}

Result<core::Config> reload_config(Context& context) {
    core::Paths effective = context.paths;
    if (!context.config_override.empty()) effective.config_file = context.config_override;
    return core::load_config(effective, context.env);
}

// Waits for signals until SIGTERM/SIGINT (or SIGUSR2: run() ended by itself).
void handle_signals(Context& context, proxy::ProxyServer& server, const sigset_t& signals, int grace_ms) {
    for (;;) {
        int number = 0;
        if (sigwait(&signals, &number) != 0) continue;
        if (number == SIGHUP) {
            auto config = reload_config(context);
            auto reloaded = config ? server.reload(std::move(*config))
                                   : Result<std::vector<std::string>>(std::unexpected(config.error()));
            if (reloaded) {
                std::cerr << "megarouter: configuration reloaded\n";
                for (const std::string& note : *reloaded) std::cerr << "megarouter: " << note << "\n";
            } else {
                std::cerr << "megarouter: reload failed, keeping the previous configuration: " << reloaded.error().message << "\n";
            }
            continue;
        }
        if (number == SIGUSR2) return;
        std::cerr << "megarouter: shutting down (waiting up to " << grace_ms / 1000 << " s for requests in flight)\n";
        server.shutdown(grace_ms);
        return;
    }
}

int serve(Context& context, const ServeFlags& flags) {
    auto loaded = context.config();
    if (!loaded) return context.report(loaded.error());
    proxy::ServeOptions options;
    if (!flags.host.empty()) options.host = flags.host;
    if (flags.port >= 0) options.port = flags.port;
    options.insecure_no_auth = flags.insecure_no_auth;
    if (!flags.access_log.empty()) options.access_log = flags.access_log;
    if (flags.access_log_json) options.access_log_json = true;
    options.use_governance = !flags.no_governance;
    int grace_ms = (flags.grace_s >= 0 ? flags.grace_s : (*loaded)->server.shutdown_grace_s) * 1000;

    // Block the signals before any thread starts so only sigwait sees them.
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    auto server = proxy::ProxyServer::create(**loaded, context.paths, context.env, options);
    if (!server) return context.report(server.error());
    auto port = (*server)->bind();
    if (!port) return context.report(port.error());
    if (!flags.port_file.empty())
        if (auto written = write_port_file(flags.port_file, *port); !written) return context.report(written.error());
    const std::string& host = (*server)->host();
    if (!proxy::is_loopback(host) && !(*server)->enforcing_keys())
        std::cerr << "megarouter: WARNING: listening on " << host
                  << " without API keys (--insecure-no-auth): anyone who can reach this port can spend your provider credit\n";
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    std::cerr << "megarouter listening on http://" << shown << ":" << *port << std::endl;
    for (const std::string& note : (*server)->notes()) std::cerr << "megarouter: " << note << "\n";

    pthread_t main_thread = pthread_self();
    (void)main_thread;
    std::thread signal_thread([&] { handle_signals(context, **server, signals, grace_ms); });
    (*server)->run();
    pthread_kill(signal_thread.native_handle(), SIGUSR2); // no-op if it already returned
    signal_thread.join();
    std::cerr << "megarouter: stopped\n";
    return 0;
}

} // namespace

void add_serve_command(CLI::App& app, Context& context) {
    auto* serve_cmd = app.add_subcommand("serve", "Run the gateway: an OpenAI- and Anthropic-compatible HTTP proxy");
    static ServeFlags flags;
    serve_cmd->add_option("--host", flags.host, "Address to listen on (default from config, else 127.0.0.1)");
    serve_cmd->add_option("--port", flags.port, "Port to listen on (default from config, else 4000; 0 = any free port)");
    serve_cmd->add_option("--port-file", flags.port_file, "Write the bound port to this file once listening")
        ->option_text("FILE");
    serve_cmd->add_flag("--insecure-no-auth", flags.insecure_no_auth,
                        "Allow a non-loopback address without API keys (prints a warning)");
    serve_cmd->add_option("--access-log", flags.access_log,
                          "Access log target: a file, '-' for stdout, 'off' (default: stderr)")
        ->option_text("TARGET");
    serve_cmd->add_flag("--access-log-json", flags.access_log_json, "Write the access log as JSON lines");
    serve_cmd->add_flag("--no-governance", flags.no_governance,
                        "Do not open the governance database (no keys, budgets or spend ledger)");
    serve_cmd->add_option("--grace", flags.grace_s, "Seconds to let requests finish on SIGTERM (default: config, 20)");
    set_examples(*serve_cmd,
                 "  megarouter serve\n"
                 "  megarouter serve --port 0 --port-file /tmp/megarouter.port\n"
                 "  megarouter serve --host 0.0.0.0 --port 8080 --access-log-json\n"
                 "  OPENAI_BASE_URL=http://127.0.0.1:4000/v1 ANTHROPIC_BASE_URL=http://127.0.0.1:4000 your-app\n"
                 "  kill -HUP $(pidof megarouter)   # reload the config, connections stay open\n");
    serve_cmd->callback([&context] { context.exit_code = serve(context, flags); });
}

} // namespace megarouter::cli
