// The governance seam without governance: no keys, no budgets, no ledger.
#include "proxy/governance_seam.hpp"

namespace megarouter::proxy {
namespace {

class OpenGovernance final : public Governance {
public:
    bool enforcing() const override { return false; }
    Result<Caller> authenticate(std::string_view) override { return Caller{}; }
    Result<governance::Guardrails> precheck(const Caller&) override { return governance::Guardrails{}; }
    Result<void> check_policy(const Caller&, std::string_view, std::string_view, std::string_view, std::string_view,
                              const governance::ModelExpander&) override {
        return {};
    }
    Result<governance::Reservation> reserve(const Caller&, governance::Nanos, std::int64_t,
                                            const governance::FitHold&) override {
        return governance::Reservation{};
    }
    Result<void> extend(const Caller&, governance::Reservation&, governance::Nanos, std::int64_t,
                        const governance::FitHold&) override {
        return {};
    }
    void settle(const Caller&, const governance::Reservation&, const governance::LedgerEntry&) override {}
    void flush() override {}
};

} // namespace

std::unique_ptr<Governance> open_open_governance() { return std::make_unique<OpenGovernance>(); }

} // namespace megarouter::proxy
