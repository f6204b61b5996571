#include "crypto.hpp"
#include "megarouter/governance/admin.hpp"
#include "sql.hpp"

namespace megarouter::governance {

namespace {

constexpr const char* k_key_columns =
    "id, prefix, owner, role, name, created_ms, expires_ms, revoked_ms, policy, COALESCE(rotated_from, '')";

KeyInfo read_key(const store::Statement& s) {
    KeyInfo key;
    key.id = s.text(0);
    key.prefix = s.text(1);
    key.owner = s.text(2);
    key.role = parse_role(s.text(3)).value_or(Role::member);
    key.name = s.text(4);
    key.created_ms = s.int64(5);
    key.expires_ms = sql::optional_int(s, 6);
    key.revoked_ms = sql::optional_int(s, 7);
    key.policy = policy_from_json(nlohmann::json::parse(s.text(8), nullptr, false));
    key.rotated_from = s.text(9);
    return key;
}

nlohmann::json key_event_figures(const KeyInfo& key) {
    return {{"key_id", key.id}, {"prefix", key.prefix}, {"owner", key.owner}};
}

} // namespace

Result<KeyInfo> Admin::find_key(std::string_view id_or_prefix) {
    std::vector<KeyInfo> found;
    auto rows = sql::each(m_db, std::string("SELECT ") + k_key_columns + " FROM gov_keys WHERE id = ? OR prefix = ?",
                          [&](const store::Statement& s) { found.push_back(read_key(s)); }, std::string(id_or_prefix),
                          std::string(id_or_prefix));
    if (!rows) return std::unexpected(rows.error());
    if (found.empty()) return fail(ErrorCode::not_found, "no key '" + std::string(id_or_prefix) + "'");
    if (found.size() > 1)
        return fail(ErrorCode::invalid_argument, "prefix '" + std::string(id_or_prefix) + "' matches " +
                                                     std::to_string(found.size()) + " keys; use the key id");
    return found.front();
}

// The mint rule, for create and rotate alike: manage_keys on the owner node;
// a key with role admin needs manage_roles there, one with role owner needs
// owner there (only an owner may hand out owner).
Result<void> Admin::may_mint(std::string_view owner, Role role) const {
    if (auto allowed = require(Permission::manage_keys, owner); !allowed) return allowed;
    if (role == Role::owner && m_actor.principal && !m_actor.principal->master &&
        !holds_owner(m_actor.principal->grants, owner))
        return fail(ErrorCode::permission_denied, "only an owner may mint a key with role owner on '" +
                                                      std::string(owner) + "'");
    if (role == Role::owner || role == Role::admin) return require(Permission::manage_roles, owner);
    return {};
}

// Writes a new key for `spec`: the row, its ceiling (what the minting
// principal could grant; none for the local CLI and the master key) and the
// key.created event. Runs inside the caller's transaction.
Result<CreatedKey> Admin::insert_key(const KeySpec& spec) {
    CreatedKey created;
    created.secret = crypto::new_api_key();
    KeyInfo& key = created.info;
    key.id = "key_" + crypto::random_base62(12);
    key.prefix = created.secret.substr(0, 11); // "mr-" + 8 characters
    key.owner = spec.owner;
    key.role = spec.role;
    key.name = spec.name;
    key.created_ms = m_clock.now_ms();
    key.expires_ms = spec.expires_ms;
    key.policy = spec.policy;
    bool bounded = m_actor.principal && !m_actor.principal->master;
    auto inserted = sql::run(m_db,
                             "INSERT INTO gov_keys(id, prefix, hash, owner, role, name, created_ms, expires_ms, policy, "
                             "bounded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             key.id, key.prefix, crypto::sha256_hex(created.secret), key.owner,
                             std::string(to_string(key.role)), key.name, key.created_ms, key.expires_ms,
                             policy_to_json(key.policy).dump(), std::int64_t{bounded ? 1 : 0});
    if (!inserted) return std::unexpected(inserted.error());
    if (bounded)
        for (const Grant& limit : grantable(m_actor.principal->grants))
            if (auto r = sql::run(m_db, "INSERT INTO gov_key_ceilings(key_id, role, scope) VALUES (?, ?, ?) "
                                        "ON CONFLICT DO NOTHING",
                                  key.id, std::string(to_string(limit.role)), limit.scope);
                !r)
                return std::unexpected(r.error());
    auto event = enqueue_event(m_db, "evt_" + crypto::random_base62(16), "key.created", key.owner, key.created_ms,
                               "key " + key.prefix + " created for " + key.owner, key_event_figures(key));
    if (!event) return std::unexpected(event.error());
    return created;
}

Result<CreatedKey> Admin::create_key(const KeySpec& spec) {
    auto owner = show_node(spec.owner);
    if (!owner) return std::unexpected(owner.error());
    if (owner->kind != NodeKind::user && owner->kind != NodeKind::team)
        return fail(ErrorCode::invalid_argument, "keys belong to a user or (service keys) a team, not to " +
                                                     std::string(to_string(owner->kind)) + " '" + spec.owner + "'");
    if (auto allowed = may_mint(spec.owner, spec.role); !allowed) return std::unexpected(allowed.error());
    std::optional<CreatedKey> created;
    auto written = m_db.transaction([&]() -> Result<void> {
        auto made = insert_key(spec);
        if (!made) return std::unexpected(made.error());
        created = std::move(*made);
        return {};
    });
    if (!written) return std::unexpected(written.error());
    return std::move(*created);
}

Result<std::vector<KeyInfo>> Admin::list_keys(std::string_view under, bool include_revoked) {
    std::vector<KeyInfo> keys;
    auto rows = sql::each(m_db, std::string("SELECT ") + k_key_columns + " FROM gov_keys ORDER BY owner, created_ms",
                          [&](const store::Statement& s) {
                              KeyInfo key = read_key(s);
                              if (!path_within(key.owner, under) || (key.revoked_ms && !include_revoked)) return;
                              bool own = m_actor.principal && m_actor.principal->owner == key.owner;
                              if (own || require(Permission::view_settings, key.owner)) keys.push_back(std::move(key));
                          });
    if (!rows) return std::unexpected(rows.error());
    return keys;
}

Result<KeyInfo> Admin::show_key(std::string_view id_or_prefix) {
    auto key = find_key(id_or_prefix);
    if (!key) return key;
    bool own = m_actor.principal && m_actor.principal->owner == key->owner;
    if (!own)
        if (auto allowed = require(Permission::view_settings, key->owner); !allowed) return std::unexpected(allowed.error());
    return key;
}

Result<KeyInfo> Admin::revoke_key(std::string_view id_or_prefix) {
    auto key = find_key(id_or_prefix);
    if (!key) return key;
    if (auto allowed = require(Permission::manage_keys, key->owner); !allowed) return std::unexpected(allowed.error());
    if (key->revoked_ms) return key;
    core::Millis now = m_clock.now_ms();
    auto written = m_db.transaction([&]() -> Result<void> { return write_revocation(*key, now); });
    if (!written) return std::unexpected(written.error());
    key->revoked_ms = now;
    return key;
}

Result<void> Admin::write_revocation(const KeyInfo& key, core::Millis now) {
    if (auto r = sql::run(m_db, "UPDATE gov_keys SET revoked_ms = ? WHERE id = ?", now, key.id); !r) return r;
    auto event = enqueue_event(m_db, "evt_" + crypto::random_base62(16), "key.revoked", key.owner, now,
                               "key " + key.prefix + " of " + key.owner + " revoked", key_event_figures(key));
    if (!event) return std::unexpected(event.error());
    return {};
}

// Rotation is a mint by the rotating actor (same rule, and the new key's
// ceiling is the rotator's), plus the old key's revocation or grace expiry,
// all in one transaction: a refused rotation changes nothing.
Result<CreatedKey> Admin::rotate_key(std::string_view id_or_prefix, core::Millis grace_ms) {
    auto old = find_key(id_or_prefix);
    if (!old) return std::unexpected(old.error());
    if (auto allowed = may_mint(old->owner, old->role); !allowed) return std::unexpected(allowed.error());
    if (old->revoked_ms) return fail(ErrorCode::invalid_argument, "key " + old->prefix + " is revoked; create a new one");
    KeySpec spec{old->owner, old->role, old->name, old->expires_ms, old->policy};
    std::optional<CreatedKey> created;
    auto written = m_db.transaction([&]() -> Result<void> {
        auto made = insert_key(spec);
        if (!made) return std::unexpected(made.error());
        created = std::move(*made);
        if (auto r = sql::run(m_db, "UPDATE gov_keys SET rotated_from = ? WHERE id = ?", old->id, created->info.id); !r)
            return r;
        core::Millis now = m_clock.now_ms();
        if (grace_ms <= 0) return write_revocation(*old, now);
        core::Millis until = now + grace_ms;
        if (old->expires_ms && *old->expires_ms < until) until = *old->expires_ms;
        return sql::run(m_db, "UPDATE gov_keys SET expires_ms = ? WHERE id = ?", until, old->id);
    });
    if (!written) return std::unexpected(written.error());
    created->info.rotated_from = old->id;
    return std::move(*created);
}

} // namespace megarouter::governance
