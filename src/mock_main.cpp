// megarouter-mock: the mock provider as a process, for end-to-end tests, the
// benchmarks and the README quickstart. It serves until SIGINT or SIGTERM.
#include "megarouter/mock/mock_server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Blocks SIGINT/SIGTERM in every thread (the server's included) and waits for one.
void wait_for_termination(const sigset_t& signals) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"megarouter-mock: a mock OpenAI/Anthropic/Gemini provider on loopback"};
    std::string host = "127.0.0.1";
    int port = 0;
    std::string port_file;
    std::string models_file;
    app.add_option("--host", host, "Address to bind")->capture_default_str();
    app.add_option("--port", port, "Port to bind (0 = any free port)")->capture_default_str();
    app.add_option("--port-file", port_file, "Write the bound port to this file");
    app.add_option("--models-file", models_file, "JSON document to serve at GET /api/v1/models");
    CLI11_PARSE(app, argc, argv);

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    megarouter::mock::MockServer server;
    if (!models_file.empty()) {
        auto document = read_file(models_file);
        if (!document) {
            std::cerr << "megarouter-mock: cannot read " << models_file << "\n";
            return 1;
        }
        server.set_models_document(std::move(*document));
    }
    auto bound = server.start(host, port);
    if (!bound) {
        std::cerr << "megarouter-mock: " << bound.error() << "\n";
        return 1;
    }
    if (!port_file.empty()) {
        std::ofstream out(port_file, std::ios::trunc);
        out << *bound << "\n";
        if (!out) {
            std::cerr << "megarouter-mock: cannot write " << port_file << "\n";
            return 1;
        }
    }
    std::cout << "listening on " << server.base_url() << std::endl;
    wait_for_termination(signals);
    server.stop();
    return 0;
}
