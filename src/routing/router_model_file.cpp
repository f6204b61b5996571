// Which difficulty model a config selects, and reading it from its file: the
// one place routing touches the file system, once per config load.
#include <fstream>
#include <sstream>

#include "megarouter/routing/routing_config.hpp"

namespace megarouter::routing {

std::filesystem::path default_router_model_path(const core::Config& config) {
    if (config.file.empty()) return {};
    return config.file.parent_path() / "router_model.txt";
}

Result<std::shared_ptr<const DifficultyModel>> read_router_model(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(ErrorCode::io, "cannot read " + file.string());
    std::ostringstream text;
    text << in.rdbuf();
    auto model = parse_difficulty_model(text.str(), file.string());
    if (!model) return fail(model.error());
    return std::make_shared<const DifficultyModel>(std::move(*model));
}

Result<std::shared_ptr<const DifficultyModel>> load_router_model(const core::Config& config) {
    std::filesystem::path file;
    std::string where = "the default router model";
    const nlohmann::json* routing = config.document.is_object() && config.document.contains("routing")
                                        ? &config.document["routing"]
                                        : nullptr;
    if (routing != nullptr && routing->is_object() && routing->contains("router_model") &&
        (*routing)["router_model"].is_string()) {
        std::string setting = (*routing)["router_model"].get<std::string>();
        if (setting == "builtin") return nullptr;
        file = setting;
        if (file.is_relative() && !config.file.empty()) file = config.file.parent_path() / file;
        where = config.where("/routing/router_model") + ": [routing] router_model";
    } else {
        file = default_router_model_path(config);
        std::error_code ec;
        if (file.empty() || !std::filesystem::exists(file, ec)) return nullptr;
    }
    auto model = read_router_model(file);
    if (!model)
        return fail(ErrorCode::config, where + ": " + model.error().message +
                                           (model.error().code == ErrorCode::io
                                                ? " (train one with `megarouter route train FILE.jsonl`, or set \"builtin\")"
                                                : ""));
    return model;
}

} // namespace megarouter::routing
