// The governance steps of the proxy's filter chain behind one interface:
// authenticate -> precheck (limits, guardrails) -> reserve -> settle. The
// proxy talks only to this seam; one implementation forwards to the
// governance Gate (keys, budgets, ledger), the other lets everything through
// (a gateway without governance, and unit tests).
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "megarouter/core/clock.hpp"
#include "megarouter/core/config.hpp"
#include "megarouter/core/error.hpp"
#include "megarouter/core/paths.hpp"
#include "megarouter/governance/gate.hpp"
#include "megarouter/governance/ledger.hpp"
#include "megarouter/http/router.hpp"
#include "megarouter/routing/health.hpp"

namespace megarouter::proxy {

// Who is calling: a principal when a key was checked, nothing otherwise.
struct Caller {
    std::optional<governance::Principal> principal;
    std::string key_id() const { return principal ? principal->key_id : ""; }
};

// All member functions are thread-safe.
class Governance {
public:
    virtual ~Governance() = default;
    // Whether every request must carry a valid key, as of this call: keys the
    // CLI or another process created count at once; true when the store
    // cannot be read (fail closed).
    virtual bool enforcing() const = 0;
    // `key` is the presented key ("" when none). Sees keys created and
    // revoked by other processes up to this call. Fails with unauthenticated /
    // permission_denied when enforcing, storage when the store cannot be read;
    // otherwise returns an anonymous caller.
    virtual Result<Caller> authenticate(std::string_view key) = 0;
    // Rate limits and budget guardrails. Fails with rate_limited / budget_exceeded.
    virtual Result<governance::Guardrails> precheck(const Caller& caller) = 0;
    // Policy of the caller's key for the routed deployment; `expand` turns
    // model names into canonical ids (see Gate::check_policy). Fails with
    // permission_denied.
    virtual Result<void> check_policy(const Caller& caller, std::string_view model, std::string_view vendor,
                                      std::string_view provider, std::string_view mode,
                                      const governance::ModelExpander& expand) = 0;
    // Holds the request's worst case (Gate::reserve). `fit` is used only
    // when [governance] fit_to_budget is on. Fails with budget_exceeded.
    virtual Result<governance::Reservation> reserve(const Caller& caller, governance::Nanos max_cost,
                                                    std::int64_t tokens, const governance::FitHold& fit) = 0;
    // Raises the hold before a failover to a dearer deployment (Gate::extend).
    virtual Result<void> extend(const Caller& caller, governance::Reservation& hold, governance::Nanos max_cost,
                                std::int64_t tokens, const governance::FitHold& fit) = 0;
    // Releases the hold and records the real cost (a ledger row). Exactly once
    // per request that got past authenticate, whatever the outcome.
    virtual void settle(const Caller& caller, const governance::Reservation& hold,
                        const governance::LedgerEntry& entry) = 0;
    // Writes queued ledger rows (shutdown).
    virtual void flush() = 0;
    // For /metrics: ledger rows queued but not committed, and every budget's usage.
    virtual std::size_t ledger_backlog() const { return 0; }
    virtual std::vector<governance::Gate::LimitUsage> limit_usage() const { return {}; }
    virtual governance::Gate::LedgerStats ledger_stats() const { return {}; }
    virtual std::int64_t outbox_backlog() const { return 0; }
    virtual std::uint64_t lease_claims() const { return 0; }
    // Whether a request may start, as far as recording it goes: fails with
    // unavailable while rows could not be kept anywhere safe (Gate::ledger_room).
    virtual Result<void> ledger_room() const { return {}; }
    // A deployment was ejected or recovered: queues a deployment.ejected /
    // deployment.recovered alert for the outbox (global webhooks). Called on
    // the request thread by the health tracker: memory only, never blocks on
    // SQLite. Nothing without governance.
    virtual void deployment_event(const routing::HealthEvent& event) { (void)event; }
    // Registers the /admin/... routes on `server` (nothing without governance).
    virtual void mount_admin(http::Router& server) { (void)server; }
};

// Lets everything through and records nothing.
std::unique_ptr<Governance> open_open_governance();

// Forwards to a governance::Gate on the config's database. Fails with storage.
Result<std::unique_ptr<Governance>> open_gate_governance(const core::Config& config, const core::EnvLookup& env);

} // namespace megarouter::proxy
