#include "context.hpp"

#include <iostream>
#include <unistd.h>

namespace megarouter::cli {

Result<const core::Config*> Context::config() {
    if (!m_config) {
        core::Paths effective = paths;
        if (!config_override.empty()) effective.config_file = config_override;
        auto loaded = core::load_config(effective, env);
        if (!loaded) return std::unexpected(loaded.error());
        m_config = std::move(*loaded);
    }
    return &*m_config;
}

int Context::report(const Error& error) const {
    std::cerr << "megarouter: " << error.message << "\n";
    return exit_code_for(error);
}

bool Context::color_stdout() const { return !env("NO_COLOR") && ::isatty(STDOUT_FILENO); }
bool Context::color_stderr() const { return !env("NO_COLOR") && ::isatty(STDERR_FILENO); }

void set_examples(CLI::App& sub, const std::string& examples) { sub.footer("\nExamples:\n" + examples); }

} // namespace megarouter::cli
