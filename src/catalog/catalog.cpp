// Catalog lookup: the name index, find(), suggestions(), the built-in
// catalog and the cached refreshed copy.
#include "megarouter/catalog/catalog.hpp"
#include "megarouter/catalog/naming.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "catalog/embedded.hpp"

namespace megarouter::catalog {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Names longer than this get no suggestions: no id or alias comes near it
// (the longest is about 45 bytes), and it keeps the search's cost fixed
// whatever a request names.
constexpr std::size_t k_max_suggestion_name_bytes = 128;


} // namespace

Catalog Catalog::from_models(std::vector<Model> models, std::string generated, std::string origin) {
    Catalog catalog;
    catalog.m_models = std::move(models);
    catalog.m_generated = std::move(generated);
    catalog.m_origin = std::move(origin);
    catalog.index();
    return catalog;
}

void Catalog::index() {
    m_by_name.clear();
    m_by_name.reserve(m_models.size() * 8);
    // Ids first so that an alias never shadows another model's id.
    for (std::size_t i = 0; i < m_models.size(); ++i) m_by_name.emplace(lower(m_models[i].id), i);
    for (std::size_t i = 0; i < m_models.size(); ++i) {
        const Model& model = m_models[i];
        for (const std::string& alias : model.aliases) m_by_name.emplace(lower(alias), i);
        for (const Offering& offering : model.offerings)
            m_by_name.emplace(lower(offering.provider + "/" + offering.provider_model_id), i);
    }
}

const Model* Catalog::find(std::string_view id_or_alias) const {
    auto it = m_by_name.find(lower(id_or_alias));
    return it == m_by_name.end() ? nullptr : &m_models[it->second];
}

const Offering* Catalog::unlisted_price(std::string_view provider, std::string_view model_id) const {
    std::string p = lower(provider), m = lower(model_id);
    for (const Offering& offering : m_unlisted)
        if (offering.provider == p && lower(offering.provider_model_id) == m) return &offering;
    return nullptr;
}

std::vector<std::string> Catalog::suggestions(std::string_view unknown, std::size_t count) const {
    if (unknown.size() > k_max_suggestion_name_bytes) return {};
    std::string wanted = lower(unknown);
    struct Candidate {
        std::size_t score;
        std::string id;
    };
    std::vector<Candidate> candidates;
    const std::size_t limit = std::max<std::size_t>(3, wanted.size() / 2);
    for (const Model& model : m_models) {
        std::string id = lower(model.id);
        std::size_t score = edit_distance_within(wanted, id, limit);
        // A fragment such as "sonnet" should find "claude-sonnet-4".
        if (wanted.size() >= 3 && id.find(wanted) != std::string::npos) score = std::min<std::size_t>(score, 1);
        for (const std::string& alias : model.aliases)
            if (score > 0) score = std::min(score, edit_distance_within(wanted, lower(alias), limit));
        if (score <= limit) candidates.push_back({score, model.id});
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) return a.score < b.score;
        if (a.id.size() != b.id.size()) return a.id.size() < b.id.size();
        return a.id < b.id;
    });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < candidates.size() && out.size() < count; ++i) out.push_back(candidates[i].id);
    return out;
}

std::string_view Catalog::builtin_document() { return embedded_catalog_json(); }

const Catalog& Catalog::builtin() {
    static const Catalog catalog = [] {
        auto parsed = from_json(embedded_catalog_json(), "built-in catalog");
        if (parsed) return std::move(*parsed);
        // Only a broken build gets here; the unit tests parse the embedded file.
        std::cerr << "megarouter: " << parsed.error().message << "\n";
        return from_models({}, "", "built-in catalog");
    }();
    return catalog;
}

Result<Catalog> Catalog::load_base(const core::Paths& paths) {
    std::filesystem::path cached = paths.cache_dir / "catalog.json";
    std::error_code ec;
    // Parsed afresh rather than copied from builtin(): a copy costs more than
    // half a parse, and a one-shot command (route, prompt) needs one catalog.
    if (paths.cache_dir.empty() || !std::filesystem::exists(cached, ec))
        return from_json(embedded_catalog_json(), "built-in catalog");
    std::ifstream in(cached, std::ios::binary);
    if (!in) return fail(ErrorCode::io, "cannot read " + cached.string());
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = from_json(text.str(), cached.string());
    if (!parsed) {
        Error error = parsed.error();
        error.message += " (delete the file or run 'megarouter models refresh' to use the built-in catalog)";
        return fail(std::move(error));
    }
    return parsed;
}

} // namespace megarouter::catalog
