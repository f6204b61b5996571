#include <doctest/doctest.h>

#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/completion.hpp"
#include "megarouter/catalog/catalog.hpp"
#include "cli/context.hpp"

namespace megarouter::cli {
void build_app_for_introspection(CLI::App& app, Context& context);
}

using namespace megarouter;

namespace {

std::string read_file(const std::string& relative) {
    std::ifstream in(std::string(MEGAROUTER_SOURCE_DIR) + "/" + relative);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The man page as plain text: roff font escapes and "\-" removed.
std::string man_text() {
    std::string text = read_file("man/megarouter.1");
    text = std::regex_replace(text, std::regex(R"(\\f[BIRP])"), "");
    text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
    return text;
}

void visit(const CLI::App& app, const std::string& path, std::set<std::string>& commands, std::set<std::string>& options) {
    for (const CLI::Option* opt : app.get_options())
        if (!opt->get_group().empty())
            for (const auto& name : opt->get_lnames())
                if (name != "help") options.insert("--" + name);
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_group().empty()) continue;
        std::string child = path.empty() ? sub->get_name() : path + " " + sub->get_name();
        commands.insert(child);
        visit(*sub, child, commands, options);
    }
}

} // namespace

TEST_CASE("cli: committed completions match what the binary generates") {
    CLI::App app{"megarouter", "megarouter"};
    cli::Context context;
    cli::build_app_for_introspection(app, context);
    CHECK_MESSAGE(cli::completion_script(app, "bash") == read_file("completions/megarouter.bash"),
                  "regenerate: megarouter completion bash > completions/megarouter.bash");
    CHECK_MESSAGE(cli::completion_script(app, "zsh") == read_file("completions/_megarouter"),
                  "regenerate: megarouter completion zsh > completions/_megarouter");
    CHECK_MESSAGE(cli::completion_script(app, "fish") == read_file("completions/megarouter.fish"),
                  "regenerate: megarouter completion fish > completions/megarouter.fish");
}

TEST_CASE("cli: the man page documents every subcommand and every option") {
    CLI::App app{"megarouter", "megarouter"};
    cli::Context context;
    cli::build_app_for_introspection(app, context);
    std::set<std::string> commands, options;
    visit(app, "", commands, options);
    std::string man = man_text();
    REQUIRE_FALSE(man.empty());
    for (const auto& command : commands) CHECK_MESSAGE(man.find(command) != std::string::npos, "man page lacks: " << command);
    for (const auto& option : options) CHECK_MESSAGE(man.find(option) != std::string::npos, "man page lacks: " << option);
    for (const char* code : {"64", "65", "66", "69", "75", "77", "78", "130"}) CHECK(man.find(code) != std::string::npos);
}

TEST_CASE("cli: the completion scripts list every visible subcommand") {
    CLI::App app{"megarouter", "megarouter"};
    cli::Context context;
    cli::build_app_for_introspection(app, context);
    std::string fish = cli::completion_script(app, "fish");
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        if (!sub->get_group().empty()) CHECK(fish.find("-a '" + sub->get_name() + "'") != std::string::npos);
    CHECK(cli::completion_script(app, "powershell").empty());
}

TEST_CASE("cli: the README's count of models is true of the built-in catalog") {
    // The README says "N+ models"; `megarouter models` lists the models not
    // retired today. The claim must hold, and stay within 100 of the truth.
    std::string readme = read_file("README.md");
    std::smatch found;
    REQUIRE(std::regex_search(readme, found, std::regex(R"(([0-9]+)\+ models)")));
    const int claimed = std::stoi(found[1].str());
    char today[16];
    std::time_t now = std::time(nullptr);
    std::strftime(today, sizeof today, "%Y-%m-%d", std::gmtime(&now));
    int listed = 0;
    for (const catalog::Model& model : catalog::Catalog::builtin().models())
        if (!catalog::is_deprecated(model, today)) ++listed;
    CAPTURE(listed);
    CHECK(claimed <= listed);
    CHECK(listed < claimed + 100);
}
