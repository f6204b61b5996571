// The difficulty model as data: prediction and the text file format.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "megarouter/routing/difficulty.hpp"

namespace megarouter::routing {

namespace {

constexpr std::string_view k_magic = "megarouter-router-model 1";

// Splits off the next line of `text` (without its newline).
std::string_view next_line(std::string_view& text) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

template <typename T>
bool number(std::string_view text, T& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// "key value": the value when the line starts with key and a space.
std::optional<std::string_view> field(std::string_view line, std::string_view key) {
    if (line.size() < key.size() + 1 || line.substr(0, key.size()) != key || line[key.size()] != ' ') return std::nullopt;
    return line.substr(key.size() + 1);
}

std::string format_number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

} // namespace

double DifficultyModel::predict(const std::vector<Feature>& features) const {
    double z = bias;
    if (weights.size() == k_feature_slots)
        for (const Feature& f : features) z += static_cast<double>(weights[f.slot]) * f.value;
    return 1.0 / (1.0 + std::exp(-z));
}

Result<DifficultyModel> parse_difficulty_model(std::string_view text, std::string name) {
    DifficultyModel model;
    model.name = std::move(name);
    auto bad = [&model](std::size_t line, std::string what) {
        return fail(ErrorCode::invalid_argument, model.name + ":" + std::to_string(line) + ": " + what);
    };
    std::size_t line_number = 1;
    if (next_line(text) != k_magic) return bad(line_number, "not a megarouter router model (want a first line \"megarouter-router-model 1\")");
    std::size_t count = 0;
    bool have_bits = false, have_weights = false;
    while (!text.empty() && !have_weights) {
        std::string_view line = next_line(text);
        ++line_number;
        if (auto value = field(line, "name")) {
            // The name inside the file is informational; the caller's wins.
        } else if (auto value = field(line, "trained")) {
            model.trained = std::string(*value);
        } else if (auto value = field(line, "feature_bits")) {
            int bits = 0;
            if (!number(*value, bits) || bits != k_feature_bits)
                return bad(line_number, "feature_bits must be " + std::to_string(k_feature_bits) +
                                            " (this file was made by another version)");
            have_bits = true;
        } else if (auto value = field(line, "bias")) {
            if (!number(*value, model.bias) || !std::isfinite(model.bias)) return bad(line_number, "bias is not a number");
        } else if (auto value = field(line, "calibration")) {
            std::string_view rest = *value;
            for (std::size_t bin = 0; bin < model.calibration.size(); ++bin) {
                std::size_t space = rest.find(' ');
                std::string_view cell = rest.substr(0, space);
                rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
                std::size_t colon = cell.find(':');
                double mean = 0;
                std::uint32_t count = 0;
                if (colon == std::string_view::npos || !number(cell.substr(0, colon), mean) || !(mean >= 0 && mean <= 1) ||
                    !number(cell.substr(colon + 1), count))
                    return bad(line_number, "calibration wants 10 cells <mean 0..1>:<count>");
                model.calibration[bin] = mean;
                model.calibration_count[bin] = count;
            }
        } else if (auto value = field(line, "weights")) {
            if (!number(*value, count) || count > k_feature_slots) return bad(line_number, "bad weights count");
            have_weights = true;
        } else if (!line.empty() && line.front() != '#') {
            return bad(line_number, "unexpected line");
        }
    }
    if (!have_bits || !have_weights) return bad(line_number, "missing feature_bits or weights");
    model.weights.assign(k_feature_slots, 0.0f); // 1 MiB, only once the header is whole
    for (std::size_t i = 0; i < count; ++i) {
        if (text.empty()) return bad(line_number, "ends after " + std::to_string(i) + " of " + std::to_string(count) + " weights");
        std::string_view line = next_line(text);
        ++line_number;
        std::size_t space = line.find(' ');
        std::uint32_t slot = 0;
        float weight = 0;
        if (space == std::string_view::npos || !number(line.substr(0, space), slot) || slot >= k_feature_slots ||
            !number(line.substr(space + 1), weight) || !std::isfinite(weight))
            return bad(line_number, "want \"<slot> <weight>\" with slot below " + std::to_string(k_feature_slots));
        model.weights[slot] = weight;
    }
    return model;
}

std::string serialize_difficulty_model(const DifficultyModel& model) {
    std::string out(k_magic);
    out += "\nname " + model.name + "\ntrained " + model.trained + "\nfeature_bits " + std::to_string(k_feature_bits) +
           "\nbias " + format_number(model.bias) + "\n";
    bool calibrated = false;
    for (std::uint32_t count : model.calibration_count) calibrated = calibrated || count > 0;
    if (calibrated) {
        out += "calibration";
        for (std::size_t bin = 0; bin < model.calibration.size(); ++bin)
            out += " " + format_number(model.calibration[bin]) + ":" + std::to_string(model.calibration_count[bin]);
        out += "\n";
    }
    std::size_t count = 0;
    for (float w : model.weights) count += w != 0 ? 1 : 0;
    out += "weights " + std::to_string(count) + "\n";
    for (std::size_t slot = 0; slot < model.weights.size(); ++slot)
        if (model.weights[slot] != 0) out += std::to_string(slot) + " " + format_number(model.weights[slot]) + "\n";
    return out;
}

} // namespace megarouter::routing
