// Where traces go: [telemetry] and the OTEL_* environment (see otlp.hpp).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "megarouter/telemetry/otlp.hpp"
#include "telemetry/text.hpp"

namespace megarouter::telemetry {

namespace {

using detail::trimmed;

bool truthy(const std::optional<std::string>& value) {
    if (!value) return false;
    std::string v = trimmed(*value);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v == "true";
}

std::optional<std::string> nonempty(const std::optional<std::string>& value) {
    if (!value || trimmed(*value).empty()) return std::nullopt;
    return trimmed(*value);
}

std::string string_at(const nlohmann::json& table, const char* key) {
    if (!table.is_object()) return "";
    auto it = table.find(key);
    return it != table.end() && it->is_string() ? it->get<std::string>() : "";
}

bool http_url(std::string_view url) {
    return (url.starts_with("http://") && url.size() > 7) || (url.starts_with("https://") && url.size() > 8);
}

} // namespace

Result<ExportSettings> export_settings(const nlohmann::json& telemetry, const core::EnvLookup& env) {
    ExportSettings out;
    if (telemetry.is_object()) {
        for (const char* key : {"otlp_endpoint", "service_name"})
            if (auto it = telemetry.find(key); it != telemetry.end() && !it->is_string())
                return std::unexpected(make_error(ErrorCode::config, std::string("[telemetry] ") + key + " must be a string"));
        if (auto it = telemetry.find("sample_ratio"); it != telemetry.end()) {
            if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= 1))
                return std::unexpected(make_error(ErrorCode::config, "[telemetry] sample_ratio must be a number from 0 to 1"));
            out.sample_ratio = it->get<double>();
        }
        if (auto it = telemetry.find("capture_content"); it != telemetry.end()) {
            if (!it->is_boolean())
                return std::unexpected(make_error(ErrorCode::config, "[telemetry] capture_content must be true or false"));
            out.capture_content = it->get<bool>();
        }
    }
    std::string url;
    if (std::string base = string_at(telemetry, "otlp_endpoint"); !base.empty()) {
        while (base.ends_with('/')) base.pop_back();
        url = base.ends_with("/v1/traces") ? base : base + "/v1/traces";
        if (!http_url(url))
            return std::unexpected(make_error(ErrorCode::config, "[telemetry] otlp_endpoint must be an http:// or https:// URL"));
    } else if (auto traces = nonempty(env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))) {
        url = *traces;
    } else if (auto base = nonempty(env("OTEL_EXPORTER_OTLP_ENDPOINT"))) {
        std::string b = *base;
        while (b.ends_with('/')) b.pop_back();
        url = b + "/v1/traces";
    }
    if (url.empty()) return out;
    if (!http_url(url))
        return std::unexpected(make_error(ErrorCode::config, "the OTLP traces endpoint must be an http:// or https:// URL"));
    if (truthy(env("OTEL_SDK_DISABLED"))) {
        out.notes.push_back("tracing is off: OTEL_SDK_DISABLED=true");
        return out;
    }
    if (auto exporter = nonempty(env("OTEL_TRACES_EXPORTER")); exporter && *exporter == "none") {
        out.notes.push_back("tracing is off: OTEL_TRACES_EXPORTER=none");
        return out;
    }
    if (auto protocol = nonempty(env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")).or_else([&] {
            return nonempty(env("OTEL_EXPORTER_OTLP_PROTOCOL"));
        });
        protocol && *protocol != "http/json")
        out.notes.push_back("traces are sent as OTLP/HTTP JSON; OTEL_EXPORTER_OTLP_PROTOCOL=" + *protocol +
                            " is not used (collectors accept both on the same port)");
    if (!telemetry.is_object() || !telemetry.contains("sample_ratio")) {
        std::string sampler = nonempty(env("OTEL_TRACES_SAMPLER")).value_or("parentbased_always_on");
        std::string base = sampler;
        out.parent_based = base.starts_with("parentbased_");
        if (out.parent_based) base = base.substr(12);
        if (base == "always_on") {
            out.sample_ratio = 1;
        } else if (base == "always_off") {
            out.sample_ratio = 0;
        } else if (base == "traceidratio") {
            std::string arg = nonempty(env("OTEL_TRACES_SAMPLER_ARG")).value_or("1");
            char* end = nullptr;
            double ratio = std::strtod(arg.c_str(), &end);
            if (end == arg.c_str() || *end != '\0' || !(ratio >= 0 && ratio <= 1)) {
                out.notes.push_back("OTEL_TRACES_SAMPLER_ARG=" + arg + " is not a ratio from 0 to 1: sampling everything");
                ratio = 1;
            }
            out.sample_ratio = ratio;
        } else {
            out.notes.push_back("OTEL_TRACES_SAMPLER=" + sampler + " is not supported: using parentbased_always_on");
            out.sample_ratio = 1;
            out.parent_based = true;
        }
    }
    out.enabled = true;
    out.url = url;
    for (const char* name : {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"})
        if (auto headers = nonempty(env(name)))
            for (auto& [key, value] : parse_key_values(*headers))
                if (upstream::is_field_value(value)) out.headers.emplace_back(key, value);

    std::string service = string_at(telemetry, "service_name");
    if (service.empty()) service = nonempty(env("OTEL_SERVICE_NAME")).value_or("");
    std::vector<Attribute> resource;
    if (auto attrs = nonempty(env("OTEL_RESOURCE_ATTRIBUTES")))
        for (auto& [key, value] : parse_key_values(*attrs)) {
            if (key == "service.name") {
                if (service.empty()) service = value;
                continue;
            }
            resource.push_back({key, value});
        }
    out.resource.push_back({"service.name", service.empty() ? std::string("megarouter") : service});
    out.resource.push_back({"service.version", std::string(MEGAROUTER_VERSION)});
    out.resource.push_back({"telemetry.sdk.name", std::string("megarouter")});
    out.resource.push_back({"telemetry.sdk.language", std::string("cpp")});
    out.resource.insert(out.resource.end(), resource.begin(), resource.end());
    return out;
}

bool sampled_by_ratio(const TraceId& trace_id, double ratio) {
    if (ratio >= 1) return true;
    if (!(ratio > 0)) return false;
    std::uint64_t tail = 0;
    for (std::size_t i = 8; i < 16; ++i) tail = (tail << 8) | trace_id[i];
    return static_cast<double>(tail) < ratio * 18446744073709551616.0; // 2^64
}

} // namespace megarouter::telemetry
