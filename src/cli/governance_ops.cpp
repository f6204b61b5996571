#include "governance_ops.hpp"

#include <iostream>

#include "cmd_org_common.hpp"

namespace megarouter::cli {

namespace {

using governance::Argument;
using governance::ArgType;
using governance::Operation;

// Where CLI11 writes one argument's value; count() tells whether it was given.
struct Slot {
    std::string text;
    std::int64_t integer = 0;
    bool flag = false;
    std::vector<std::string> list;
    CLI::Option* option = nullptr;
};

CLI::Option* add_argument(CLI::App& sub, const Argument& argument, Slot& slot) {
    std::string name(argument.cli), help(argument.help);
    switch (argument.type) {
    case ArgType::text: return sub.add_option(name, slot.text, help);
    case ArgType::integer: return sub.add_option(name, slot.integer, help);
    case ArgType::flag: return sub.add_flag(name, slot.flag, help);
    case ArgType::list: return sub.add_option(name, slot.list, help);
    case ArgType::object: return nullptr;
    }
    return nullptr;
}

nlohmann::json value_of(const Argument& argument, const Slot& slot) {
    switch (argument.type) {
    case ArgType::integer: return slot.integer;
    case ArgType::flag: return slot.flag;
    case ArgType::list: return slot.list;
    default: return slot.text;
    }
}

void add_operation(CLI::App& command, Context& context, const Operation& operation, const nlohmann::json& implied) {
    auto* sub = command.add_subcommand(std::string(operation.verb()), std::string(operation.help));
    auto slots = std::make_shared<std::vector<Slot>>(operation.arguments.size()); // never resized: CLI11 keeps pointers
    auto as_json = std::make_shared<bool>(false);
    governance::Arguments given = nlohmann::json::object();
    for (std::size_t i = 0; i < operation.arguments.size(); ++i) {
        const Argument& argument = operation.arguments[i];
        if (argument.cli.empty()) {
            if (implied.contains(argument.name)) given[std::string(argument.name)] = implied.at(std::string(argument.name));
            continue;
        }
        (*slots)[i].option = add_argument(*sub, argument, (*slots)[i]);
        if (argument.required && (*slots)[i].option) (*slots)[i].option->required();
    }
    const Printer* printer = printer_for(operation.name);
    sub->add_flag("--json", *as_json, std::string(printer ? printer->json_help : "Print JSON"));
    sub->callback([&context, &operation, slots, as_json, given, printer] {
        governance::Arguments arguments = given;
        for (std::size_t i = 0; i < operation.arguments.size(); ++i)
            if ((*slots)[i].option && (*slots)[i].option->count() > 0)
                arguments[std::string(operation.arguments[i].name)] = value_of(operation.arguments[i], (*slots)[i]);
        context.exit_code = with_admin(context, [&](governance::Admin& admin) {
            auto answer = governance::perform(operation, admin, arguments);
            if (!answer) return context.report(answer.error());
            return print_result(*as_json || !printer, *answer, [&] { printer->print(*answer); });
        });
    });
}

} // namespace

void add_operations(CLI::App& command, Context& context, std::string_view group, const governance::Arguments& implied) {
    for (const Operation& operation : governance::operations())
        if (operation.group() == group) add_operation(command, context, operation, implied);
}

} // namespace megarouter::cli
