// Helpers for end-to-end tests: run the real binaries with a private
// MEGAROUTER_HOME, feed stdin, capture output, and bound every wait in time.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace megarouter::e2e {

struct Outcome {
    int exit_code = -1; // -1 when killed by the time limit
    std::string out;
    std::string err;
};

// A fresh temporary folder, removed on destruction; `env()` gives the
// variables that point megarouter at it (MEGAROUTER_HOME, HOME).
class TempHome {
public:
    TempHome();
    ~TempHome();
    const std::filesystem::path& path() const { return m_path; }
    // Writes `text` to <home>/config.toml.
    void write_config(const std::string& text) const;
    std::map<std::string, std::string> env() const;

private:
    std::filesystem::path m_path;
};

// Runs `argv` (argv[0] is a path) with `env` added to a clean environment
// (PATH, and no provider keys unless given), `input` on stdin, and a time
// limit after which the child is killed.
Outcome run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
            const std::string& input = "", std::chrono::milliseconds limit = std::chrono::seconds(30));

// Runs the megarouter binary under test with `args`.
Outcome run_megarouter(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                   const std::string& input = "", std::chrono::milliseconds limit = std::chrono::seconds(30));

// A background process (e.g. `megarouter serve`); killed with SIGTERM then
// SIGKILL on destruction.
class Background {
public:
    Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
    ~Background();
    // Waits until `file` exists and holds a number (a port), up to `limit`.
    std::optional<int> wait_for_port_file(const std::filesystem::path& file,
                                          std::chrono::milliseconds limit = std::chrono::seconds(15));
    // Sends a signal; waits up to `limit` for exit and returns the exit code.
    std::optional<int> stop(int signal_number, std::chrono::milliseconds limit = std::chrono::seconds(30));
    int pid() const { return m_pid; }
    // What the process wrote to stderr so far (redirected to a file).
    std::string stderr_text() const;

private:
    int m_pid = -1;
    std::filesystem::path m_err_file;
};

} // namespace megarouter::e2e
