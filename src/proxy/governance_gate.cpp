// The governance seam backed by the governance Gate: keys are enforced once
// any exists (or [server] require_keys is set), and every request that got
// past authentication is settled into the spend ledger.
#include "proxy/governance_seam.hpp"

#include "megarouter/core/clock.hpp"
#include "megarouter/governance/admin_api.hpp"
#include "megarouter/io/loop.hpp"
#include "megarouter/reports/spend_api.hpp"
#include "proxy/deployment_alerts.hpp"

namespace megarouter::proxy {
namespace {

// A request short of its gateway's budget lease waits for the claim this
// long at most (8 x 25 ms), parked, before it is refused.
constexpr int k_lease_waits = 8;
constexpr std::int64_t k_lease_wait_us = 25'000;

class GateGovernance final : public Governance {
public:
    GateGovernance(std::unique_ptr<governance::Gate> gate, std::filesystem::path database, std::string timezone,
                   core::JsonLimits json_limits)
        : m_gate(std::move(gate)), m_database(std::move(database)), m_timezone(std::move(timezone)),
          m_json_limits(json_limits) {}

    // Fresh on every call: keys the CLI created a moment ago are enforced.
    // When the store cannot be read, enforce (fail closed).
    bool enforcing() const override {
        if (!m_gate->refresh()) return true;
        return m_gate->enforcing();
    }

    // One refresh per request (a data_version read), then memory only.
    Result<Caller> authenticate(std::string_view key) override {
        if (auto fresh = m_gate->refresh(); !fresh) return std::unexpected(fresh.error());
        if (!m_gate->enforcing()) return Caller{};
        if (key.empty())
            return fail(ErrorCode::unauthenticated,
                        "an API key is required: send it as 'Authorization: Bearer <key>' or 'x-api-key'");
        auto principal = m_gate->authenticate_cached(key);
        if (!principal) return std::unexpected(principal.error());
        return Caller{.principal = std::move(*principal)};
    }

    Result<governance::Guardrails> precheck(const Caller& caller) override {
        if (!caller.principal) return governance::Guardrails{};
        return m_gate->precheck(*caller.principal);
    }

    Result<void> check_policy(const Caller& caller, std::string_view model, std::string_view vendor,
                              std::string_view provider, std::string_view mode,
                              const governance::ModelExpander& expand) override {
        if (!caller.principal) return {};
        return governance::Gate::check_policy(*caller.principal, model, vendor, provider, mode, expand);
    }

    Result<governance::Reservation> reserve(const Caller& caller, governance::Nanos max_cost, std::int64_t tokens,
                                            const governance::FitHold& fit) override {
        if (!caller.principal) return governance::Reservation{};
        auto hold = m_gate->reserve(*caller.principal, max_cost, tokens, fitting(fit));
        // Short of this gateway's lease while the budget has room (a shared
        // PostgreSQL store): the writer claims more at once; wait for it a
        // little, parked (the loop goes on), before answering 429.
        for (int attempt = 0; !hold && governance::Gate::waits_for_lease(hold.error()) && attempt < k_lease_waits; ++attempt) {
            io::sleep_until(core::monotonic_us() + k_lease_wait_us);
            hold = m_gate->reserve(*caller.principal, max_cost, tokens, fitting(fit));
        }
        return hold;
    }

    Result<void> extend(const Caller& caller, governance::Reservation& hold, governance::Nanos max_cost,
                        std::int64_t tokens, const governance::FitHold& fit) override {
        if (!caller.principal) return {};
        auto extended = m_gate->extend(hold, max_cost, tokens, fitting(fit));
        for (int attempt = 0; !extended && governance::Gate::waits_for_lease(extended.error()) && attempt < k_lease_waits;
             ++attempt) {
            io::sleep_until(core::monotonic_us() + k_lease_wait_us);
            extended = m_gate->extend(hold, max_cost, tokens, fitting(fit));
        }
        return extended;
    }

    const governance::FitHold& fitting(const governance::FitHold& fit) const {
        static const governance::FitHold k_none;
        return m_gate->options().fit_to_budget ? fit : k_none;
    }

    void settle(const Caller& caller, const governance::Reservation& hold,
                const governance::LedgerEntry& entry) override {
        if (!caller.principal) return m_gate->record(entry);
        // A request refused before it reserved (rate limit, budget, policy)
        // has no reservation to take its paths from: the key's owner gives
        // them, so `spend --node` counts refused requests where they came from.
        governance::LedgerEntry attributed = entry;
        const governance::Principal& who = *caller.principal;
        for (auto [field, value] : {std::pair{&attributed.org, &who.org}, std::pair{&attributed.dept, &who.dept},
                                    std::pair{&attributed.team, &who.team}, std::pair{&attributed.user, &who.user}})
            if (field->empty()) *field = *value;
        m_gate->settle(hold, attributed);
    }

    void flush() override { m_gate->flush(); }
    std::size_t ledger_backlog() const override { return m_gate->pending_rows(); }
    std::vector<governance::Gate::LimitUsage> limit_usage() const override { return m_gate->limit_usage(); }
    governance::Gate::LedgerStats ledger_stats() const override { return m_gate->ledger_stats(); }
    std::int64_t outbox_backlog() const override { return m_gate->outbox_pending(); }
    Result<void> ledger_room() const override { return m_gate->ledger_room(); }
    std::uint64_t lease_claims() const override { return m_gate->lease_claims(); }

    void deployment_event(const routing::HealthEvent& event) override {
        DeploymentAlert alert = deployment_alert(event);
        m_gate->post_event(std::move(alert.id), std::move(alert.type), k_deployment_event_node, alert.ts,
                           std::move(alert.summary), std::move(alert.figures));
    }

    void mount_admin(http::Router& server) override {
        governance::mount_admin_api(server, *m_gate, m_database, m_timezone, m_json_limits);
        reports::mount_spend_api(server, *m_gate, m_database, m_timezone); // /admin/spend and /ui
    }

private:
    std::unique_ptr<governance::Gate> m_gate;
    std::filesystem::path m_database;
    std::string m_timezone;
    core::JsonLimits m_json_limits; // [server] at start: the admin routes are mounted once
};

} // namespace

Result<std::unique_ptr<Governance>> open_gate_governance(const core::Config& config, const core::EnvLookup& env) {
    governance::GateOptions options = governance::gate_options_from(config, env);
    auto gate = governance::Gate::open(config.database, core::system_clock(), options);
    if (!gate) return std::unexpected(gate.error());
    return std::unique_ptr<Governance>(
        std::make_unique<GateGovernance>(std::move(*gate), config.database, options.timezone,
                                         core::json_limits(config.server)));
}

} // namespace megarouter::proxy
