// `megarouter completion bash|zsh|fish`: hidden; regenerates completions/.
#include <iostream>

#include "completion.hpp"
#include "context.hpp"

namespace megarouter::cli {

void build_app_for_introspection(CLI::App& app, Context& context);

void add_completion_command(CLI::App& app, Context& context) {
    auto* completion = app.add_subcommand("completion", "Print shell completions (bash, zsh, fish)");
    completion->group(""); // hidden: used to generate completions/
    static std::string shell;
    completion->add_option("shell", shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    completion->callback([&context] {
        CLI::App full{"megarouter", "megarouter"};
        Context scratch;
        build_app_for_introspection(full, scratch);
        std::cout << completion_script(full, shell);
        context.exit_code = 0;
    });
}

} // namespace megarouter::cli
