#include "megarouter/governance/gate.hpp"

#include <openssl/crypto.h>

#include "crypto.hpp"
#include "gate_impl.hpp"
#include "megarouter/core/ids.hpp"

namespace megarouter::governance {

Gate::Gate(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<Gate>> Gate::open(const std::filesystem::path& database, const core::Clock& clock,
                                         GateOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->path = database;
    impl->clock = &clock;
    impl->options = options;
    auto zone = TimeZone::load(options.timezone);
    if (!zone) return std::unexpected(zone.error());
    impl->zone = std::move(*zone);
    auto db = store::Database::open(database);
    if (!db) return std::unexpected(db.error());
    impl->check_db.emplace(std::move(*db));
    // Requests check the store on the event loop: never wait long on a lock there
    // (WAL readers do not wait for writers; this bounds the rare recovery case).
    impl->settings_polled = impl->check_db->backend() == store::Backend::postgresql;
    if (impl->settings_polled) impl->replica_id = core::random_id("gw_");
    if (!impl->settings_polled)
        if (auto bounded = impl->check_db->exec("PRAGMA busy_timeout = 100"); !bounded)
            return std::unexpected(bounded.error());
    {
        // Reservations live only in memory, so a crashed process left none
        // behind: start-up begins with every reservation released.
        std::lock_guard lock(impl->check_mutex);
        if (auto loaded = impl->refresh_settings(); !loaded) return std::unexpected(loaded.error());
    }
    impl->maintain_leases(*impl->check_db); // PostgreSQL: leases before the first request (leases.cpp)
    Impl* raw = impl.get();
    impl->writer = std::thread([raw] { raw->writer_loop(); });
    if (options.deliver_alerts) impl->delivery = std::thread([raw] { raw->delivery_loop(); });
    return std::unique_ptr<Gate>(new Gate(std::move(impl)));
}

Gate::~Gate() {
    flush();
    {
        std::lock_guard lock(m_impl->queue_mutex);
        m_impl->stopping = true;
    }
    m_impl->queue_cv.notify_all();
    if (m_impl->writer.joinable()) m_impl->writer.join();
    {
        std::lock_guard lock(m_impl->delivery_mutex);
        m_impl->delivery_stopping = true;
    }
    m_impl->delivery_cv.notify_all();
    if (m_impl->delivery.joinable()) m_impl->delivery.join();
}

void Gate::refresh_settings_now() {
    if (m_impl->settings_polled) m_impl->poll_settings();
}

void Gate::post_event(std::string id, std::string type, std::string node, core::Millis ts, std::string summary,
                      nlohmann::json figures) {
    WriterItem item;
    item.events.push_back({std::move(id), std::move(type), std::move(node), std::move(summary), ts, std::move(figures)});
    m_impl->enqueue(std::move(item));
}

bool Gate::keys_exist() const { return m_impl->any_keys.load(); }
bool Gate::require_keys() const { return m_impl->options.require_keys; }

namespace {

void fill_paths(Principal& p) {
    std::vector<std::string> levels;
    std::size_t at = 0;
    while (true) {
        std::size_t slash = p.owner.find('/', at);
        levels.push_back(p.owner.substr(0, slash));
        if (slash == std::string::npos) break;
        at = slash + 1;
    }
    p.org = levels.size() > 0 ? levels[0] : "";
    p.dept = levels.size() > 1 ? levels[1] : "";
    p.team = levels.size() > 2 ? levels[2] : "";
    p.user = levels.size() > 3 ? levels[3] : "";
}

bool same_secret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

Result<void> Gate::refresh() {
    auto snap = m_impl->current();
    if (!snap) return std::unexpected(snap.error());
    return {};
}

bool Gate::enforcing() const { return m_impl->options.require_keys || m_impl->any_keys.load(); }

Result<Principal> Gate::authenticate(std::string_view presented) {
    if (auto fresh = refresh(); !fresh) return std::unexpected(fresh.error());
    return authenticate_cached(presented);
}

Result<Principal> Gate::authenticate_cached(std::string_view presented) const {
    if (presented.empty()) return fail(ErrorCode::unauthenticated, "missing API key (send Authorization: Bearer mr-...)");
    if (!m_impl->options.master_key.empty() && same_secret(presented, m_impl->options.master_key)) {
        Principal master;
        master.master = true;
        master.key_prefix = "master";
        master.grants.push_back({Role::owner, ""});
        return master;
    }
    std::shared_ptr<const Snapshot> snap = m_impl->last();
    if (!snap) return fail(ErrorCode::storage, "the key store has not been loaded");
    auto it = snap->keys_by_hash.find(crypto::sha256_hex(presented));
    if (it == snap->keys_by_hash.end()) return fail(ErrorCode::unauthenticated, "invalid API key");
    const KeyRecord& key = it->second;
    if (key.revoked_ms) return fail(ErrorCode::unauthenticated, "API key " + key.prefix + " has been revoked");
    core::Millis now = m_impl->clock->now_ms();
    if (key.expires_ms && now >= *key.expires_ms)
        return fail(ErrorCode::unauthenticated, "API key " + key.prefix + " expired at " +
                                                    format_local(*key.expires_ms, m_impl->zone));
    Principal principal;
    principal.key_id = key.id;
    principal.key_prefix = key.prefix;
    principal.owner = key.owner;
    fill_paths(principal);
    principal.grants = key.grants;
    principal.policy = key.policy;
    return principal;
}

const GateOptions& Gate::options() const { return m_impl->options; }

} // namespace megarouter::governance
