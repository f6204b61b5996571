#include "support.hpp"

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace megarouter::e2e {

namespace fs = std::filesystem;

TempHome::TempHome() {
    std::random_device rd;
    m_path = fs::temp_directory_path() / ("megarouter-e2e-" + std::to_string(rd()) + std::to_string(::getpid()));
    fs::create_directories(m_path);
}

TempHome::~TempHome() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void TempHome::write_config(const std::string& text) const {
    std::ofstream(m_path / "config.toml") << text;
}

std::map<std::string, std::string> TempHome::env() const {
    return {{"MEGAROUTER_HOME", m_path.string()}, {"HOME", m_path.string()}};
}

namespace {

std::vector<std::string> make_env(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    const char* path = std::getenv("PATH");
    env.push_back(std::string("PATH=") + (path ? path : "/usr/bin:/bin"));
    env.push_back("LANG=C.UTF-8");
    for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& items) {
    std::vector<char*> out;
    for (auto& s : items) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

} // namespace

Outcome run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& input, std::chrono::milliseconds limit) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        return {};
    std::vector<std::string> args = argv;
    std::vector<std::string> envs = make_env(env);
    auto c_args = c_strings(args);
    auto c_env = c_strings(envs);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        ::execve(c_args[0], c_args.data(), c_env.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    std::thread writer([&] {
        std::size_t done = 0;
        ::signal(SIGPIPE, SIG_IGN);
        while (done < input.size()) {
            ssize_t n = ::write(in_pipe[1], input.data() + done, input.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::close(in_pipe[1]);
    });
    Outcome outcome;
    auto deadline = std::chrono::steady_clock::now() + limit;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_count = 2;
    bool killed = false;
    char buffer[65536];
    while (open_count > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        if (::poll(fds, 2, static_cast<int>(std::min<long>(left.count(), 200))) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            } else {
                (i == 0 ? outcome.out : outcome.err).append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    for (auto& fd : fds)
        if (fd.fd >= 0) ::close(fd.fd);
    writer.join();
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!killed) outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return outcome;
}

Outcome run_megarouter(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                   const std::string& input, std::chrono::milliseconds limit) {
    std::vector<std::string> argv{MEGAROUTER_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, input, limit);
}

Background::Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    std::random_device rd;
    m_err_file = fs::temp_directory_path() / ("megarouter-bg-" + std::to_string(rd()) + ".err");
    std::vector<std::string> args = argv;
    std::vector<std::string> envs = make_env(env);
    auto c_args = c_strings(args);
    auto c_env = c_strings(envs);
    m_pid = ::fork();
    if (m_pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        int err = ::open(m_err_file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(err, 2);
        ::execve(c_args[0], c_args.data(), c_env.data());
        ::_exit(127);
    }
}

Background::~Background() {
    if (m_pid > 0 && !stop(SIGTERM, std::chrono::seconds(10))) stop(SIGKILL, std::chrono::seconds(5));
    std::error_code ec;
    fs::remove(m_err_file, ec);
}

std::optional<int> Background::wait_for_port_file(const fs::path& file, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(file);
        int port = 0;
        if (in >> port && port > 0) return port;
        int status = 0;
        if (m_pid > 0 && ::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

std::optional<int> Background::stop(int signal_number, std::chrono::milliseconds limit) {
    if (m_pid <= 0) return std::nullopt;
    ::kill(m_pid, signal_number);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

std::string Background::stderr_text() const {
    std::ifstream in(m_err_file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace megarouter::e2e
