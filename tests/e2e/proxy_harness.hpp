// Test harness for the proxy's end-to-end tests: an in-process mock provider,
// a temporary MEGAROUTER_HOME with a config pointing providers at the mock,
// and the real `megarouter serve` binary started on port 0.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <httplib.h>

#include "megarouter/mock/mock_server.hpp"

namespace proxy_e2e {

inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A child process with an explicit environment; killed on destruction.
// `in_child` runs in the child before exec (e.g. setrlimit).
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, const std::string& log,
          const std::function<void()>& in_child = {}) {
        m_pid = ::fork();
        if (m_pid == 0) {
            if (in_child) in_child();
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            std::vector<char*> args, envp;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
            envp.push_back(nullptr);
            ::execve(args[0], args.data(), envp.data());
            ::_exit(127);
        }
    }
    ~Child() {
        if (m_pid > 0 && !m_exited) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return m_pid; }
    void signal(int number) const { ::kill(m_pid, number); }

    // Waits up to `timeout_ms` for exit; returns the exit status or nullopt.
    std::optional<int> wait_exit(int timeout_ms) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_exited = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return std::nullopt;
    }

private:
    pid_t m_pid = -1;
    bool m_exited = false;
};

// Resident memory of a process in KiB (VmRSS), 0 when unknown.
inline long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

struct ProxyFixture {
    std::filesystem::path home;
    megarouter::mock::MockServer mock;
    std::unique_ptr<Child> proxy;
    int port = 0;

    // `extra_toml` is appended to the generated config, `server_toml` to its [server] table.
    explicit ProxyFixture(const std::string& extra_toml = "", const std::vector<std::string>& extra_args = {},
                          const std::string& server_toml = "") {
        char pattern[] = "/tmp/megarouter-proxy-e2e-XXXXXX";
        home = ::mkdtemp(pattern);
        auto mock_port = mock.start("127.0.0.1", 0);
        if (!mock_port) throw std::runtime_error("mock: " + mock_port.error());
        std::string base = mock.base_url();
        std::ofstream(home / "config.toml") << "[server]\nrequest_timeout_s = 20\nidle_stream_timeout_s = 5\n"
                                            << "connect_timeout_s = 2\n" << server_toml << "\n"
                                            << "[providers.openai]\nbase_url = \"" << base << "/v1\"\napi_key = \"mock-openai\"\n\n"
                                            << "[providers.openrouter]\nbase_url = \"" << base << "/v1\"\napi_key = \"mock-openrouter\"\n\n"
                                            << "[providers.anthropic]\nbase_url = \"" << base << "\"\napi_key = \"mock-anthropic\"\n\n"
                                            << extra_toml << "\n";
        start(extra_args);
    }

    void start(const std::vector<std::string>& extra_args = {}) {
        std::filesystem::remove(home / "port");
        std::vector<std::string> argv{MEGAROUTER_BIN, "serve", "--port", "0", "--port-file", (home / "port").string(),
                                      "--access-log", (home / "access.log").string(), "--access-log-json",
                                      "--grace", "5"};
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
        std::vector<std::string> env{"MEGAROUTER_HOME=" + home.string(), "PATH=/usr/bin:/bin", "HOME=" + home.string()};
        // The [curl] copies of the proxy tests force the libcurl upstream path.
        if (const char* upstream = std::getenv("MEGAROUTER_UPSTREAM")) env.push_back(std::string("MEGAROUTER_UPSTREAM=") + upstream);
        proxy = std::make_unique<Child>(argv, env, (home / "serve.log").string());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            std::string text = read_text(home / "port");
            if (!text.empty()) {
                port = std::atoi(text.c_str());
                return;
            }
            if (proxy->wait_exit(20)) break;
        }
        throw std::runtime_error("megarouter serve did not start: " + read_text(home / "serve.log"));
    }

    ~ProxyFixture() {
        proxy.reset();
        mock.stop();
        std::error_code ec;
        std::filesystem::remove_all(home, ec);
    }

    httplib::Client client(int timeout_s = 20) const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(timeout_s, 0);
        c.set_connection_timeout(2, 0);
        return c;
    }

    std::string log() const { return read_text(home / "serve.log"); }
    std::string access_log() const { return read_text(home / "access.log"); }
    // The JSON access-log line of `request_id`, written as the request
    // finishes (just after its last byte): waits up to 5 s for it; "" if none.
    std::string access_line(const std::string& request_id) const {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            std::istringstream lines(access_log());
            for (std::string text; std::getline(lines, text);)
                if (text.find(request_id) != std::string::npos) return text;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return "";
    }
};

} // namespace proxy_e2e
